/**
 * The dead-man rule for continuous PTZ moves: a move keeps going only while commands keep arriving.
 * Each continuous command re-arms a timer; when it lapses (the specialist's browser froze, the link
 * dropped) the camera is told to stop. Timers are injected so tests drive it without waiting.
 */
import { systemTimers, type Timers } from '../ble/backoff.js';

export class DeadMan {
  private handle: unknown = null;

  constructor(
    private readonly graceMs: number,
    private readonly onLapse: () => void,
    private readonly timers: Timers = systemTimers,
  ) {}

  /** A continuous command arrived: keep moving for another `graceMs`. */
  arm(): void {
    this.disarm();
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      this.onLapse();
    }, this.graceMs);
  }

  /** The move ended by itself (stop, absolute move, preset): nothing to watch. */
  disarm(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  get armed(): boolean {
    return this.handle !== null;
  }
}
