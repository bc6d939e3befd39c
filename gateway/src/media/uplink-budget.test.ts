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
      { level: 'full', roomVideo: true, ptzVideo: true, probe: false, probeKbps: 0, ...FULL_AUDIO },
      { level: 'room-paused', roomVideo: false, ptzVideo: true, probe: false, probeKbps: 0, ...FULL_AUDIO },
      { level: 'ptz-paused', roomVideo: false, ptzVideo: false, probe: false, probeKbps: 0, ...FULL_AUDIO },
      { level: 'lean-audio', roomVideo: false, ptzVideo: false, probe: false, probeKbps: 0, ...LEAN_AUDIO },
    ]);
  });

  it('steps down after 2 s of congestion, 4 s apart; up after 15 s clean (counted afresh after each change), the audio after a 4 s probe', () => {
    const b = new UplinkBudget();
    const down = run(b, Array(20).fill(CONGESTED));
    // Congested from 0: 2 s to step, then 4 s between steps.
    expect(down.changes).toEqual([2000, 6000, 10_000]);
    expect(b.plan.level).toBe('lean-audio');
    const plans: ReturnType<typeof planFor>[] = [];
    const changes: number[] = [];
    for (let t = 20_000; t < 80_000; t += 1000) {
      b.report('gateway', CLEAN, t);
      b.report('page', CLEAN, t);
      const p = b.tick(t);
      if (p) {
        changes.push(t);
        plans.push(p);
      }
    }
    // 35 s: the probe (the PTZ video beside the lean audio); 39 s: the audio raised; then the videos, 15 s apart.
    expect(changes).toEqual([35_000, 39_000, 55_000, 71_000]);
    expect(plans[0]).toEqual({ ...planFor('lean-audio'), ptzVideo: true, probe: true, probeKbps: 60 });
    expect(plans.map((p) => p.level)).toEqual(['lean-audio', 'ptz-paused', 'room-paused', 'full']);
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

  it('a round trip alone is not congestion (a full downlink queue lengthens it too); with loss it confirms it', () => {
    const b = new UplinkBudget();
    run(b, Array(30).fill({ loss: 0, rttMs: 20 }));
    // The cart's downlink queue full (400 ms of tbf), its uplink free: nothing of what it sends is lost.
    run(b, Array(60).fill({ loss: 0, rttMs: 450 }), 30_000);
    expect(b.plan.level).toBe('full');
    // 3 % lost alone is not enough; 3 % lost with the queue is.
    run(b, Array(10).fill({ loss: 0.03, rttMs: 20 }), 90_000);
    expect(b.plan.level).toBe('full');
    run(b, Array(4).fill({ loss: 0.03, rttMs: 450 }), 100_000);
    expect(b.plan.level).toBe('room-paused');
  });

  it('a report stands 5 s at most: one congested report, then silence, one step at most; nonsense decides nothing', () => {
    const b = new UplinkBudget();
    b.report('page', CONGESTED, 0);
    for (let t = 0; t < 30_000; t += 1000) b.tick(t);
    expect(b.plan.level).toBe('room-paused');
    b.report('page', { loss: Number.NaN, rttMs: null }, 30_000);
    b.report('gateway', { loss: 2, rttMs: -1 }, 30_000);
    expect(b.state(30_000)).toBe('unknown');
  });

  it('climbs back on a loaded machine: a report now and then at 2–5 % lost or with a queue neither steps down nor starts the hold again', () => {
    const b = new UplinkBudget();
    run(b, Array(12).fill(CONGESTED));
    expect(b.plan.level).toBe('lean-audio');
    // Unshaped, under load: one report in five loses 3 % (a burst) or comes back 300 ms late. Before, every such
    // report started the 15 s hold again (each had to be clean): the budget stayed at lean-audio for good.
    const loaded = Array.from({ length: 120 }, (_, i): LinkReport => {
      if (i % 10 === 4) return { loss: 0.03, rttMs: 20 };
      if (i % 10 === 9) return { loss: 0, rttMs: 320 };
      return { loss: 0, rttMs: 20 };
    });
    const { changes } = run(b, loaded, 12_000);
    expect(b.plan.level).toBe('full');
    // 27 s the probe, 31 s the audio raised, then the videos.
    expect(changes).toEqual([27_000, 31_000, 47_000, 63_000]);
  });

  it("each peer's queue is measured from its own smallest round trip (werift's carry the gateway's event loop)", () => {
    const b = new UplinkBudget();
    run(b, Array(12).fill(CONGESTED));
    // Unshaped on a loaded machine: Chromium measures 2 ms, werift 180 ms, steadily. Measured from one smallest
    // (2 ms), every gateway report would show a 178 ms queue, never clean: half the reports, no climb back.
    for (let t = 12_000; t < 120_000; t += 1000) {
      b.report('gateway', { loss: 0, rttMs: 180 }, t);
      b.report('page', { loss: 0, rttMs: 2 }, t);
      b.tick(t);
    }
    expect(b.plan.level).toBe('full');
  });

  it('the probe out of lean audio is abandoned at the first congested report; the audio never rose, the hold doubles', () => {
    const b = new UplinkBudget();
    run(b, Array(12).fill(CONGESTED));
    run(b, Array(16).fill(CLEAN), 12_000);
    // 15 s clean: the probe, the lean audio kept.
    expect(b.plan).toEqual({ ...planFor('lean-audio'), ptzVideo: true, probe: true, probeKbps: 60 });
    // The PTZ video's first report shows the link does not carry it: back at once to lean audio alone.
    b.report('gateway', CLEAN, 28_000);
    expect(b.tick(28_000)).toBeNull();
    b.report('gateway', { loss: 0.12, rttMs: 20 }, 29_000);
    expect(b.tick(29_000)).toEqual(planFor('lean-audio'));
    expect(b.holdMs).toBe(30_000);
    // The next probe waits the doubled hold from the abandoned one (the link clean for the base hold meanwhile).
    const probes: number[] = [];
    for (let t = 30_000; t < 90_000; t += 1000) {
      b.report('gateway', CLEAN, t);
      if (b.tick(t)?.probe) probes.push(t);
    }
    expect(probes[0]).toBe(59_000);
  });

  it('a step up is a try: the first congested report takes it back (not 2 s later, not 4 s after the change)', () => {
    const b = new UplinkBudget();
    run(b, Array(5).fill(CONGESTED));
    expect(b.plan.level).toBe('room-paused');
    run(b, Array(20).fill(CLEAN), 5000);
    expect(b.plan.level).toBe('full');
    b.report('page', CONGESTED, 25_000);
    expect(b.tick(25_000)?.level).toBe('room-paused');
    expect(b.holdMs).toBe(30_000);
  });

  it("each step up has its own hold: a failed PTZ try doubles the PTZ step's, not the audio's", () => {
    const b = new UplinkBudget();
    run(b, Array(12).fill(CONGESTED));
    // A link that carries the full audio (and the probe) but not the PTZ video.
    const feed = (from: number, to: number, lossy: (p: ReturnType<typeof planFor>) => boolean) => {
      const changes: string[] = [];
      for (let t = from; t < to; t += 1000) {
        const r = lossy(b.plan) ? CONGESTED : CLEAN;
        b.report('gateway', r, t);
        b.report('page', r, t);
        const p = b.tick(t);
        if (p) changes.push(`${t / 1000} ${p.level}${p.probe ? ' probe' : ''}`);
      }
      return changes;
    };
    const noPtz = (p: ReturnType<typeof planFor>) => p.ptzVideo && !p.probe;
    expect(feed(12_000, 78_000, noPtz)).toEqual(['27 lean-audio probe', '31 ptz-paused', '47 room-paused', '48 ptz-paused']);
    expect(b.holdMs).toBe(30_000);
    // Congested again down to lean audio: its own step (the probe) waits its 15 s, not the PTZ's 30.
    feed(78_000, 90_000, () => true);
    expect(b.plan.level).toBe('lean-audio');
    expect(b.holdMs).toBe(15_000);
  });

  it('property: after a spell congested even at lean audio, a freed link is probed once clean for the base hold; the probes of a weak spell still grow apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 600 }), fc.integer({ min: 240, max: 600 }), (weakSeconds, severeSeconds) => {
        const b = new UplinkBudget();
        run(b, Array(12).fill(CONGESTED));
        let now = 12_000;
        const feed = (seconds: number, link: (p: ReturnType<typeof planFor>) => LinkReport) => {
          const probes: number[] = [];
          for (const end = now + seconds * 1000; now < end; now += 1000) {
            const r = link(b.plan);
            b.report('gateway', r, now);
            b.report('page', r, now);
            if (b.tick(now)?.probe) probes.push(now);
          }
          return probes;
        };
        // A weak link: lean audio goes, the probe does not. Each failed probe lengthens the wait for the next.
        const probes = feed(weakSeconds, (p) => (p.probe || p.level !== 'lean-audio' ? CONGESTED : CLEAN));
        const gaps = probes.slice(1).map((t, i) => t - (probes[i] ?? 0));
        for (let i = 1; i < gaps.length; i++) expect(gaps[i] ?? 0).toBeGreaterThanOrEqual(Math.min(gaps[i - 1] ?? 0, 240_000));
        expect(b.plan.level).toBe('lean-audio');
        // Then nothing goes, lean audio included (no probe), for longer than the longest hold; then the link is freed.
        expect(feed(severeSeconds, () => CONGESTED)).toEqual([]);
        const freed = now;
        const climb = feed(120, () => CLEAN);
        // Clean for the base hold (15 s; the last congested reports stand 5 s at most): the probe; then the audio and
        // the videos, a base hold each. Before, the clean run had to last the doubled hold too: up to 4 min.
        expect(climb[0]).toBeLessThanOrEqual(freed + 16_000);
        expect(b.plan.level).toBe('full');
      }),
      { numRuns: 40 },
    );
  });

  it('property: the voice and the stethoscope never probe: raised only after a probe of 4 s whose reports lost < 2 % on average and none ≥ 5 %', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(report, fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 80 }), (runs) => {
        const b = new UplinkBudget();
        const reports = runs.flatMap(([r, n]) => Array<LinkReport>(n).fill(r));
        let probe: { since: number; losses: number[] } | null = null;
        let stethKbps = b.plan.stethKbps;
        reports.forEach((r, i) => {
          const now = i * 1000;
          b.report('gateway', r, now);
          b.report('page', r, now);
          if (probe) probe.losses.push(r.loss, r.loss);
          b.tick(now);
          if (b.plan.stethKbps > stethKbps || b.plan.voiceKbps > LEAN_AUDIO.voiceKbps) {
            if (stethKbps === LEAN_AUDIO.stethKbps) {
              // Raised from lean audio: a probe just ended, clean.
              expect(probe).not.toBeNull();
              const p = probe ?? { since: now, losses: [] };
              expect(now - p.since).toBeGreaterThanOrEqual(4000);
              expect(p.losses.every((l) => l < 0.05)).toBe(true);
              expect(p.losses.reduce((x, y) => x + y, 0)).toBeLessThan(0.02 * p.losses.length);
            }
          }
          stethKbps = b.plan.stethKbps;
          if (b.plan.probe) probe ??= { since: now, losses: [] };
          else probe = null;
          // Probing, the audio stays lean.
          if (b.plan.probe) expect(b.plan.stethKbps).toBe(LEAN_AUDIO.stethKbps);
        });
      }),
    );
  });

  it('property: a round trip rising with no loss never steps down, whatever it does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ loss: fc.double({ min: 0, max: 0.0199, noNaN: true }), rttMs: fc.integer({ min: 1, max: 5000 }) }), {
          maxLength: 200,
        }),
        (reports) => {
          const { levels } = run(new UplinkBudget(), reports);
          expect(levels.every((l) => l === 'full')).toBe(true);
        },
      ),
    );
  });

  it('property: sustained loss (≥ 5 %, any round trip) steps down within 2 s, to no video within 10 s', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 11, maxLength: 30 }),
        fc.integer({ min: 1, max: 2000 }),
        (losses, rtt) => {
          const { changes, levels } = run(
            new UplinkBudget(),
            losses.map((loss) => ({ loss, rttMs: rtt })),
          );
          expect(changes[0]).toBe(2000);
          expect(levels[10]).toMatch(/ptz-paused|lean-audio/);
        },
      ),
    );
  });

  it('property: after congestion, a link losing < 2 % on average climbs back to full, whatever a report in five says below 5 %', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.005, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.double({ min: 0.02, max: 0.0499, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (low, burst) => {
          const b = new UplinkBudget();
          run(b, Array(12).fill(CONGESTED));
          const reports = Array.from(
            { length: 3 * 60 },
            (_, i): LinkReport => ({
              loss: i % 5 === 4 ? (burst[i % burst.length] ?? 0) : (low[i % low.length] ?? 0),
              rttMs: 20,
            }),
          );
          run(b, reports, 12_000);
          expect(b.plan.level).toBe('full');
        },
      ),
    );
  });

  it('property: audio at its full rate whenever a video is sent (but the probe), levels 4 s apart (but a try taken back), at most 7 a minute', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(report, fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 80 }), (runs) => {
        const b = new UplinkBudget();
        const reports = runs.flatMap(([r, n]) => Array<LinkReport>(n).fill(r));
        const { levels } = run(b, reports);
        const changes = levels.flatMap((l, i) => (i > 0 && l !== levels[i - 1] ? [i * 1000] : []));
        const ups = new Set(
          levels.flatMap((l, i) => (i > 0 && UPLINK_LEVELS.indexOf(l) < UPLINK_LEVELS.indexOf(levels[i - 1] ?? l) ? [i * 1000] : [])),
        );
        const plans: ReturnType<typeof planFor>[] = [];
        const b2 = new UplinkBudget();
        reports.forEach((r, i) => {
          b2.report('page', r, i * 1000);
          b2.tick(i * 1000);
          plans.push(b2.plan);
        });
        for (const p of plans) {
          // The probe: the PTZ video beside the lean audio, the room camera still paused.
          if (p.probe) expect(p).toEqual({ ...planFor('lean-audio'), ptzVideo: true, probe: true, probeKbps: 60 });
          else if (p.roomVideo || p.ptzVideo) {
            expect(p.voiceKbps).toBe(FULL_AUDIO.voiceKbps);
            expect(p.stethKbps).toBe(FULL_AUDIO.stethKbps);
          }
          // The room camera never goes on while the PTZ is paused (clinical order).
          expect(p.roomVideo && !p.ptzVideo).toBe(false);
        }
        for (let i = 1; i < changes.length; i++)
          if (!ups.has(changes[i - 1] ?? 0)) expect((changes[i] ?? 0) - (changes[i - 1] ?? 0)).toBeGreaterThanOrEqual(4000);
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
