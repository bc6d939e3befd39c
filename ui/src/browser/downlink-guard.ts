/**
 * Whether a conversation peer's camera goes on toward the other side's downlink (pure; docs/conversation.md
 * « The cart's downlink »). The specialist's page sends the cart its face on their direct peer; on a weak site
 * that video, the guests' streams through the room and the gateway's feedback share the cart's downlink, and the
 * voices must come first. What the sender knows of that link: the receiver's reports on what it sent (RTCP
 * remote-inbound-rtp: the fraction lost and the round trip), fresh ones only.
 *
 * - **Congested** and **clean** as the cart's uplink budget reads its links (`linkVerdict`, one definition in
 *   protocol/src/link-congestion.ts): ≥ 5 % lost, or ≥ 2 % with ≥ 250 ms of queue; < 2 % and < 100 ms. Loss of what
 *   this page sends decides: a queue alone (the cart's full uplink lengthens the round trip too) pauses nothing.
 * - **Pause** after 2 s of congestion (two congested reports that far apart, no clean one between), never sooner
 *   than 4 s after the last change.
 * - **Resume as a probe** once `holdMs` (15 s at first) has passed since the pause, on the first fresh report that is
 *   not congested, clean or not. The link the video shares is not this page's alone: the forwarding unit sends the
 *   cart the guests' videos when its own estimate has room for them, so a link that never stays clean may be full
 *   of video that comes after this one in clinical order (at 300 kbit/s down the specialist's camera stayed paused
 *   while the unit forwarded a guest's). Resumed, the video takes its share; the unit, seeing its own packets lost,
 *   holds the guests' videos back (cloud/src/media/forwarding-unit/video-choice.ts).
 * - **After a probe**, congestion must last `probeGraceMs` (6 s) to pause again, time for the unit to give way (it
 *   reacts to a second's losses); a probe paused again within 30 s doubles the hold (to 4 min at most): the link
 *   could not take it. A resume that holds 30 s resets the hold and the 2 s rule applies again.
 * - **Owned**: while the cart is in the act's room, the forwarding unit owns the probes of its downlink (it has the
 *   estimate and forwards the guests' videos: cloud/src/media/forwarding-unit/probe-owner.ts): the guard still pauses
 *   on its own, but resumes only when the unit grants the probe (`probe`), never on its hold.
 * Reports that say nothing new (none arrived, or the video's own stands still while it is paused) change nothing.
 */

import { LINK_CONGESTION, type LinkThresholds, type LinkTimings, linkVerdict } from '@telecart/protocol/link-congestion';

export interface LinkReport {
  /** The highest fraction lost (0..1) among the reports that arrived since the last tick; undefined: none. */
  fractionLost: number | undefined;
  /** Their round trip (ms), when known. */
  rttMs: number | undefined;
}

export interface DownlinkGuardOptions extends LinkThresholds, LinkTimings {
  /** After a resume (a probe), congestion lasting this long pauses the video again (instead of downAfterMs). */
  probeGraceMs: number;
}

export const DOWNLINK_GUARD: DownlinkGuardOptions = { ...LINK_CONGESTION, probeGraceMs: 6_000 };

export class DownlinkGuard {
  private on = true;
  private lastChange = Number.NEGATIVE_INFINITY;
  private congestedSince: number | undefined;
  private minRtt = Number.POSITIVE_INFINITY;
  private hold: number;
  private resumedAt: number | undefined;
  private owned = false;

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

  /** Whether the forwarding unit owns the probes of this downlink: no resume but on its grant (`probe`). */
  setOwned(owned: boolean): void {
    this.owned = owned;
  }

  /**
   * The probe owner's grant: a paused video resumes now, on trial as after its own hold (`settling`; congestion must
   * last `probeGraceMs` to pause it again). Not sooner than `minGapMs` after the pause. Returns whether the video goes on.
   */
  probe(now: number): boolean {
    if (!this.on && now - this.lastChange >= this.o.minGapMs) {
      this.resumedAt = now;
      this.set(true, now);
    }
    return this.on;
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
    if (this.on) {
      if (verdict !== 'congested') {
        if (verdict === 'clean') this.congestedSince = undefined;
        return this.on;
      }
      this.congestedSince ??= now;
      const probing = this.resumedAt !== undefined && now - this.resumedAt < this.o.settleMs;
      const after = probing ? Math.max(this.o.downAfterMs, this.o.probeGraceMs) : this.o.downAfterMs;
      if (now - this.congestedSince >= after && now - this.lastChange >= this.o.minGapMs) {
        if (probing) this.hold = Math.min(this.o.maxHoldMs, this.hold * 2);
        this.resumedAt = undefined;
        this.set(false, now);
      }
      return this.on;
    }
    if (!this.owned && verdict !== 'congested' && now - this.lastChange >= this.hold) {
      this.resumedAt = now;
      this.set(true, now);
    }
    return this.on;
  }

  private set(on: boolean, now: number): void {
    this.on = on;
    this.lastChange = now;
    this.congestedSince = undefined;
  }
}
