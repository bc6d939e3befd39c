import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECONNECT_DEFAULTS, reconnectDelay } from './backoff.js';

describe('reconnectDelay', () => {
  const o = { baseMs: 2000, maxMs: 60_000, spread: 0.2 };

  it('doubles per attempt up to the ceiling', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => reconnectDelay(a, o, mid))).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(reconnectDelay(1000, o, mid)).toBe(60_000);
  });

  it('spreads each delay by ±20 % with the injected random source', () => {
    expect(reconnectDelay(1, o, () => 0)).toBe(3200);
    expect(reconnectDelay(1, o, () => 0.999_999)).toBe(4800);
    // A fleet drawing different randoms does not come back at one instant.
    const draws = [0.1, 0.3, 0.5, 0.7, 0.9];
    const delays = draws.map((r) => reconnectDelay(2, o, () => r));
    expect(new Set(delays).size).toBe(draws.length);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(6400);
      expect(d).toBeLessThanOrEqual(9600);
    }
  });

  it('by default spreads each delay by ±50 % up to a 30 s ceiling: a round of attempts covers a whole delay, not a wave', () => {
    const d = { baseMs: RECONNECT_DEFAULTS.baseMs, maxMs: RECONNECT_DEFAULTS.maxMs };
    expect([0, 0.5, 0.999_999].map((r) => reconnectDelay(1000, d, () => r))).toEqual([15_000, 30_000, 45_000]);
    expect(reconnectDelay(1, d, () => 0)).toBe(2000);
  });

  it('takes another spread, clamped to [0, 1]', () => {
    expect(reconnectDelay(0, { ...o, spread: 1 }, () => 0)).toBe(0);
    expect(reconnectDelay(0, { ...o, spread: 5 }, () => 0.75)).toBe(3000);
    expect(reconnectDelay(0, { ...o, spread: 0 }, () => 0.9)).toBe(2000);
  });

  it('waits at least afterShedMs (spread likewise) after a shed, and never less than after a failure of the same attempt', () => {
    const d = { baseMs: RECONNECT_DEFAULTS.baseMs, maxMs: RECONNECT_DEFAULTS.maxMs };
    // The first retry after a shed: 10–30 s, not 1–3 s.
    expect([0, 0.5, 0.999_999].map((r) => reconnectDelay(0, d, () => r, 'shed'))).toEqual([10_000, 20_000, 30_000]);
    expect(reconnectDelay(0, d, () => 0.5, 'failed')).toBe(2000);
    // Past afterShedMs the exponential schedule rules: a shed gateway is not sent further than a failed one.
    expect(reconnectDelay(5, d, () => 0.5, 'shed')).toBe(reconnectDelay(5, d, () => 0.5, 'failed'));
    // 0: a shed counts as any failure (the "before" of docs/region.md « Fewer refusals »).
    expect(reconnectDelay(0, { ...d, afterShedMs: 0 }, () => 0.5, 'shed')).toBe(2000);
  });

  it('properties: within ±spread of the schedule, monotone in the attempt, a shed never sooner than a failure', () => {
    const opts = fc.record({
      baseMs: fc.integer({ min: 1, max: 10_000 }),
      maxMs: fc.integer({ min: 1, max: 120_000 }),
      spread: fc.double({ min: 0, max: 1, noNaN: true }),
      afterShedMs: fc.integer({ min: 0, max: 120_000 }),
    });
    fc.assert(
      fc.property(opts, fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (o, attempt, r) => {
        const random = () => r;
        const max = Math.max(o.baseMs, o.maxMs);
        const planned = Math.min(max, o.baseMs * 2 ** Math.min(attempt, 16));
        const failed = reconnectDelay(attempt, o, random, 'failed');
        const shed = reconnectDelay(attempt, o, random, 'shed');
        expect(failed).toBeGreaterThanOrEqual(Math.floor(planned * (1 - o.spread)));
        expect(failed).toBeLessThanOrEqual(Math.ceil(planned * (1 + o.spread)));
        expect(shed).toBeGreaterThanOrEqual(failed);
        expect(shed).toBeGreaterThanOrEqual(Math.floor(o.afterShedMs * (1 - o.spread)));
        expect(shed).toBeLessThanOrEqual(Math.ceil(Math.max(planned, o.afterShedMs) * (1 + o.spread)));
        expect(reconnectDelay(attempt + 1, o, random, 'failed')).toBeGreaterThanOrEqual(failed);
      }),
    );
  });
});
