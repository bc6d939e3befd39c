/**
 * When a media link is congested or clean, read from its receiver's reports, and how long a sender waits before
 * it steps down or back up (pure). One definition for the cart's uplink budget (gateway/src/media/uplink-budget.ts)
 * and the specialist's guard of the cart's downlink (ui/src/browser/downlink-guard.ts); docs/conversation.md
 * « Bandwidth ».
 *
 * - Congested: a report loses ≥ 5 %, or its round trip stands ≥ 250 ms above the smallest seen (a queue filling;
 *   a satellite link's long steady round trip is not congestion). Clean: < 2 % and < 100 ms of queue.
 * - Down after 2 s of congestion, never two changes closer than 4 s; back up after 15 s clean, a failed step up
 *   (congestion within 30 s) doubling that hold up to 4 min, a step up that holds 30 s resetting it.
 */

export interface LinkThresholds {
  congestedLoss: number;
  cleanLoss: number;
  congestedQueueMs: number;
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
  congestedQueueMs: 250,
  cleanQueueMs: 100,
  downAfterMs: 2_000,
  minGapMs: 4_000,
  holdMs: 15_000,
  maxHoldMs: 240_000,
  settleMs: 30_000,
};

/** One report's verdict: its fraction lost (0..1) and the queue its round trip shows (ms above the smallest). */
export function linkVerdict(loss: number, queueMs: number, t: LinkThresholds = LINK_CONGESTION): 'congested' | 'clean' | 'neither' {
  if (loss >= t.congestedLoss || queueMs >= t.congestedQueueMs) return 'congested';
  if (loss < t.cleanLoss && queueMs < t.cleanQueueMs) return 'clean';
  return 'neither';
}
