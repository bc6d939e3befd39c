import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BitrateControllerOptions, VideoBitrateController } from './bitrate.js';

const opts: BitrateControllerOptions = { startKbps: 400, minKbps: 40, maxKbps: 2000, reservedKbps: 64 };

describe('VideoBitrateController', () => {
  it('heavy loss brings the rate down by half the loss, not before the decrease interval', () => {
    const c = new VideoBitrateController(opts);
    expect(c.onLoss(0.5, 0)).toBe(300); // 400 × (1 − 0.25)
    expect(c.onLoss(0.5, 1000)).toBeNull(); // 1.5 s not elapsed; the estimate keeps falling meanwhile
    expect(c.onLoss(0.5, 1499)).toBeNull();
    expect(c.onLoss(0.5, 1500)).toBe(Math.round(300 * 0.75 ** 3));
    expect(c.currentKbps).toBe(Math.round(300 * 0.75 ** 3));
  });

  it('moderate loss (2–10 %) holds the rate; low loss grows it 8 % a report, applied at +25 % after 4 s', () => {
    const c = new VideoBitrateController(opts);
    for (let t = 0; t < 10_000; t += 1000) expect(c.onLoss(0.05, t)).toBeNull();
    const applied: (number | null)[] = [];
    for (let t = 10_000; t <= 20_000; t += 1000) applied.push(c.onLoss(0, t));
    // 400 × 1.08^3 = 503.9 ≥ +25 % at the third report; then 4 s (four reports) between steps.
    expect(applied.map((x, i) => (x === null ? null : [i, x])).filter((x) => x !== null)).toEqual([
      [2, 504],
      [6, Math.round(504 * 1.08 ** 4)],
      [10, Math.round(Math.round(504 * 1.08 ** 4) * 1.08 ** 4)],
    ]);
  });

  it('REMB caps the rate, less the audio and ECG budget, while the link loses packets', () => {
    const c = new VideoBitrateController(opts);
    expect(c.onLoss(0.05, 0)).toBeNull();
    expect(c.onRemb(200_000, 0)).toBe(136); // 200 − 64
    expect(c.onRemb(0, 5000)).toBeNull(); // nonsense ignored
    expect(c.onRemb(Number.NaN, 5000)).toBeNull();
    expect(c.onRemb(50_000, 5000)).toBe(40); // below the floor: the floor
  });

  it('REMB alone on a clean link does not pull the rate down (the estimate is still climbing)', () => {
    const c = new VideoBitrateController(opts);
    expect(c.onLoss(0, 0)).toBeNull();
    expect(c.onRemb(138_000, 100)).toBeNull();
    expect(c.currentKbps).toBe(400);
    // Then losses come: the estimate applies.
    expect(c.onLoss(0.03, 2000)).toBe(74);
  });

  it('grows 8 % a second however often the reports come (Chromium sends several a second)', () => {
    const c = new VideoBitrateController({ ...opts, startKbps: 53 });
    const applied: number[] = [];
    // Ten clean reports a second for 8 s: a step of +25 % (66) once 53 × 1.08^t passes it, then 4 s later
    // 66 × 1.08^4 (90), not 66 × 1.08^40 (1,434: the old step).
    for (let t = 0; t <= 8000; t += 100) {
      const r = c.onLoss(0, t);
      if (r !== null) applied.push(r);
    }
    expect(applied).toEqual([66, 90]);
  });

  it('ignores receiver reports that are not a fraction', () => {
    const c = new VideoBitrateController(opts);
    for (const x of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(c.onLoss(x, 0)).toBeNull();
    expect(c.currentKbps).toBe(400);
  });

  it("obeys the page's cap at once, even a small step (was: kept above the cap until it was 25 % lower)", () => {
    const c = new VideoBitrateController(opts);
    expect(c.onLoss(0, 0)).toBeNull();
    expect(c.setMax(350, 10)).toBe(350);
    expect(c.currentKbps).toBe(350);
    // Raising the cap again lets the rate grow back, by the usual steps.
    expect(c.setMax(5000, 20)).toBeNull();
  });

  it('property: the applied rate stays within [min, cap]; changes are ≥ 25 % and spaced by the intervals', () => {
    type Ev = { dt: number } & ({ k: 'loss'; x: number } | { k: 'remb'; bps: number } | { k: 'max'; kbps: number });
    const ev: fc.Arbitrary<Ev> = fc.oneof(
      fc.record({ dt: fc.integer({ min: 0, max: 3000 }), k: fc.constant('loss' as const), x: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ dt: fc.integer({ min: 0, max: 3000 }), k: fc.constant('remb' as const), bps: fc.integer({ min: 1, max: 5_000_000 }) }),
      fc.record({ dt: fc.integer({ min: 0, max: 3000 }), k: fc.constant('max' as const), kbps: fc.integer({ min: 32, max: 5000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 2000 }), fc.array(ev, { maxLength: 200 }), (start, events) => {
        const c = new VideoBitrateController({ ...opts, startKbps: start });
        let now = 0;
        let cap = opts.maxKbps;
        let prev = c.currentKbps;
        let lastChange = Number.NEGATIVE_INFINITY;
        for (const e of events) {
          now += e.dt;
          const capBefore = cap;
          if (e.k === 'max') cap = Math.max(40, Math.min(2000, e.kbps));
          const r = e.k === 'loss' ? c.onLoss(e.x, now) : e.k === 'remb' ? c.onRemb(e.bps, now) : c.setMax(e.kbps, now);
          expect(c.currentKbps).toBeGreaterThanOrEqual(opts.minKbps);
          expect(c.currentKbps).toBeLessThanOrEqual(cap);
          if (r === null) {
            expect(c.currentKbps).toBe(prev);
            continue;
          }
          expect(r).toBe(c.currentKbps);
          const forcedByCap = e.k === 'max' && prev > cap && cap <= capBefore;
          if (!forcedByCap) {
            expect(Math.abs(r - prev) / prev).toBeGreaterThanOrEqual(0.25 - 1e-3);
            expect(now - lastChange).toBeGreaterThanOrEqual(r < prev ? 1500 : 4000);
          }
          prev = r;
          lastChange = now;
        }
      }),
      { numRuns: 300 },
    );
  });
});
