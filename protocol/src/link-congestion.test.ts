import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_REPORTED_RTT_MS, reportedRttMs } from './link-congestion.js';

describe('reportedRttMs', () => {
  it('says any finite round trip as whole ms within the route’s bound, and none as null', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (ms) => {
        const r = reportedRttMs(ms);
        if (!Number.isFinite(ms)) {
          expect(r).toBeNull();
          return;
        }
        expect(Number.isInteger(r)).toBe(true);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(MAX_REPORTED_RTT_MS);
        // Within the bound it is the measurement, rounded; past it the bound (a minute of queue stays a long one).
        if (ms >= 0 && ms <= MAX_REPORTED_RTT_MS - 0.5) expect(r === Math.round(ms)).toBe(true);
        if (ms > MAX_REPORTED_RTT_MS) expect(r).toBe(MAX_REPORTED_RTT_MS);
      }),
    );
    expect(reportedRttMs(undefined)).toBeNull();
    // What the route refused in the conversation file's run at load 29.
    expect(reportedRttMs(93_955)).toBe(MAX_REPORTED_RTT_MS);
  });
});
