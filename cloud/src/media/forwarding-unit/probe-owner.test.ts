import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_OWNER, ProbeOwner, type ProbeTurnInput } from './probe-owner.js';

/** One measure of a run: the time since the last, the estimate, what the voices need, a loss, what the pages and the unit do. */
const measure = fc.record({
  gap: fc.integer({ min: 200, max: 3_000 }),
  estimate: fc.option(fc.integer({ min: 0, max: 400_000 }), { nil: undefined }),
  voices: fc.integer({ min: 20_000, max: 120_000 }),
  /** Mostly clean (a loss one measure in five), so that the 4 s of clean link a probe needs come. */
  congested: fc.constantFrom(false, false, false, false, true),
  /** The unit would start a probe of its own if allowed, lasting this many measures (0: it wants none). */
  unitWants: fc.integer({ min: 0, max: 6 }),
  /** The page's guard pauses its camera on its own now (a congested link). */
  pagePauses: fc.boolean(),
  /** How the page answers a grant: resumes, says paused (the guard could not resume), or is not heard. */
  answer: fc.constantFrom('resume', 'paused', 'lost'),
  answerAfter: fc.integer({ min: 0, max: 7 }),
});

type Measure = typeof measure extends fc.Arbitrary<infer T> ? T : never;

/**
 * The room's loop around a ProbeOwner, with a page that resumes only on the unit's grant (it knows the unit owns the
 * probes) and a unit that probes when allowed. `check` sees each measure's input and turn.
 */
function run(
  steps: Measure[],
  check: (i: ProbeTurnInput, o: ProbeOwner, unitProbing: boolean, grant: boolean, lostAt: number | undefined) => void,
) {
  const o = new ProbeOwner();
  let now = 0;
  let unitLeft = 0;
  let lostAt: number | undefined;
  let pending: { at: number; answer: string } | undefined;
  // The page says paused first (its guard paused the camera at the link's first congestion).
  o.directSaid(true, now);
  let step = 0;
  for (const m of steps) {
    now += m.gap;
    step++;
    if (pending && step >= pending.at) {
      if (pending.answer !== 'lost') o.directSaid(pending.answer === 'paused', now);
      pending = undefined;
    }
    if (m.pagePauses && o.direct !== 'absent') o.directSaid(true, now);
    if (m.congested) lostAt = now;
    const i: ProbeTurnInput = {
      now,
      estimate: m.estimate,
      voicesBitsPerSecond: m.voices,
      congested: m.congested,
      unitProbing: unitLeft > 0,
    };
    const t = o.step(i);
    if (t.grantDirect) pending = { at: step + m.answerAfter, answer: m.answer };
    if (unitLeft > 0) unitLeft--;
    else if (t.unitMayProbe && m.unitWants > 0) unitLeft = m.unitWants;
    check(i, o, unitLeft > 0, t.grantDirect, lostAt);
    if (t.unitMayProbe) expect(t.grantDirect).toBe(false);
  }
}

describe('ProbeOwner', () => {
  it('never two probes toward one viewer at once: the unit’s and the direct sender’s', () => {
    fc.assert(
      fc.property(fc.array(measure, { minLength: 1, maxLength: 80 }), (steps) => {
        run(steps, (i, o, unitProbing, grant) => {
          expect(unitProbing && o.directProbing).toBe(false);
          if (grant) expect(i.unitProbing).toBe(false);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('no probe while the link lost within 30 s and the estimate is below what the voices need', () => {
    fc.assert(
      fc.property(fc.array(measure, { minLength: 1, maxLength: 80 }), (steps) => {
        const o = new ProbeOwner();
        o.directSaid(true, 0);
        let now = 0;
        let lostAt: number | undefined;
        for (const m of steps) {
          now += m.gap;
          if (m.congested) lostAt = now;
          if (m.pagePauses) o.directSaid(m.answer === 'paused', now);
          const t = o.step({ now, estimate: m.estimate, voicesBitsPerSecond: m.voices, congested: m.congested, unitProbing: false });
          const weak = m.estimate !== undefined && lostAt !== undefined && now - lostAt < PROBE_OWNER.weakForMs;
          if (weak && (m.estimate ?? 0) < m.voices) {
            expect(t.unitMayProbe).toBe(false);
            expect(t.grantDirect).toBe(false);
          }
        }
      }),
    );
  });

  it('grants the direct probe only to a paused video, its hold after the pause, on a link clean for 4 s', () => {
    fc.assert(
      fc.property(fc.array(measure, { minLength: 1, maxLength: 80 }), (steps) => {
        let pausedAt = 0;
        let hold = PROBE_OWNER.holdMs;
        let was = 'paused';
        run(steps, (i, o, _unitProbing, grant, lostAt) => {
          if (grant) {
            expect(was).toBe('paused');
            expect(i.now - pausedAt).toBeGreaterThanOrEqual(hold);
            expect(lostAt === undefined || i.now - lostAt >= PROBE_OWNER.cleanMs).toBe(true);
          }
          if (o.direct === 'paused' && was !== 'paused') pausedAt = i.now;
          hold = o.holdMs;
          was = o.direct;
        });
      }),
    );
  });

  it('a failed direct probe doubles the hold, one that holds 30 s resets it, an unanswered grant counts as failed', () => {
    const o = new ProbeOwner();
    const step = (now: number, congested = false) =>
      o.step({ now, estimate: 90_000, voicesBitsPerSecond: 77_000, congested, unitProbing: false });
    o.directSaid(true, 0);
    expect(step(14_000).grantDirect).toBe(false);
    expect(step(15_000)).toEqual({ unitMayProbe: false, grantDirect: true });
    o.directSaid(false, 15_500); // resumed: on trial, holding the turn
    expect(o.direct).toBe('trial');
    expect(step(20_000).unitMayProbe).toBe(false);
    o.directSaid(true, 22_000); // paused again within 30 s: failed
    expect(o.holdMs).toBe(30_000);
    expect(step(51_000).grantDirect).toBe(false);
    expect(step(52_000).grantDirect).toBe(true);
    // Not answered within 5 s: failed, paused, the hold doubled again.
    expect(step(56_000).grantDirect).toBe(false);
    step(57_000);
    expect([o.direct, o.holdMs]).toEqual(['paused', 60_000]);
    expect(step(116_000).grantDirect).toBe(false);
    expect(step(117_000).grantDirect).toBe(true);
    o.directSaid(false, 117_500);
    expect(step(127_000).unitMayProbe).toBe(false);
    expect(step(128_000).unitMayProbe).toBe(true); // the turn is free after 10 s of the direct video
    expect(step(148_000).unitMayProbe).toBe(true);
    expect(o.holdMs).toBe(15_000); // held 30 s: reset
  });

  it('keeps a guest’s video back while the direct video is paused (clinical order), and knows nothing of a page that never spoke', () => {
    const o = new ProbeOwner();
    const step = (now: number) => o.step({ now, estimate: 200_000, voicesBitsPerSecond: 77_000, congested: false, unitProbing: false });
    expect(step(0).unitMayProbe).toBe(true); // no direct sender known
    o.directSaid(true, 1_000);
    for (let t = 2_000; t < 16_000; t += 1_000) expect(step(t).unitMayProbe).toBe(false);
    expect(step(16_000).grantDirect).toBe(true);
  });

  it('at 100 kbit/s, the voices taking ~77: no probe while the link lost in the last 30 s, then one', () => {
    const o = new ProbeOwner();
    o.directSaid(true, 2_000);
    const step = (now: number, congested: boolean) =>
      o.step({ now, estimate: 71_000, voicesBitsPerSecond: 77_000, congested, unitProbing: false });
    for (let t = 0; t <= 5_000; t += 1_000) expect(step(t, true).grantDirect).toBe(false);
    for (let t = 6_000; t < 35_000; t += 1_000) expect(step(t, false)).toEqual({ unitMayProbe: false, grantDirect: false });
    expect(step(35_000, false).grantDirect).toBe(true);
  });
});
