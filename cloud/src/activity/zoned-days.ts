/**
 * Calendar days in the platform's time zone. A period given as dates (`from=2026-12-07`) means those
 * days where the platform is, not in UTC: read as UTC, « the 7th » began at 01:00 in Paris and the acts
 * of its first hour fell on the 6th.
 */

/** The instant a calendar day starts in `timeZone` (the offset read back from Intl, twice for DST days). */
export function zonedMidnight(ymd: string, timeZone: string): Date {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(new Date(guess))
        .map((p) => [p.type, p.value]),
    );
    const shown = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
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
