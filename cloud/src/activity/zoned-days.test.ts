import { describe, expect, it } from 'vitest';
import { localDay, periodEnd, periodStart, wallClock, zonedMidnight } from './zoned-days.js';

const PARIS = 'Europe/Paris';

describe('days where the platform is', () => {
  it('a date is that day in Paris: from its midnight to its last millisecond, winter and summer', () => {
    expect(periodStart('2026-12-07', PARIS).toISOString()).toBe('2026-12-06T23:00:00.000Z');
    expect(periodEnd('2026-12-07', PARIS).toISOString()).toBe('2026-12-07T22:59:59.999Z');
    expect(periodStart('2026-07-01', PARIS).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(periodEnd('2026-07-01', PARIS).toISOString()).toBe('2026-07-01T21:59:59.999Z');
  });

  it('the days the clocks change have 23 and 25 hours', () => {
    const hours = (d: string) => (periodEnd(d, PARIS).getTime() + 1 - periodStart(d, PARIS).getTime()) / 3_600_000;
    expect(hours('2026-03-29')).toBe(23);
    expect(hours('2026-10-25')).toBe(25);
    expect(zonedMidnight('2026-03-29', 'UTC').toISOString()).toBe('2026-03-29T00:00:00.000Z');
  });

  it('reads the wall clock: 23:30 UTC on the 6th is 00:30 on the 7th in Paris', () => {
    const at = new Date('2026-12-06T23:30:05Z');
    expect(wallClock(at, PARIS)).toEqual({ year: '2026', month: '12', day: '07', hour: '00', minute: '30', second: '05' });
    expect(localDay(at, PARIS)).toBe('2026-12-07');
    expect(localDay(at, 'UTC')).toBe('2026-12-06');
  });

  it('a date-time is taken as given', () => {
    expect(periodStart('2026-12-07T10:30:00+01:00', PARIS).toISOString()).toBe('2026-12-07T09:30:00.000Z');
    expect(periodEnd('2026-12-07T10:30:00Z', PARIS).toISOString()).toBe('2026-12-07T10:30:00.000Z');
  });
});
