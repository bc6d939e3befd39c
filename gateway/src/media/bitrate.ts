/**
 * Video bitrate from what the browser reports (pure, clock passed in). Two signals, the lower wins:
 *   - loss (RTCP receiver reports): above 10 % the rate drops by half the loss, below 2 % it grows
 *     by 8 % a second (the loss-based half of Google Congestion Control). A second, not a report:
 *     Chromium reports several times a second, and at 8 % a report the estimate of a 100 kbit/s link
 *     climbed from 53 to 705 kbit/s in the 4 s between two steps (shaped run, docs/conversation.md);
 *   - REMB (the receiver's own estimate of the link, when it sends one), less the audio and ECG
 *     budget, so stethoscope sound and ECG keep their share and video gives way first. It counts
 *     only while the link also loses packets (≥ 2 %): Chromium's estimate starts low and only
 *     climbs to ~1.5× what it receives, so on a clean link taken alone it pulled a 600 kbit/s
 *     camera stream down to 74 kbit/s on loopback (bench, docs/teleconsult-media.md).
 * An encoder change is a restart of a gst-launch child (~0.2–0.5 s without video, measured in
 * docs/teleconsult-media.md), so a new target is applied only when it differs by ≥ 25 % and not
 * more often than every `decreaseIntervalMs` (down) / `increaseIntervalMs` (up).
 */

export interface BitrateControllerOptions {
  startKbps: number;
  minKbps: number;
  maxKbps: number;
  /** Kept out of a REMB estimate for audio + ECG + RTCP. */
  reservedKbps: number;
  decreaseIntervalMs?: number;
  increaseIntervalMs?: number;
}

export class VideoBitrateController {
  private estimate: number;
  private ceiling = Number.POSITIVE_INFINITY;
  private lossy = false;
  private lastReportAt: number | null = null;
  private applied: number;
  private appliedAt = Number.NEGATIVE_INFINITY;
  private maxKbps: number;

  constructor(private readonly o: BitrateControllerOptions) {
    this.maxKbps = o.maxKbps;
    this.applied = this.clamp(o.startKbps);
    this.estimate = this.applied;
  }

  get currentKbps(): number {
    return this.applied;
  }

  /**
   * The video starts again after a pause (the uplink budget's): at `kbps` (within the bounds), growing from
   * there as the link allows — what the link carried before the pause says nothing now.
   */
  restartAt(kbps: number, now: number): number {
    this.applied = Math.round(this.clamp(kbps));
    this.estimate = this.applied;
    this.appliedAt = now;
    this.lossy = false;
    this.ceiling = Number.POSITIVE_INFINITY;
    return this.applied;
  }

  /** The specialist's page may cap the rate (RtcDown start.maxBitrateKbps). */
  setMax(kbps: number, now: number): number | null {
    this.maxKbps = Math.max(this.o.minKbps, Math.min(this.o.maxKbps, kbps));
    return this.decide(now);
  }

  /** A receiver report's fraction lost (0..1) for the video stream. */
  onLoss(fractionLost: number, now: number): number | null {
    if (!Number.isFinite(fractionLost) || fractionLost < 0 || fractionLost > 1) return null;
    this.lossy = fractionLost >= 0.02;
    const seconds = this.lastReportAt === null ? 1 : Math.min(1, Math.max(0, now - this.lastReportAt) / 1000);
    this.lastReportAt = now;
    if (fractionLost > 0.1) this.estimate = this.estimate * (1 - 0.5 * fractionLost);
    else if (fractionLost < 0.02) this.estimate = this.estimate * 1.08 ** seconds;
    this.estimate = this.clamp(this.estimate);
    return this.decide(now);
  }

  /** A REMB estimate, bit/s. */
  onRemb(bitsPerSecond: number, now: number): number | null {
    if (!Number.isFinite(bitsPerSecond) || bitsPerSecond <= 0) return null;
    this.ceiling = bitsPerSecond / 1000 - this.o.reservedKbps;
    return this.decide(now);
  }

  /** The target now; null when the running encoder should be left alone. */
  private decide(now: number): number | null {
    const target = this.clamp(Math.min(this.estimate, this.lossy ? this.ceiling : Number.POSITIVE_INFINITY));
    const down = target < this.applied;
    const change = Math.abs(target - this.applied) / this.applied;
    const interval = down ? (this.o.decreaseIntervalMs ?? 1500) : (this.o.increaseIntervalMs ?? 4000);
    // A cap the page set is obeyed at once, however small the step; the rest waits for a real change.
    const overCap = this.applied > this.maxKbps;
    if (!overCap && (change < 0.25 || now - this.appliedAt < interval)) return null;
    this.applied = Math.round(target);
    this.appliedAt = now;
    // Losses measured at the old rate say nothing about the new one.
    this.estimate = this.applied;
    return this.applied;
  }

  private clamp(kbps: number): number {
    return Math.max(this.o.minKbps, Math.min(this.maxKbps, kbps));
  }
}
