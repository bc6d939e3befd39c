/**
 * Writes units (frames, packets) to a pty at a device's real rate: a 20 ms tick sends every unit
 * that is due since the start, so the byte stream has the device's timing on average (a real
 * UART trickles; a USB-serial adapter also hands them over in bursts of a few ms).
 */
import type { PtyPair } from './pty-pair.js';

export class PacedWriter {
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private produced = 0;
  private busy = false;

  constructor(
    private readonly pty: PtyPair,
    private readonly unitsPerSecond: number,
    /** Builds unit number n; returns its bytes. Called for every unit, written or not (time goes on while unplugged). */
    private readonly unit: (n: number) => { bytes: Uint8Array; onWritten?: () => void },
    private readonly tickMs = 20,
  ) {}

  start(): void {
    if (this.timer) return;
    this.t0 = performance.now();
    this.timer = setInterval(() => void this.tick(), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const due = Math.floor(((performance.now() - this.t0) / 1000) * this.unitsPerSecond);
      const units: { bytes: Uint8Array; onWritten?: () => void }[] = [];
      while (this.produced < due) units.push(this.unit(this.produced++));
      if (units.length === 0) return;
      const bytes = new Uint8Array(units.reduce((n, u) => n + u.bytes.length, 0));
      let at = 0;
      for (const u of units) {
        bytes.set(u.bytes, at);
        at += u.bytes.length;
      }
      if (await this.pty.write(bytes)) for (const u of units) u.onWritten?.();
    } finally {
      this.busy = false;
    }
  }
}
