import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOWNLINK_GUARD, DownlinkGuard, type LinkReport } from './downlink-guard.js';

const CONGESTED: LinkReport = { fractionLost: 0.2, rttMs: 600 };
const CLEAN: LinkReport = { fractionLost: 0, rttMs: 40 };
const SILENT: LinkReport = { fractionLost: undefined, rttMs: undefined };

/** Runs `reports` one a second from t = 1 s; returns the video state after each and the change times. */
function run(reports: LinkReport[], g = new DownlinkGuard()): { states: boolean[]; changes: number[] } {
  const states: boolean[] = [];
  const changes: number[] = [];
  let prev = g.video;
  reports.forEach((r, i) => {
    const now = (i + 1) * 1000;
    const on = g.tick(now, r);
    if (on !== prev) changes.push(now);
    prev = on;
    states.push(on);
  });
  return { states, changes };
}

const report = fc.oneof(
  fc.constant(SILENT),
  fc.record({
    fractionLost: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    rttMs: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: undefined }),
  }),
);

describe('DownlinkGuard', () => {
  it('a clean link (first round trip the smallest) never pauses the video', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ loss: fc.double({ min: 0, max: 0.0199, noNaN: true }), rtt: fc.integer({ min: 40, max: 139 }) })),
        (xs) => {
          const { states } = run([CLEAN, ...xs.map((x) => ({ fractionLost: x.loss, rttMs: x.rtt }))]);
          expect(states.every(Boolean)).toBe(true);
        },
      ),
    );
  });

  it('a steady congested link pauses it within 2 s and keeps it paused', () => {
    const { states, changes } = run([CLEAN, ...Array<LinkReport>(120).fill(CONGESTED)]);
    expect(changes).toEqual([4000]);
    expect(states.slice(3).every((s) => !s)).toBe(true);
  });

  it("a queue alone pauses nothing (the cart's full uplink lengthens the round trip too); with 2 % lost it does", () => {
    expect(run([CLEAN, ...Array<LinkReport>(60).fill({ fractionLost: 0, rttMs: 600 })]).changes).toEqual([]);
    expect(run([CLEAN, ...Array<LinkReport>(60).fill({ fractionLost: 0.03, rttMs: 40 })]).changes).toEqual([]);
    const { changes } = run([CLEAN, ...Array<LinkReport>(5).fill({ fractionLost: 0.03, rttMs: 300 })]);
    expect(changes).toEqual([4000]);
  });

  it("resumes as a probe after the hold on a link that is never clean but not congested (the unit's guest video filling it)", () => {
    // 300 kbit/s down: paused in the first seconds, then the unit forwards a guest's video: 2–4 % lost, a queue.
    const busy: LinkReport = { fractionLost: 0.03, rttMs: 180 };
    const g = new DownlinkGuard();
    const { changes } = run([CLEAN, CONGESTED, CONGESTED, CONGESTED, ...Array<LinkReport>(60).fill(busy)], g);
    expect(changes).toEqual([4000, 19_000]);
    expect(g.video).toBe(true);
  });

  it("after a probe, congestion must last 6 s to pause again (the unit holds its guests' videos back meanwhile)", () => {
    const g = new DownlinkGuard();
    run([CLEAN, CONGESTED, CONGESTED, CONGESTED, ...Array<LinkReport>(15).fill(CLEAN)], g);
    expect(g.video).toBe(true);
    // Resumed at 19 s: 5 s of congestion (the unit gives way), then clean: the video stays.
    let now = 19_000;
    const feed = (n: number, r: LinkReport) => {
      for (let i = 0; i < n; i++) {
        now += 1000;
        g.tick(now, r);
      }
    };
    feed(5, CONGESTED);
    expect(g.video).toBe(true);
    feed(1, CLEAN);
    feed(40, CLEAN);
    expect(g.holdMs).toBe(DOWNLINK_GUARD.holdMs);
    // Settled: 2 s of congestion pause it again, as at first.
    feed(3, CONGESTED);
    expect(g.video).toBe(false);
  });

  it('a link congested throughout is never probed into', () => {
    const { changes } = run([CLEAN, ...Array<LinkReport>(600).fill(CONGESTED)]);
    expect(changes).toEqual([4000]);
  });

  it('reports that say nothing new change nothing, whatever the state', () => {
    const g = new DownlinkGuard();
    run([CLEAN, CONGESTED, CONGESTED, CONGESTED], g);
    expect(g.video).toBe(false);
    expect(run(Array<LinkReport>(600).fill(SILENT), g).changes).toEqual([]);
  });

  it('back after 15 s; a resume the link cannot take doubles the hold, to 4 min at most; one that holds 30 s resets it', () => {
    const g = new DownlinkGuard();
    let now = 0;
    const changes: number[] = [];
    const feed = (n: number, r: LinkReport) => {
      for (let i = 0; i < n; i++) {
        now += 1000;
        const before = g.video;
        if (g.tick(now, r) !== before) changes.push(now);
      }
    };
    feed(1, CLEAN);
    feed(3, CONGESTED);
    expect(g.settling).toBe(false);
    feed(16, CLEAN);
    expect(changes).toEqual([4000, 19_000]);
    expect(g.holdMs).toBe(15_000);
    // On trial for 30 s after the resume.
    expect(g.settling).toBe(true);
    // Congested again at once: paused after the probe's 6 s, the next hold 30 s, then 60, 120, 240, 240.
    for (const hold of [30_000, 60_000, 120_000, 240_000, 240_000]) {
      feed(6, CONGESTED);
      expect(g.video).toBe(true);
      feed(1, CONGESTED);
      expect(g.video).toBe(false);
      expect(g.holdMs).toBe(hold);
      feed(hold / 1000 - 1, CLEAN);
      expect(g.video).toBe(false);
      feed(1, CLEAN);
      expect(g.video).toBe(true);
    }
    expect(g.settling).toBe(true);
    feed(29, CLEAN);
    expect(g.settling).toBe(true);
    feed(2, CLEAN);
    expect(g.settling).toBe(false);
    expect(g.holdMs).toBe(DOWNLINK_GUARD.holdMs);
  });

  it('settling only while the video is on, from a resume until 30 s later at most (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 400 }), (reports) => {
        const g = new DownlinkGuard();
        let resumedAt: number | undefined;
        reports.forEach((r, i) => {
          const now = (i + 1) * 1000;
          const before = g.video;
          const after = g.tick(now, r);
          if (after && !before) resumedAt = now;
          if (!after) resumedAt = undefined;
          if (g.settling) {
            expect(g.video).toBe(true);
            expect(resumedAt).toBeDefined();
            expect(now - (resumedAt ?? 0)).toBeLessThan(DOWNLINK_GUARD.settleMs + 1000);
          } else if (resumedAt !== undefined) expect(now - resumedAt).toBeGreaterThanOrEqual(DOWNLINK_GUARD.settleMs);
        });
      }),
    );
  });

  it('whatever the reports: changes ≥ 4 s apart, a pause only on a congested report, a resume only the hold after the pause on one that is not (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 400 }), (reports) => {
        const g = new DownlinkGuard();
        let last = Number.NEGATIVE_INFINITY;
        let minRtt = Number.POSITIVE_INFINITY;
        reports.forEach((r, i) => {
          const now = (i + 1) * 1000;
          const before = g.video;
          const hold = g.holdMs;
          const after = g.tick(now, r);
          const fresh = r.fractionLost !== undefined;
          if (fresh && r.rttMs !== undefined) minRtt = Math.min(minRtt, r.rttMs);
          const queue = r.rttMs === undefined ? 0 : r.rttMs - minRtt;
          const loss = r.fractionLost ?? 0;
          const congested = loss >= 0.05 || (loss >= 0.02 && queue >= 250);
          if (after === before) return;
          expect(now - last).toBeGreaterThanOrEqual(after ? hold : DOWNLINK_GUARD.minGapMs);
          last = now;
          expect(fresh).toBe(true);
          expect(congested).toBe(!after);
        });
      }),
    );
  });

  it('a queue without loss never pauses, whatever the round trips (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ loss: fc.double({ min: 0, max: 0.0199, noNaN: true }), rtt: fc.integer({ min: 0, max: 5000 }) })),
        (xs) => {
          const { states } = run(xs.map((x) => ({ fractionLost: x.loss, rttMs: x.rtt })));
          expect(states.every(Boolean)).toBe(true);
        },
      ),
    );
  });

  it('at most 7 changes in any minute, whatever the reports (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 400 }), (reports) => {
        const { changes } = run(reports);
        for (const c of changes) expect(changes.filter((x) => x >= c && x < c + 60_000).length).toBeLessThanOrEqual(7);
      }),
    );
  });

  it('owned by the unit: never resumes on its own, only on a grant, which puts it on trial (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(report, fc.boolean()), { maxLength: 200 }), (xs) => {
        const g = new DownlinkGuard();
        g.setOwned(true);
        let on = g.video;
        xs.forEach(([r, grant], i) => {
          const now = (i + 1) * 1000;
          const ticked = g.tick(now, r);
          // A tick never resumes an owned guard.
          if (!on) expect(ticked).toBe(false);
          on = ticked;
          if (grant) {
            const before = on;
            on = g.probe(now);
            if (!before && on) expect(g.settling).toBe(true);
          }
        });
      }),
    );
  });

  it('owned: a steady clean link after a pause stays paused until the grant; the grant waits the 4 s gap after the pause', () => {
    const g = new DownlinkGuard();
    g.setOwned(true);
    run([CLEAN, ...Array<LinkReport>(3).fill(CONGESTED), ...Array<LinkReport>(60).fill(CLEAN)], g);
    expect(g.video).toBe(false);
    const fresh = new DownlinkGuard();
    fresh.setOwned(true);
    run([CLEAN, ...Array<LinkReport>(3).fill(CONGESTED)], fresh); // paused at 4 s
    expect(fresh.probe(6_000)).toBe(false);
    expect(fresh.probe(8_000)).toBe(true);
    expect(fresh.settling).toBe(true);
    // No longer owned (the cart left the room): its own hold applies again, 15 s after the pause.
    const own = new DownlinkGuard();
    own.setOwned(true);
    run([CLEAN, ...Array<LinkReport>(3).fill(CONGESTED), ...Array<LinkReport>(10).fill(CLEAN)], own); // paused at 4 s
    own.setOwned(false);
    expect(own.tick(18_000, CLEAN)).toBe(false);
    expect(own.tick(19_000, CLEAN)).toBe(true);
  });
});
