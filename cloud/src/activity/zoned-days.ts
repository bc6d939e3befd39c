/**
 * Calendar days in the platform's time zone. A period given as dates (`from=2026-12-07`) means those
 * days where the platform is, not in UTC: read as UTC, « the 7th » began at 01:00 in Paris and the acts
 * of its first hour fell on the 6th.
 */

/** What a wall clock in `timeZone` shows at `at`, as two-digit strings (four for the year). */
export interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

export function wallClock(at: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((x) => x.type === type)?.value ?? '00';
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** The calendar day (YYYY-MM-DD) in `timeZone` at `at`. */
export function localDay(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${w.year}-${w.month}-${w.day}`;
}

/** The instant a calendar day starts in `timeZone` (the offset read back from the wall clock, twice for DST days). */
export function zonedMidnight(ymd: string, timeZone: string): Date {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(guess), timeZone);
    const shown = Date.UTC(Number(w.year), Number(w.month) - 1, Number(w.day), Number(w.hour), Number(w.minute));
    guess += wall - shown;
  }
  return new Date(guess);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const nextDay = (ymd: string): string => new Date(Date.parse(`${ymd}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** A period's start: a date is that day's midnight in `timeZone`; a date-time is itself. */
export function periodStart(value: string, timeZone: string): Date {
  return DATE_ONLY.test(value) ? zonedMidnight(value, timeZone) : new Date(value);
}

/** A period's inclusive end: a date is the last millisecond of that day in `timeZone`; a date-time is itself. */
export function periodEnd(value: string, timeZone: string): Date {
  return DATE_ONLY.test(value) ? new Date(zonedMidnight(nextDay(value), timeZone).getTime() - 1) : new Date(value);
}
