import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DownlinkEstimate, GROWTH_CAP, HEADROOM_BPS, HIGH_LOSS, LOW_LOSS } from './downlink-estimate.js';

const rate = fc.integer({ min: 0, max: 5_000_000 });
const loss = fc.double({ min: 0, max: 1, noNaN: true });

describe('DownlinkEstimate', () => {
  it('knows nothing before the link first loses more than 10 %', () => {
    const d = new DownlinkEstimate();
    d.onRemb(100_000);
    d.onMeasure(undefined, 500_000);
    d.onMeasure(0, 100_000); // voice alone, the videos starting: no reason to hold them to 1.5 × that
    d.onMeasure(0.08, 500_000);
    expect(d.value).toBeUndefined();
    d.onMeasure(0.2, 500_000);
    // What got through (400 kbit/s), under the browser's REMB now that the link loses packets.
    expect(d.value).toBe(100_000);
  });

  it('on a full link (loss over 10 %), is at most what got through; on a clean one never falls and grows to at most 1.5 × what was sent', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(loss, rate, fc.option(rate, { nil: undefined })), { minLength: 1, maxLength: 20 }), (steps) => {
        const d = new DownlinkEstimate();
        for (const [l, sent, remb] of steps) {
          const before = d.value;
          if (remb !== undefined) d.onRemb(remb);
          d.onMeasure(l, sent);
          if (d.value === undefined) {
            expect(l).toBeLessThanOrEqual(HIGH_LOSS);
            continue;
          }
          const e = d.value;
          expect(e).toBeGreaterThanOrEqual(0);
          if (l > HIGH_LOSS) expect(e).toBeLessThanOrEqual(sent * (1 - l) + 1e-6);
          if (l < LOW_LOSS) {
            if (before !== undefined) expect(e).toBeGreaterThanOrEqual(before);
            expect(e).toBeGreaterThanOrEqual(sent);
            expect(e).toBeLessThanOrEqual(Math.max(before ?? 0, GROWTH_CAP * sent + HEADROOM_BPS) + 1e-6);
          }
        }
      }),
    );
  });

  it('a clean link carried what it was sent: a video tried again counts at once', () => {
    const d = new DownlinkEstimate();
    d.onMeasure(0.5, 100_000); // voice alone, on a link that lost half of it
    expect(d.value).toBe(50_000);
    d.onMeasure(0, 300_000); // voice and a video tried again, nothing lost
    expect(d.value).toBe(300_000);
    d.onMeasure(0, 300_000);
    expect(d.value).toBeCloseTo(324_000);
  });

  it('takes the browser’s REMB as a ceiling only while the link loses packets', () => {
    const d = new DownlinkEstimate();
    d.onMeasure(0.2, 500_000); // once congested: 400 kbit/s got through
    d.onRemb(138_000); // Chromium's low start
    d.onMeasure(0, 400_000);
    expect(d.value).toBeCloseTo(432_000); // ignored on a clean link: grew 8 %
    d.onMeasure(0.05, 400_000);
    expect(d.value).toBe(138_000);
  });

  it('four parties’ streams (~660 kbit/s) into a 150 kbit/s link: the estimate is the link', () => {
    const d = new DownlinkEstimate();
    d.onMeasure(1 - 150 / 660, 660_000);
    expect(d.value).toBeCloseTo(150_000, -2);
  });
});
