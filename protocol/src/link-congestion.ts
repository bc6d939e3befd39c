/**
 * When a media link is congested or clean, read from its receiver's reports, and how long a sender waits before
 * it steps down or back up (pure). One definition for the cart's uplink budget (gateway/src/media/uplink-budget.ts)
 * and the specialist's guard of the cart's downlink (ui/src/browser/downlink-guard.ts); docs/conversation.md
 * « Bandwidth ».
 *
 * - The signal is the loss of what the sender sends, as its receiver reports it (RTCP receiver reports): one way,
 *   the sender's own direction. The round trip crosses both directions: a full queue the other way (the cart's
 *   downlink, for its uplink budget) lengthens it as much as its own, so it is only a secondary cue.
 * - Congested: a report loses ≥ 5 %, or ≥ 2 % with its round trip ≥ 250 ms above the smallest seen (a queue filling
 *   and overflowing). A queue without loss is never congestion (whose queue it is cannot be told), nor is a
 *   satellite link's long steady round trip. Clean: < 2 % lost and < 100 ms of queue (the queue's one say: a sender
 *   does not step up into it).
 * - Down after 2 s of congestion, never two changes closer than 4 s; back up after 15 s clean, a failed step up
 *   (congestion within 30 s) doubling that hold up to 4 min, a step up that holds 30 s resetting it.
 */

export interface LinkThresholds {
  congestedLoss: number;
  cleanLoss: number;
  /** A round trip this far above the smallest seen: a queue (congestion only with ≥ cleanLoss lost). */
  queueMs: number;
  /** Clean needs the round trip less than this above the smallest (a sender does not step up into a queue). */
  cleanQueueMs: number;
}

export interface LinkTimings {
  downAfterMs: number;
  minGapMs: number;
  holdMs: number;
  maxHoldMs: number;
  /** A step up that lasts this long without congestion resets the hold; one that does not doubles it. */
  settleMs: number;
}

export const LINK_CONGESTION: LinkThresholds & LinkTimings = {
  congestedLoss: 0.05,
  cleanLoss: 0.02,
  queueMs: 250,
  cleanQueueMs: 100,
  downAfterMs: 2_000,
  minGapMs: 4_000,
  holdMs: 15_000,
  maxHoldMs: 240_000,
  settleMs: 30_000,
};

/**
 * The longest round trip a link report carries (the nurse page's to the gateway, POST /api/teleconsult/uplink): a
 * report says at most this, as the route refuses more. Round trips beyond it are real: a starved forwarding unit's
 * socket buffer (4 MiB, « The cart's downlink ») held the cart's packets 60–94 s at load 29, and the page's reports
 * were refused (400) with their loss (docs/conversation.md « The cart's downlink »).
 */
export const MAX_REPORTED_RTT_MS = 60_000;

/** A measured round trip as a report carries it: whole ms within 0..MAX_REPORTED_RTT_MS, null when none is known. */
export function reportedRttMs(ms: number | undefined): number | null {
  if (ms === undefined || !Number.isFinite(ms)) return null;
  return Math.min(MAX_REPORTED_RTT_MS, Math.max(0, Math.round(ms)));
}

export type LinkVerdict = 'congested' | 'clean' | 'neither';

/**
 * One report's verdict: its fraction lost (0..1) of what the sender sent, and the queue its round trip shows (ms
 * above the smallest). Loss decides; the queue only confirms a moderate loss, or keeps a link from counting as
 * clean.
 */
export function linkVerdict(loss: number, queueMs: number, t: LinkThresholds = LINK_CONGESTION): LinkVerdict {
  if (loss >= t.congestedLoss || (loss >= t.cleanLoss && queueMs >= t.queueMs)) return 'congested';
  if (loss < t.cleanLoss && queueMs < t.cleanQueueMs) return 'clean';
  return 'neither';
}
