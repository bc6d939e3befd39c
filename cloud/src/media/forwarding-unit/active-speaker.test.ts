import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActiveSpeaker } from './active-speaker.js';

/** One packet every 20 ms per source (Opus frames), as the unit reads them. */
const PACKET_MS = 20;
const SILENCE = 127;
/** Levels of speech (−dBov: 0 … −45) and of background noise (−75 … −127). */
const speech = fc.integer({ min: 0, max: 45 });
const noise = fc.integer({ min: 75, max: SILENCE });
const sources = ['a', 'b', 'c'];

/** Feeds every source one level per packet time for `ms`; returns the speakers after each change. */
function run(
  s: ActiveSpeaker,
  from: number,
  ms: number,
  levelOf: (source: string, t: number) => number,
  changes: { at: number; to: string | null }[],
) {
  for (let t = from; t < from + ms; t += PACKET_MS)
    for (const id of sources) if (s.level(id, levelOf(id, t), t)) changes.push({ at: t, to: s.speaker });
  return from + ms;
}

/** A history of who was loud when: segments of (source or nobody, level, duration). */
const history = fc.array(
  fc.record({
    who: fc.constantFrom('a', 'b', 'c', null),
    level: fc.integer({ min: 0, max: SILENCE }),
    ms: fc.integer({ min: 20, max: 3000 }),
  }),
  { maxLength: 8 },
);

function playHistory(
  s: ActiveSpeaker,
  h: { who: string | null; level: number; ms: number }[],
  changes: { at: number; to: string | null }[],
) {
  let t = 0;
  for (const seg of h) t = run(s, t, seg.ms, (id) => (id === seg.who ? seg.level : SILENCE), changes);
  return t;
}

describe('ActiveSpeaker', () => {
  it('never changes the speaker twice within a lead (1 s), whatever the levels', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: SILENCE }), fc.integer({ min: 0, max: SILENCE }), fc.integer({ min: 0, max: SILENCE })),
          { minLength: 50, maxLength: 600 },
        ),
        (levels) => {
          const s = new ActiveSpeaker();
          const changes: { at: number; to: string | null }[] = [];
          let t = 0;
          for (const [a, b, c] of levels) {
            for (const [id, l] of [
              ['a', a],
              ['b', b],
              ['c', c],
            ] as const)
              if (s.level(id, l, t)) changes.push({ at: t, to: s.speaker });
            t += PACKET_MS;
          }
          for (let i = 1; i < changes.length; i++) expect((changes[i]?.at ?? 0) - (changes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
        },
      ),
    );
  });

  it('does not flap on two parties’ alternating noise, nor on one speaking in bursts shorter than the lead', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), noise, fc.integer({ min: 20, max: 900 })), { minLength: 1, maxLength: 20 }),
        (segments) => {
          const s = new ActiveSpeaker();
          const changes: { at: number; to: string | null }[] = [];
          let t = 0;
          for (const [who, level, ms] of segments) t = run(s, t, ms, (id) => (id === who ? level : SILENCE), changes);
          // Noise is no speech: nobody is made the speaker.
          expect(changes).toEqual([]);
        },
      ),
    );
    // A speaker, and another's louder « hm » of 0.1 s every 2 s: it leads for its peak's window
    // (0.1 + 0.8 s), short of the lead: the speaker stays.
    const s = new ActiveSpeaker();
    const changes: { at: number; to: string | null }[] = [];
    const t = run(s, 0, 1500, (id) => (id === 'a' ? 20 : SILENCE), changes);
    expect(s.speaker).toBe('a');
    run(s, t, 10_000, (id, at) => (id === 'a' ? 20 : id === 'b' && at % 2000 < 100 ? 5 : SILENCE), changes);
    expect(changes).toEqual([{ at: expect.any(Number), to: 'a' }]);
  });

  it('makes a sustained speaker the speaker, after any history, within the window and the lead', () => {
    fc.assert(
      fc.property(history, fc.constantFrom('a', 'b', 'c'), speech, (h, who, level) => {
        const s = new ActiveSpeaker();
        const changes: { at: number; to: string | null }[] = [];
        const t = playHistory(s, h, changes);
        run(s, t, 800 + 1000 + 2 * PACKET_MS, (id) => (id === who ? level : SILENCE), changes);
        expect(s.speaker).toBe(who);
      }),
    );
  });

  it('keeps the last speaker through silence and a muted microphone; a speaker who leaves is nobody', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 100, max: 60_000 }), (h, quiet) => {
        const s = new ActiveSpeaker();
        const changes: { at: number; to: string | null }[] = [];
        // The last levels fade out of their window (a lead under way may end meanwhile).
        const t = run(s, playHistory(s, h, changes), 800, () => SILENCE, changes);
        const before = s.speaker;
        run(s, t, quiet, () => SILENCE, changes);
        expect(s.speaker).toBe(before);
        if (before !== null) {
          expect(s.remove(before)).toBe(true);
          expect(s.speaker).toBeNull();
        }
      }),
    );
  });

  it('holds a talker whose level drops between syllables (the peak over the window), and hands over to a louder one only by the margin', () => {
    const s = new ActiveSpeaker();
    const changes: { at: number; to: string | null }[] = [];
    // Chromium's fake microphone: 20 ms of beep every 500 ms, silence between.
    let t = run(s, 0, 3000, (id, at) => (id === 'a' && at % 500 === 0 ? 10 : SILENCE), changes);
    expect(s.speaker).toBe('a');
    expect(s.loudness('a', t)).toBe(117);
    // b 1 dB louder than a, talking over them for 3 s: not by the margin, a stays.
    t = run(s, t, 3000, (id, at) => (id === 'a' && at % 500 === 0 ? 10 : id === 'b' ? 9 : SILENCE), changes);
    expect(s.speaker).toBe('a');
    // b louder by 6 dB: b after the lead.
    run(s, t, 1100, (id, at) => (id === 'a' && at % 500 === 0 ? 10 : id === 'b' ? 4 : SILENCE), changes);
    expect(s.speaker).toBe('b');
    expect(changes.map((c) => c.to)).toEqual(['a', 'b']);
  });
});
