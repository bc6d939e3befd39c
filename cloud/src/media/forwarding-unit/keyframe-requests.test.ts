import { describe, expect, it } from 'vitest';
import { KeyframeRequester } from './keyframe-requests.js';

/** A manual clock and scheduler: time moves only when the test says so. */
function rig(minIntervalMs: number) {
  let now = 0;
  const due: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const sent: number[] = [];
  const k = new KeyframeRequester({
    minIntervalMs,
    now: () => now,
    send: () => sent.push(now),
    schedule: (fn, ms) => {
      const t = { at: now + ms, fn, cancelled: false };
      due.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  });
  const advance = (ms: number) => {
    now += ms;
    for (const t of due.splice(0)) {
      if (t.cancelled) continue;
      if (t.at <= now) t.fn();
      else due.push(t);
    }
  };
  return { k, sent, advance };
}

describe('KeyframeRequester', () => {
  it('sends the first request at once and folds a burst of viewers’ PLIs into one more at the end of the interval', () => {
    const { k, sent, advance } = rig(500);
    k.request();
    expect(sent).toEqual([0]);
    for (let i = 0; i < 20; i++) {
      advance(10);
      k.request();
    }
    expect(sent).toEqual([0]);
    advance(300);
    expect(sent).toEqual([0, 500]);
    expect(k.coalesced).toBe(19);
  });

  it('a request after a quiet interval goes at once; close() drops a pending one', () => {
    const { k, sent, advance } = rig(500);
    k.request();
    advance(800);
    k.request();
    expect(sent).toEqual([0, 800]);
    advance(100);
    k.request();
    k.close();
    advance(1000);
    expect(sent).toEqual([0, 800]);
  });
});
