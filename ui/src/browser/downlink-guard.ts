/**
 * Whether a conversation peer's camera goes on toward the other side's downlink (pure; docs/conversation.md
 * « The cart's downlink »). The specialist's page sends the cart its face on their direct peer; on a weak site
 * that video, the guests' streams through the room and the gateway's feedback share the cart's downlink, and the
 * voices must come first. What the sender knows of that link: the receiver's reports on what it sent (RTCP
 * remote-inbound-rtp: the fraction lost and the round trip), fresh ones only.
 *
 * - **Congested** and **clean** as the cart's uplink budget reads its links (`linkVerdict`, one definition in
 *   protocol/src/link-congestion.ts): ≥ 5 % lost or ≥ 250 ms of queue; < 2 % and < 100 ms.
 * - **Pause** after 2 s of congestion (two congested reports that far apart, no clean one between), never sooner
 *   than 4 s after the last change.
 * - **Resume** after `holdMs` clean (15 s at first), never sooner than that after the pause. A resume followed by a
 *   pause within 30 s doubles the hold (to 4 min at most): the resumed video was the probe the link could not
 *   take. A resume that holds 30 s resets it.
 * Reports that say nothing new (none arrived, or the video's own stands still while it is paused) change nothing.
 */

import { LINK_CONGESTION, type LinkThresholds, type LinkTimings, linkVerdict } from '@telecart/protocol/link-congestion';

export interface LinkReport {
  /** The highest fraction lost (0..1) among the reports that arrived since the last tick; undefined: none. */
  fractionLost: number | undefined;
  /** Their round trip (ms), when known. */
  rttMs: number | undefined;
}

export type DownlinkGuardOptions = LinkThresholds & LinkTimings;

export const DOWNLINK_GUARD: DownlinkGuardOptions = LINK_CONGESTION;

export class DownlinkGuard {
  private on = true;
  private lastChange = Number.NEGATIVE_INFINITY;
  private congestedSince: number | undefined;
  private cleanSince: number | undefined;
  private minRtt = Number.POSITIVE_INFINITY;
  private hold: number;
  private resumedAt: number | undefined;

  constructor(private readonly o: DownlinkGuardOptions = DOWNLINK_GUARD) {
    this.hold = o.holdMs;
  }

  /** Whether the video goes on now. */
  get video(): boolean {
    return this.on;
  }

  /**
   * The video resumed less than `settleMs` ago, on trial: the link may not take it (a pause then doubles the hold).
   * The specialist's voice stays lighter meanwhile (toward-cart.ts), so that a failed resume costs the voices less.
   */
  get settling(): boolean {
    return this.on && this.resumedAt !== undefined;
  }

  /** The hold before the next resume (ms). */
  get holdMs(): number {
    return this.hold;
  }

  /** One tick (about a second): the fresh reports since the last one. Returns whether the video goes on. */
  tick(now: number, r: LinkReport): boolean {
    if (this.on && this.resumedAt !== undefined && now - this.resumedAt >= this.o.settleMs) {
      this.hold = this.o.holdMs;
      this.resumedAt = undefined;
    }
    const loss = r.fractionLost;
    if (loss === undefined || !Number.isFinite(loss) || loss < 0 || loss > 1) return this.on;
    let queue = 0;
    if (r.rttMs !== undefined && Number.isFinite(r.rttMs) && r.rttMs >= 0) {
      this.minRtt = Math.min(this.minRtt, r.rttMs);
      queue = r.rttMs - this.minRtt;
    }
    const verdict = linkVerdict(loss, queue, this.o);
    const congested = verdict === 'congested';
    const clean = verdict === 'clean';
    if (this.on) {
      if (!congested) {
        if (clean) this.congestedSince = undefined;
        return this.on;
      }
      this.congestedSince ??= now;
      if (now - this.congestedSince >= this.o.downAfterMs && now - this.lastChange >= this.o.minGapMs) {
        if (this.resumedAt !== undefined && now - this.resumedAt < this.o.settleMs) this.hold = Math.min(this.o.maxHoldMs, this.hold * 2);
        this.resumedAt = undefined;
        this.set(false, now);
      }
      return this.on;
    }
    if (!clean) {
      this.cleanSince = undefined;
      return this.on;
    }
    this.cleanSince ??= now;
    if (now - this.cleanSince >= this.hold && now - this.lastChange >= this.hold) {
      this.resumedAt = now;
      this.set(true, now);
    }
    return this.on;
  }

  private set(on: boolean, now: number): void {
    this.on = on;
    this.lastChange = now;
    this.congestedSince = undefined;
    this.cleanSince = undefined;
  }
}
