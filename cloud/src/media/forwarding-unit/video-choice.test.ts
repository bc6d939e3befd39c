import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLEAN_BEFORE_PROBE_MS, RESUME_MARGIN, sourceRemb, type VideoCandidate, VideoChooser } from './video-choice.js';

const NEVER = { initialMs: 1e12, maxMs: 1e12, holdMs: 5_000 };
const candidates = fc
  .array(fc.integer({ min: 20_000, max: 400_000 }), { maxLength: 4 })
  .map((rates) => rates.map((r, k) => ({ slot: k, bitsPerSecond: r })));
const estimate = fc.integer({ min: 0, max: 3_000_000 });
const audio = fc.integer({ min: 0, max: 200_000 });

const sum = (cs: VideoCandidate[], chosen: ReadonlySet<number>) =>
  cs.filter((c) => chosen.has(c.slot)).reduce((a, c) => a + c.bitsPerSecond, 0);

describe('VideoChooser', () => {
  it('forwards every video while the viewer’s downlink is not known', () => {
    fc.assert(
      fc.property(candidates, audio, (cs, a) => {
        const got = new VideoChooser().choose({ estimate: undefined, audioBitsPerSecond: a, candidates: cs, congested: false, now: 0 });
        expect([...got].sort()).toEqual(cs.map((c) => c.slot));
      }),
    );
  });

  it('forwards the best slots that fit after the audio, in order, and never a worse one before a better one', () => {
    fc.assert(
      fc.property(candidates, fc.array(fc.tuple(estimate, audio), { minLength: 1, maxLength: 8 }), (cs, steps) => {
        const chooser = new VideoChooser(NEVER);
        let now = 0;
        for (const [e, a] of steps) {
          now += 1000;
          const got = chooser.choose({ estimate: e, audioBitsPerSecond: a, candidates: cs, congested: false, now });
          expect(sum(cs, got)).toBeLessThanOrEqual(Math.max(0, e - a));
          // A prefix of the candidates.
          const k = cs.findIndex((c) => !got.has(c.slot));
          expect(got.size).toBe(k < 0 ? cs.length : k);
          // What is left out did not fit (with the margin, if it was paused).
          if (k >= 0) expect(sum(cs, got) + (cs[k]?.bitsPerSecond ?? 0) * RESUME_MARGIN).toBeGreaterThan(e - a);
        }
      }),
    );
  });

  it('a higher estimate never forwards fewer videos (first choice)', () => {
    fc.assert(
      fc.property(candidates, estimate, estimate, audio, (cs, e1, e2, a) => {
        const [lo, hi] = e1 < e2 ? [e1, e2] : [e2, e1];
        const low = new VideoChooser(NEVER).choose({ estimate: lo, audioBitsPerSecond: a, candidates: cs, congested: false, now: 0 });
        const high = new VideoChooser(NEVER).choose({ estimate: hi, audioBitsPerSecond: a, candidates: cs, congested: false, now: 0 });
        for (const s of low) expect(high.has(s)).toBe(true);
      }),
    );
  });

  it('a paused video resumes only with a margin: no switching on and off at the edge', () => {
    const chooser = new VideoChooser(NEVER);
    const cs = [{ slot: 0, bitsPerSecond: 100_000 }];
    const at = (e: number | undefined, now: number) =>
      chooser.choose({ estimate: e, audioBitsPerSecond: 50_000, candidates: cs, congested: false, now });
    expect(at(undefined, 0).has(0)).toBe(true); // forwarded while nothing is known
    expect(at(150_000, 0).has(0)).toBe(true); // kept: fits exactly
    expect(at(149_000, 1000).has(0)).toBe(false); // paused
    expect(at(150_000, 2000).has(0)).toBe(false); // fits, but not with the margin
    expect(at(50_000 + 100_000 * RESUME_MARGIN, 3000).has(0)).toBe(true);
  });

  it('on voice alone, tries the next video every so often, ends a try on loss and waits twice as long, and keeps one that holds', () => {
    const chooser = new VideoChooser({ initialMs: 8_000, maxMs: 32_000, holdMs: 5_000 });
    const cs = [
      { slot: 0, bitsPerSecond: 150_000 },
      { slot: 1, bitsPerSecond: 150_000 },
    ];
    const at = (now: number, e: number, congested = false) => [
      ...chooser.choose({ estimate: e, audioBitsPerSecond: 60_000, candidates: cs, congested, now }),
    ];
    expect(at(0, 120_000)).toEqual([]); // paused from the first estimate
    expect(at(7_000, 120_000)).toEqual([]);
    expect(at(8_000, 120_000)).toEqual([0]); // probe
    expect(at(9_000, 110_000, true)).toEqual([]); // the link lost packets: probe failed, next in 16 s
    expect(at(24_000, 110_000)).toEqual([]);
    expect(at(25_000, 110_000)).toEqual([0]); // second probe
    expect(at(27_000, 110_000)).toEqual([0]); // no loss: the probe holds…
    expect(at(28_000, 200_000)).toEqual([0]); // …and the estimate grows
    expect(at(30_000, 260_000)).toEqual([0]); // held 5 s and fits: kept, the wait back to 8 s
    expect(at(37_000, 260_000)).toEqual([0]);
    expect(at(38_000, 260_000)).toEqual([0, 1]); // probe of the next one, 8 s after
  });
});

describe('VideoChooser probes', () => {
  it('never starts a probe within 4 s of a measure that lost packets, and a link losing every few seconds gets none', () => {
    fc.assert(
      fc.property(
        candidates,
        fc.array(fc.tuple(fc.integer({ min: 100, max: 3_000 }), estimate, audio, fc.boolean()), { minLength: 1, maxLength: 40 }),
        (cs, steps) => {
          const chooser = new VideoChooser({ initialMs: 1_000, maxMs: 4_000, holdMs: 2_000 });
          let now = 0;
          let lostAt: number | undefined;
          for (const [gap, e, a, congested] of steps) {
            now += gap;
            if (congested) lostAt = now;
            const before = chooser.probingSlot();
            chooser.choose({ estimate: e, audioBitsPerSecond: a, candidates: cs, congested, now });
            const after = chooser.probingSlot();
            if (after !== undefined && after !== before) {
              expect(lostAt === undefined || now - lostAt >= CLEAN_BEFORE_PROBE_MS).toBe(true);
            }
          }
        },
      ),
    );
    // Voice alone on a link that loses a packet every 3 s: no probe in a minute.
    const chooser = new VideoChooser();
    const cs = [{ slot: 0, bitsPerSecond: 150_000 }];
    for (let t = 0; t <= 60_000; t += 1_000) {
      chooser.choose({ estimate: 60_000, audioBitsPerSecond: 55_000, candidates: cs, congested: t % 3_000 === 0, now: t });
      expect(chooser.probingSlot()).toBeUndefined();
    }
  });
});

describe('VideoChooser and the probe owner', () => {
  it('starts no probe while the owner does not allow one, and keeps the one on trial', () => {
    fc.assert(
      fc.property(
        candidates,
        fc.array(fc.tuple(fc.integer({ min: 100, max: 3_000 }), estimate, audio, fc.boolean(), fc.boolean()), {
          minLength: 1,
          maxLength: 40,
        }),
        (cs, steps) => {
          const chooser = new VideoChooser({ initialMs: 1_000, maxMs: 4_000, holdMs: 2_000, cleanMs: 0 });
          let now = 0;
          for (const [gap, e, a, congested, mayProbe] of steps) {
            now += gap;
            const before = chooser.probingSlot();
            chooser.choose({ estimate: e, audioBitsPerSecond: a, candidates: cs, congested, now, mayProbe });
            const after = chooser.probingSlot();
            if (!mayProbe && after !== undefined) expect(after).toBe(before);
          }
        },
      ),
    );
    // The same link, the probe refused then allowed: it starts at the first allowed measure.
    const chooser = new VideoChooser({ initialMs: 1_000, maxMs: 4_000, holdMs: 2_000, cleanMs: 0 });
    const cs = [{ slot: 0, bitsPerSecond: 150_000 }];
    const at = (now: number, mayProbe: boolean) =>
      chooser.choose({ estimate: 60_000, audioBitsPerSecond: 40_000, candidates: cs, congested: false, now, mayProbe });
    for (let t = 0; t <= 10_000; t += 1_000) expect(at(t, false).has(0)).toBe(false);
    expect(at(11_000, true).has(0)).toBe(true);
    expect(chooser.probingSlot()).toBe(0);
  });
});

describe('sourceRemb', () => {
  it('is what the best-placed viewer has room for, between the floor and the ceiling', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ estimate: fc.option(estimate, { nil: undefined }), audioBitsPerSecond: audio }), { maxLength: 5 }),
        (vs) => {
          const r = sourceRemb(vs, 50_000, 400_000);
          expect(r).toBeGreaterThanOrEqual(50_000);
          expect(r).toBeLessThanOrEqual(400_000);
          for (const v of vs) if (v.estimate === undefined) expect(r).toBe(400_000);
          for (const v of vs)
            if (v.estimate !== undefined) expect(r).toBeGreaterThanOrEqual(Math.min(400_000, v.estimate - v.audioBitsPerSecond));
        },
      ),
    );
    expect(sourceRemb([{ estimate: 150_000, audioBitsPerSecond: 100_000 }], 50_000, 400_000)).toBe(50_000);
    expect(sourceRemb([{ estimate: 300_000, audioBitsPerSecond: 100_000 }], 50_000, 400_000)).toBe(200_000);
  });
});
