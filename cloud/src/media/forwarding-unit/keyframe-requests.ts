/**
 * Key frame requests towards one video source. Every viewer of a source may ask for a key frame (a
 * new viewer, a PLI or FIR after a loss); the source gets at most one PLI per interval, and a request
 * that arrives inside the interval is not lost: one PLI goes at the end of it. Without the limit,
 * three viewers' PLIs each made the browser encode a key frame (hundreds a minute), and key frames
 * are 5–10 times a delta frame: the stream spent its rate on them.
 */

export interface KeyframeRequesterOptions {
  minIntervalMs: number;
  now: () => number;
  /** Sends one PLI to the source. */
  send: () => void;
  /** Runs `fn` after `ms` (injected: timers in production, a manual scheduler in tests). */
  schedule: (fn: () => void, ms: number) => { cancel(): void };
}

export class KeyframeRequester {
  private lastSent: number | undefined;
  private pending: { cancel(): void } | undefined;
  sent = 0;
  /** Requests answered by a PLI already sent or pending (no PLI of their own). */
  coalesced = 0;

  constructor(private readonly o: KeyframeRequesterOptions) {}

  request(): void {
    if (this.pending) {
      this.coalesced++;
      return;
    }
    const now = this.o.now();
    const wait = this.lastSent === undefined ? 0 : this.lastSent + this.o.minIntervalMs - now;
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.pending = this.o.schedule(() => {
      this.pending = undefined;
      this.fire();
    }, wait);
  }

  close(): void {
    this.pending?.cancel();
    this.pending = undefined;
  }

  private fire(): void {
    this.lastSent = this.o.now();
    this.sent++;
    this.o.send();
  }
}

/** setTimeout as a KeyframeRequester scheduler. */
export const timerScheduler = (fn: () => void, ms: number): { cancel(): void } => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};
