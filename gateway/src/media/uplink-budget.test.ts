import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULL_AUDIO, LEAN_AUDIO, type LinkReport, planFor, UPLINK_LEVELS, UplinkBudget, type UplinkLevel } from './uplink-budget.js';

const CONGESTED: LinkReport = { loss: 0.2, rttMs: 450 };
const CLEAN: LinkReport = { loss: 0, rttMs: 20 };

/** Feeds one report a second from both peers and ticks; the levels each second and the changes' instants. */
function run(b: UplinkBudget, reports: LinkReport[], from = 0): { levels: UplinkLevel[]; changes: number[] } {
  const levels: UplinkLevel[] = [];
  const changes: number[] = [];
  reports.forEach((r, i) => {
    const now = from + i * 1000;
    b.report('gateway', r, now);
    b.report('page', r, now);
    if (b.tick(now)) changes.push(now);
    levels.push(b.plan.level);
  });
  return { levels, changes };
}

const report = fc.record({
  loss: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
  rttMs: fc.oneof(fc.constant(null), fc.integer({ min: 5, max: 2000 })),
});

describe('UplinkBudget', () => {
  it('gives way in clinical order: the room camera, then the PTZ video, then lighter audio; never the audio while a video is sent', () => {
    expect(UPLINK_LEVELS.map(planFor)).toEqual([
      { level: 'full', roomVideo: true, ptzVideo: true, ...FULL_AUDIO },
      { level: 'room-paused', roomVideo: false, ptzVideo: true, ...FULL_AUDIO },
      { level: 'ptz-paused', roomVideo: false, ptzVideo: false, ...FULL_AUDIO },
      { level: 'lean-audio', roomVideo: false, ptzVideo: false, ...LEAN_AUDIO },
    ]);
  });

  it('steps down after 2 s of congestion, 4 s apart; up after 15 s clean (counted afresh after each change)', () => {
    const b = new UplinkBudget();
    const down = run(b, Array(20).fill(CONGESTED));
    // Congested from 0: 2 s to step, then 4 s between steps.
    expect(down.changes).toEqual([2000, 6000, 10_000]);
    expect(b.plan.level).toBe('lean-audio');
    const up = run(b, Array(60).fill(CLEAN), 20_000);
    expect(up.changes).toEqual([35_000, 51_000, 67_000]);
    expect(b.plan.level).toBe('full');
  });

  it('a step up the link does not take doubles the hold (probed less often), and one that holds resets it', () => {
    const b = new UplinkBudget();
    run(b, Array(12).fill(CONGESTED));
    expect(b.plan.level).toBe('lean-audio');
    // A link that carries lean audio only: clean there, congested as soon as more is sent.
    let now = 12_000;
    const ups: number[] = [];
    for (; now < 400_000; now += 1000) {
      const r = b.plan.level === 'lean-audio' ? CLEAN : CONGESTED;
      b.report('gateway', r, now);
      const before = b.plan.level;
      b.tick(now);
      if (b.plan.level !== before && before === 'lean-audio') ups.push(now);
    }
    const gaps = ups.slice(1).map((t, i) => t - (ups[i] ?? 0));
    // 15 s, then 30, 60, 120, 240 s and no more: each probe is followed by a longer hold.
    expect(gaps.every((g, i) => i === 0 || g > (gaps[i - 1] ?? 0) || g >= 240_000)).toBe(true);
    expect(b.holdMs).toBe(240_000);
    // Clean for good: back to full, and a step up that holds 30 s resets the hold.
    for (let end = now + 1_000_000; now < end; now += 1000) {
      b.report('gateway', CLEAN, now);
      b.tick(now);
    }
    expect(b.plan.level).toBe('full');
    expect(b.holdMs).toBe(15_000);
  });

  it('a long steady round trip is not congestion; a queue building on top of it is', () => {
    const b = new UplinkBudget();
    run(b, Array(30).fill({ loss: 0, rttMs: 650 }));
    expect(b.plan.level).toBe('full');
    run(b, Array(4).fill({ loss: 0, rttMs: 950 }), 30_000);
    expect(b.plan.level).toBe('room-paused');
  });

  it('stale or nonsense reports decide nothing', () => {
    const b = new UplinkBudget();
    b.report('page', CONGESTED, 0);
    for (let t = 0; t < 30_000; t += 1000) b.tick(t);
    // One congested report, then silence: one step at most, then nothing to judge by.
    expect(b.plan.level).toBe('room-paused');
    b.report('page', { loss: Number.NaN, rttMs: null }, 30_000);
    b.report('gateway', { loss: 2, rttMs: -1 }, 30_000);
    expect(b.state(30_000)).toBe('unknown');
  });

  it('property: audio at its full rate whenever a video is sent, changes at least 4 s apart and at most 7 a minute', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(report, fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 80 }), (runs) => {
        const b = new UplinkBudget();
        const reports = runs.flatMap(([r, n]) => Array<LinkReport>(n).fill(r));
        const { changes } = run(b, reports);
        const plans: ReturnType<typeof planFor>[] = [];
        const b2 = new UplinkBudget();
        reports.forEach((r, i) => {
          b2.report('page', r, i * 1000);
          b2.tick(i * 1000);
          plans.push(b2.plan);
        });
        for (const p of plans) {
          if (p.roomVideo || p.ptzVideo) {
            expect(p.voiceKbps).toBe(FULL_AUDIO.voiceKbps);
            expect(p.stethKbps).toBe(FULL_AUDIO.stethKbps);
          }
          // The room camera never goes on while the PTZ is paused (clinical order).
          expect(p.roomVideo && !p.ptzVideo).toBe(false);
        }
        for (let i = 1; i < changes.length; i++) expect((changes[i] ?? 0) - (changes[i - 1] ?? 0)).toBeGreaterThanOrEqual(4000);
        for (const t of changes) expect(changes.filter((c) => c >= t && c < t + 60_000).length).toBeLessThanOrEqual(7);
      }),
    );
  });

  it('property: a steady link never flaps: the level moves one way, three changes at most', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 60 }), report, (before, steady) => {
        const b = new UplinkBudget();
        run(b, before);
        const { levels } = run(b, Array(600).fill(steady), before.length * 1000);
        const idx = levels.map((l) => UPLINK_LEVELS.indexOf(l));
        const moves = idx
          .slice(1)
          .map((x, i) => Math.sign(x - (idx[i] ?? 0)))
          .filter((d) => d !== 0);
        expect(moves.length).toBeLessThanOrEqual(3);
        expect(new Set(moves).size).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('property: congestion lasting 14 s leaves no video sent; a clean link brings everything back within 4 minutes of holds', () => {
    fc.assert(
      fc.property(
        fc.array(report, { maxLength: 120 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 5, max: 400 }),
        (before, loss, rtt) => {
          const b = new UplinkBudget();
          run(b, before);
          const t0 = before.length * 1000;
          const congested = run(b, Array(14).fill({ loss, rttMs: rtt }), t0);
          expect(congested.levels.at(-1)).toMatch(/ptz-paused|lean-audio/);
          expect(b.plan.roomVideo || b.plan.ptzVideo).toBe(false);
          run(b, Array(3 * 240 + 60).fill(CLEAN), t0 + 14_000);
          expect(b.plan.level).toBe('full');
        },
      ),
    );
  });
});
