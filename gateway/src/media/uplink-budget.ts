/**
 * One budget for the cart's uplink (pure, clock passed in; docs/conversation.md « Bandwidth »). The cart
 * sends on one uplink from two peers that do not know of each other: the gateway's (PTZ video, the
 * stethoscope, the ECG) and the nurse page's conversation (voice, room camera). On a weak site link their
 * floors alone (~145 kbit/s of media, ~200 with packet headers) exceed it, and the audio a clinician needs
 * is lost with the video. The budget gives way in clinical order, one step at a time:
 *
 *   full         everything; each video adapts by itself (the gateway's bitrate.ts, Chromium's)
 *   room-paused  the room camera paused (the conversation's video encoding inactive; voice kept)
 *   ptz-paused   the PTZ video paused too: voice, stethoscope and ECG only
 *   lean-audio   and the two Opus streams lighter, both in 60 ms frames (voice 12 kbit/s; stethoscope
 *                16 kbit/s, wideband: 0–8 kHz holds heart and lung sounds): with the ECG (binary) and
 *                every packet's headers (~45 B a packet: a 20 ms voice frame's headers alone cost
 *                18 kbit/s, 6 in 60 ms frames) what fits 100 kbit/s; at voice 16 / stethoscope 24 kbit/s
 *                the stethoscope still lost 19.5 % of its packets there (shaped run)
 *
 * What it reads: each peer's view of the link, about once a second — the fraction of packets lost (RTCP
 * receiver reports: the gateway's own, the page's remote-inbound-rtp) and the round trip where known.
 * The link is congested when a fresh report is (`linkVerdict`, protocol/src/link-congestion.ts: ≥ 5 % lost,
 * or its round trip ≥ 250 ms above the smallest seen in this act); clean when every fresh report is (< 2 %,
 * < 100 ms of queue). The specialist's guard of the cart's downlink reads its link by the same definition.
 *
 * Down one step after 2 s of congestion, never sooner than 4 s after the last change; up one step after
 * the link has been clean for the hold (15 s), never sooner than the hold after the last change. A step
 * up that brings congestion back within 30 s doubles the hold (up to 4 min): the link is probed less and
 * less often instead of flapping; a step up that holds 30 s resets it (a link back to health climbs back in
 * the hold it had, then ~30 s a step: in the shaped test, a hold doubled to 60 s and a reset only after
 * 60 s kept the room camera paused more than 90 s after the link was unshaped).
 */

import { LINK_CONGESTION, linkVerdict, UPLINK_LEVELS, type UplinkLevel } from '@telecart/protocol';

export { UPLINK_LEVELS, type UplinkLevel };

/** What the cart sends at a level. */
export interface UplinkPlan {
  level: UplinkLevel;
  /** The nurse page's room camera (its conversation video) is sent. */
  roomVideo: boolean;
  /** The gateway's PTZ video is sent. */
  ptzVideo: boolean;
  /** Caps of the two Opus streams, kbit/s, and their frame lengths (the voice's: the nurse page renegotiates `a=ptime`). */
  voiceKbps: number;
  voiceFrameMs: 20 | 60;
  stethKbps: number;
  stethFrameMs: 20 | 60;
}

/** The full rates (docs/teleconsult-media.md, docs/conversation.md) and the lean ones below the video. */
export const FULL_AUDIO = { voiceKbps: 32, voiceFrameMs: 20, stethKbps: 32, stethFrameMs: 20 } as const;
export const LEAN_AUDIO = { voiceKbps: 12, voiceFrameMs: 60, stethKbps: 16, stethFrameMs: 60 } as const;

export function planFor(level: UplinkLevel): UplinkPlan {
  const i = UPLINK_LEVELS.indexOf(level);
  return { level, roomVideo: i < 1, ptzVideo: i < 2, ...(i < 3 ? FULL_AUDIO : LEAN_AUDIO) };
}

/** One peer's view of the link. */
export interface LinkReport {
  /** Fraction of packets lost since its last report, 0..1. */
  loss: number;
  /** Round trip, ms (null: not known). */
  rttMs: number | null;
}

export type ReportSource = 'gateway' | 'page';

export interface UplinkBudgetOptions {
  /** A report older than this is not counted (its peer stopped reporting). */
  staleMs?: number;
  congestedLoss?: number;
  cleanLoss?: number;
  congestedQueueMs?: number;
  cleanQueueMs?: number;
  /** Congestion lasting this long steps down. */
  downAfterMs?: number;
  /** Never two changes closer than this. */
  minIntervalMs?: number;
  /** Clean this long steps up (doubled after a failed step up, up to maxHoldMs). */
  holdMs?: number;
  maxHoldMs?: number;
}

const DEFAULTS: Required<UplinkBudgetOptions> = {
  staleMs: 5000,
  congestedLoss: LINK_CONGESTION.congestedLoss,
  cleanLoss: LINK_CONGESTION.cleanLoss,
  congestedQueueMs: LINK_CONGESTION.congestedQueueMs,
  cleanQueueMs: LINK_CONGESTION.cleanQueueMs,
  downAfterMs: LINK_CONGESTION.downAfterMs,
  minIntervalMs: LINK_CONGESTION.minGapMs,
  holdMs: LINK_CONGESTION.holdMs,
  maxHoldMs: LINK_CONGESTION.maxHoldMs,
};

/** A step up that brings congestion back within this doubles the hold; one that lasts it resets the hold. */
const FAILED_UP_MS = LINK_CONGESTION.settleMs;
const RESET_AFTER_MS = FAILED_UP_MS;

export class UplinkBudget {
  private readonly o: Required<UplinkBudgetOptions>;
  private level = 0;
  private readonly last = new Map<ReportSource, { report: LinkReport; at: number }>();
  private minRtt = Number.POSITIVE_INFINITY;
  private congestedSince: number | null = null;
  private cleanSince: number | null = null;
  private changedAt = Number.NEGATIVE_INFINITY;
  private upAt = Number.NEGATIVE_INFINITY;
  private hold: number;

  constructor(o: UplinkBudgetOptions = {}) {
    this.o = { ...DEFAULTS, ...o };
    this.hold = this.o.holdMs;
  }

  get plan(): UplinkPlan {
    return planFor(UPLINK_LEVELS[this.level] ?? 'full');
  }

  /** The hold before the next step up, ms (grows after failed steps up). */
  get holdMs(): number {
    return this.hold;
  }

  /** A peer's report; out-of-range values are ignored. */
  report(source: ReportSource, r: LinkReport, now: number): void {
    if (!Number.isFinite(r.loss) || r.loss < 0 || r.loss > 1) return;
    const rtt = r.rttMs !== null && Number.isFinite(r.rttMs) && r.rttMs >= 0 ? r.rttMs : null;
    if (rtt !== null) this.minRtt = Math.min(this.minRtt, rtt);
    this.last.set(source, { report: { loss: r.loss, rttMs: rtt }, at: now });
  }

  /** The link now: congested, clean, or neither (or nothing fresh to judge by). */
  state(now: number): 'congested' | 'clean' | 'unknown' {
    const fresh = [...this.last.values()].filter((x) => now - x.at <= this.o.staleMs).map((x) => x.report);
    if (fresh.length === 0) return 'unknown';
    const queue = (r: LinkReport) => (r.rttMs === null ? 0 : r.rttMs - this.minRtt);
    const verdicts = fresh.map((r) => linkVerdict(r.loss, queue(r), this.o));
    if (verdicts.includes('congested')) return 'congested';
    if (verdicts.every((v) => v === 'clean')) return 'clean';
    return 'unknown';
  }

  /** Called about once a second: the new plan when the level changes, else null. */
  tick(now: number): UplinkPlan | null {
    const s = this.state(now);
    this.congestedSince = s === 'congested' ? (this.congestedSince ?? now) : null;
    this.cleanSince = s === 'clean' ? (this.cleanSince ?? now) : null;
    if (this.changedAt === this.upAt && now - this.upAt >= RESET_AFTER_MS) this.hold = this.o.holdMs;
    const since = now - this.changedAt;
    const top = UPLINK_LEVELS.length - 1;
    if (
      this.congestedSince !== null &&
      this.level < top &&
      now - this.congestedSince >= this.o.downAfterMs &&
      since >= this.o.minIntervalMs
    ) {
      // The last change was a step up, and the link did not take it: probe less often.
      if (this.changedAt === this.upAt && since < FAILED_UP_MS) this.hold = Math.min(this.hold * 2, this.o.maxHoldMs);
      return this.change(this.level + 1, now);
    }
    if (this.cleanSince !== null && this.level > 0 && now - this.cleanSince >= this.hold && since >= this.hold) {
      const plan = this.change(this.level - 1, now);
      this.upAt = now;
      return plan;
    }
    return null;
  }

  private change(level: number, now: number): UplinkPlan {
    this.level = level;
    this.changedAt = now;
    // Reports measured at the old rates say little about the new ones: judge afresh.
    this.congestedSince = null;
    this.cleanSince = null;
    return this.plan;
  }
}
