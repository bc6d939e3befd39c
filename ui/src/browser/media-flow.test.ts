import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { MediaFlow, MediaUpWord, type WordTimers } from './media-flow.js';

describe('MediaFlow', () => {
  it('says media flowed after three samples in a row that each grew, frames or energy', () => {
    const f = new MediaFlow();
    expect(f.sample({ frames: 0, energy: 0 })).toBe(false);
    expect(f.sample({ frames: 10, energy: 0 })).toBe(false);
    expect(f.sample({ frames: 10, energy: 0.1 })).toBe(false);
    expect(f.sample({ frames: 25, energy: 0.1 })).toBe(true);
  });

  it('a peer that connects then carries nothing, or fails, never counts; a new peer (counts going down) starts over', () => {
    const f = new MediaFlow();
    for (const r of [
      { frames: 0, energy: 0 },
      { frames: 3, energy: 0 },
      { frames: 3, energy: 0 },
      { frames: 3, energy: 0 },
      { frames: 5, energy: 0.1 },
      { frames: 0, energy: 0 },
      { frames: 4, energy: 0 },
      { frames: 8, energy: 0 },
    ])
      expect(f.sample(r)).toBe(false);
    expect(f.sample({ frames: 9, energy: 0 })).toBe(true);
  });

  it('says so only when each of the last three samples grew (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ frames: fc.nat(50), energy: fc.nat(5) }), { maxLength: 40 }), (rs) => {
        const f = new MediaFlow(3);
        rs.forEach((r, i) => {
          if (!f.sample(r)) return;
          const last = rs.slice(i - 3, i + 1);
          expect(last).toHaveLength(4);
          for (let k = 1; k < 4; k++) {
            const [a, b] = [last[k - 1], last[k]];
            expect(b && a && b.frames >= a.frames && b.energy >= a.energy && b.frames + b.energy > a.frames + a.energy).toBe(true);
          }
        });
      }),
    );
  });
});

describe('MediaUpWord', () => {
  it('is said once decoded, again on each new connection until stored, then never', () => {
    const said: string[] = [];
    const el = { dataset: {} } as HTMLElement;
    const w = new MediaUpWord(() => said.push('media-up'), el);
    w.again();
    expect([said.length, w.said, el.dataset.mediaUp]).toEqual([0, false, undefined]);
    w.decoded();
    w.decoded();
    expect([said.length, w.said, el.dataset.mediaUp]).toEqual([1, true, 'said']);
    w.again();
    expect(said.length).toBe(2);
    w.stored();
    w.again();
    w.decoded();
    expect([said.length, w.said, el.dataset.mediaUp]).toEqual([2, true, 'stored']);
  });
});

describe('MediaUpWord on its timer', () => {
  /** Timers the test fires by hand: the delays asked, the one armed. */
  function manualTimers(): WordTimers & { delays: number[]; fire(): void; armed(): boolean } {
    let next: (() => void) | null = null;
    const delays: number[] = [];
    return {
      delays,
      set(fn, ms) {
        delays.push(ms);
        next = fn;
        return fn;
      },
      clear(h) {
        if (h === next) next = null;
      },
      fire() {
        const f = next;
        next = null;
        f?.();
      },
      armed: () => next !== null,
    };
  }

  it('says it again with a growing delay until stored (a word the cloud failed to store is not lost), from the first delay after a new connection', () => {
    const said: number[] = [];
    const timers = manualTimers();
    const w = new MediaUpWord(() => said.push(said.length), { dataset: {} } as HTMLElement, {
      backoff: new Backoff({ firstMs: 2000, maxMs: 30_000, random: () => 0.5 }),
      timers,
    });
    expect(timers.armed()).toBe(false);
    w.decoded();
    for (let i = 0; i < 6; i++) timers.fire();
    expect(said.length).toBe(7);
    expect(timers.delays).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    // A new socket: said at once, and the timer starts over from the first delay.
    w.again();
    expect([said.length, timers.delays.at(-1)]).toEqual([8, 2000]);
    w.stored();
    expect(timers.armed()).toBe(false);
    timers.fire();
    w.again();
    expect(said.length).toBe(8);
  });
});
