/** Times as a datetime-local input in Paris takes them, for tests that book through the pages. */
import { wallClock } from '../../cloud/src/activity/zoned-days.js';

export const PARIS = 'Europe/Paris';

/** A wall-clock time in Paris for a datetime-local input, `m` minutes from now (rounded up to the minute), and the same instant in ISO. */
export function parisLocal(m: number): { input: string; iso: string } {
  const d = new Date(Math.ceil((Date.now() + m * 60_000) / 60_000) * 60_000);
  const w = wallClock(d, PARIS);
  return { input: `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}`, iso: d.toISOString() };
}

/** Minutes from `d` to the next midnight in Paris. */
export function minutesToParisMidnight(d: Date): number {
  const w = wallClock(d, PARIS);
  return (24 * 3600 - (Number(w.hour) * 3600 + Number(w.minute) * 60 + Number(w.second))) / 60;
}

/**
 * A start `lead` minutes from now and a later time up to `span` minutes after it, both in one Paris day:
 * a test that moves an act within « the cart's day » failed when run after 23:00 in Paris (the moved act
 * left the day). Close to midnight the start moves past it, into the next day.
 */
export function sameParisDay(lead: number, span: number): { start: Date; later: Date } {
  let start = new Date(Date.now() + lead * 60_000);
  if (minutesToParisMidnight(start) < 3) start = new Date(start.getTime() + (minutesToParisMidnight(start) + 2) * 60_000);
  const move = Math.max(1, Math.min(span, Math.floor(minutesToParisMidnight(start)) - 1));
  return { start, later: new Date(start.getTime() + move * 60_000) };
}

/** The Paris day (YYYY-MM-DD) of `d`, not rounded: the day a thing done now is filed under. */
export function parisDay(d: Date = new Date()): string {
  const w = wallClock(d, PARIS);
  return `${w.year}-${w.month}-${w.day}`;
}
