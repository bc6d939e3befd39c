/**
 * One viewer's downlink as the unit estimates it (pure), from what its browser reports about the
 * streams the unit sends it, once a measure (about a second):
 * - loss (RTCP receiver reports' fraction lost): above 10 % the link is full and what got through,
 *   what was sent × (1 − loss), is its capacity; below 2 % the link carried what was sent (the
 *   estimate is at least that: a video tried again on a clean link fits at once) and the estimate
 *   grows by 8 % a measure, up to 1.5 × what was sent (nothing says it takes more than it was
 *   given); between, it holds;
 * - REMB (the browser's receive-side estimate, goog-remb with abs-send-time), a ceiling only while
 *   the link also loses ≥ 2 %: Chromium's estimate starts low and climbs only to ~1.5 × what it
 *   receives, so on a clean link it would hold videos back for nothing (the gateway's sender found
 *   the same, docs/teleconsult-media.md).
 * Undefined until the link first loses more than 10 %: the unit forwards everything meanwhile, and a
 * link that never lost more is not held to an estimate of it (on a clean link an estimate taken from
 * the first second's traffic — voice alone, videos starting — would hold back what the link carries,
 * and the REMB the sources are told from it would keep their videos low).
 */

export const HIGH_LOSS = 0.1;
export const LOW_LOSS = 0.02;
export const INCREASE = 1.08;
/** The estimate grows to at most this times what the viewer was sent (plus HEADROOM_BPS). */
export const GROWTH_CAP = 1.5;
export const HEADROOM_BPS = 10_000;

export class DownlinkEstimate {
  private estimate: number | undefined;
  private remb: number | undefined;

  get value(): number | undefined {
    return this.estimate;
  }

  /** The browser's REMB (bits/s). */
  onRemb(bitsPerSecond: number): void {
    if (Number.isFinite(bitsPerSecond) && bitsPerSecond > 0) this.remb = bitsPerSecond;
  }

  /**
   * One measure: the highest fraction lost (0..1) the browser reported since the last one (none:
   * undefined), and what the unit sent the viewer meanwhile (bits/s, overhead included).
   */
  onMeasure(fractionLost: number | undefined, sentBitsPerSecond: number): void {
    if (fractionLost === undefined || !Number.isFinite(fractionLost) || fractionLost < 0 || fractionLost > 1) return;
    if (this.estimate === undefined && fractionLost <= HIGH_LOSS) return;
    const cap = GROWTH_CAP * sentBitsPerSecond + HEADROOM_BPS;
    let e = this.estimate ?? sentBitsPerSecond;
    if (fractionLost > HIGH_LOSS) e = Math.min(e, sentBitsPerSecond * (1 - fractionLost));
    else if (fractionLost < LOW_LOSS) e = Math.max(e, sentBitsPerSecond, Math.min(e * INCREASE, cap));
    if (fractionLost >= LOW_LOSS && this.remb !== undefined) e = Math.min(e, this.remb);
    this.estimate = Math.max(0, e);
  }
}
