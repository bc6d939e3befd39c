import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the first delay up to the cap, ±20 %, and starts again after a reset', () => {
    const mid = new Backoff({ random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6, 7].map(() => mid.next())).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    mid.reset();
    expect(mid.next()).toBe(500);
    const low = new Backoff({ firstMs: 1000, maxMs: 3000, random: () => 0 });
    const high = new Backoff({ firstMs: 1000, maxMs: 3000, random: () => 0.999_999 });
    expect([low.next(), low.next(), low.next()]).toEqual([800, 1600, 2400]);
    expect([high.next(), high.next(), high.next()]).toEqual([1200, 2400, 3600]);
  });
});
