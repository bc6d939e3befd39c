import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalLoss, downlinkLoss } from './upstream-loss.js';

describe('ArrivalLoss', () => {
  it('measures the numbers missing in each window, across the 16-bit wrap, duplicates never below 0', () => {
    const a = new ArrivalLoss();
    for (let s = 65_500; s < 65_600; s++) if (s % 4 !== 0) a.onPacket(s % 65_536);
    a.close();
    // 65,501 … 65,599 spanned (65,500 is a multiple of 4), 24 of the 99 missing.
    expect(a.fraction).toBeCloseTo(24 / 99, 9);
    for (let s = 65_600; s < 65_700; s++) {
      a.onPacket(s % 65_536);
      a.onPacket(s % 65_536);
    }
    a.close();
    expect(a.fraction).toBe(0);
    // A window without packets keeps the last figure; a new source starts at 0.
    a.close();
    expect(a.fraction).toBe(0);
    a.restart();
    a.onPacket(10);
    a.onPacket(13);
    a.close();
    expect(a.fraction).toBe(0.5);
  });

  it('is the dropped share for any random drop pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65_535 }), fc.array(fc.boolean(), { minLength: 2, maxLength: 400 }), (first, keep) => {
        const a = new ArrivalLoss();
        // The first and last always arrive: they bound the window.
        const kept = keep.map((k, i) => k || i === 0 || i === keep.length - 1);
        for (const [i, k] of kept.entries()) if (k) a.onPacket((first + i) % 65_536);
        a.close();
        expect(a.fraction).toBeCloseTo(kept.filter((k) => !k).length / kept.length, 9);
      }),
    );
  });
});

describe('downlinkLoss', () => {
  it('takes out what the stream lost before the unit', () => {
    expect(downlinkLoss(0.3, 0.3)).toBe(0);
    expect(downlinkLoss(0.2, 0.3)).toBe(0);
    expect(downlinkLoss(0.3, 0)).toBe(0.3);
    expect(downlinkLoss(0.55, 0.1)).toBeCloseTo(0.5, 9);
    expect(downlinkLoss(0.5, 1)).toBe(0);
  });

  it('composes: a downlink losing d behind an upstream losing u reports 1 − (1 − u)(1 − d), and gives d back', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (u, d) => {
        expect(downlinkLoss(1 - (1 - u) * (1 - d), u)).toBeCloseTo(d, 6);
      }),
    );
  });
});
