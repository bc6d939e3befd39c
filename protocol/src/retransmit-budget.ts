/**
 * Which packets a sender sends again when the receiving browser reports them lost (a generic NACK; pure): the
 * forwarding unit keeps one per viewer, over all its slots; the gateway one for its PTZ video, whose `estimate`
 * is the video's target rate. werift answered every NACK from its history, each time the browser asked:
 * Chromium asks a lost packet again every round trip, up to ten times, so on a link that drops most of what it
 * is offered (a cart's downlink at 100 kbit/s behind a 400 ms queue) each loss came back several times over
 * and the retransmissions, lost in turn, were asked again: the unit offered the cart ~1 Mbit/s of old video
 * packets while both guests' videos were held back (docs/conversation.md « The cart's downlink »). Now:
 * - nothing is sent again into a slot whose video is held back (or waits for a key frame, or carries nobody):
 *   its old packets are of no use to a viewer that will start again on a key frame;
 * - a packet is sent again at most `maxTimes` times, and not again within `repeatAfterMs`;
 * - once the unit has an estimate of the viewer's downlink (downlink-estimate.ts: its link lost more than 10 %),
 *   what is sent again takes at most `share` of it (a token bucket saving up at most `burstMs` of that rate, never
 *   less than one full packet). Before any estimate (a link that never lost as much) nothing limits the rate.
 */

export interface RetransmitOptions {
  /** The share of the viewer's downlink estimate that packets sent again may take (0..1). */
  share: number;
  /** What the budget saves up at most, in ms of that rate. */
  burstMs: number;
  /** How often one packet may be sent again. */
  maxTimes: number;
  /** A packet sent again is not sent again within this long (ms): the browser's ask may have crossed it. */
  repeatAfterMs: number;
}

export const DEFAULT_RETRANSMIT: RetransmitOptions = { share: 0.1, burstMs: 1000, maxTimes: 2, repeatAfterMs: 250 };

/** The budget never holds less than this (bits): one full-size packet can always go once it is saved up. */
export const MIN_BURST_BITS = 1_300 * 8;

/** How long the unit remembers having sent a packet again (ms): past that, the browser no longer asks it. */
const REMEMBER_MS = 10_000;

export interface NackedPacket {
  /** Its sequence number, as sent to the viewer. */
  seq: number;
  /** Its size as sent (bytes). */
  bytes: number;
}

export interface NackInput {
  now: number;
  /** The slot (its m-line) the packets were sent into. */
  slot: string;
  /** The slot's video is held back for the viewer (or waits for a key frame, or the slot carries nobody). */
  held: boolean;
  /** The viewer's downlink estimate (bits/s); undefined: none yet, the rate is not limited. */
  estimate: number | undefined;
  /** The packets asked for that the unit still has. */
  packets: NackedPacket[];
}

export class RetransmitBudget {
  private readonly o: RetransmitOptions;
  private tokens: number | undefined;
  private at: number | undefined;
  private readonly sent = new Map<string, { times: number; last: number }>();

  constructor(options: Partial<RetransmitOptions> = {}) {
    this.o = { ...DEFAULT_RETRANSMIT, ...options };
  }

  /** The sequence numbers to send again now, in the order asked. */
  answer(i: NackInput): number[] {
    this.refill(i.now, i.estimate);
    if (i.held) return [];
    this.forget(i.now);
    const out: number[] = [];
    for (const p of i.packets) {
      const key = `${i.slot}:${p.seq}`;
      const before = this.sent.get(key);
      if (before && (before.times >= this.o.maxTimes || i.now - before.last < this.o.repeatAfterMs)) continue;
      const bits = Math.max(0, p.bytes) * 8;
      if (this.tokens !== undefined) {
        if (bits > this.tokens) continue;
        this.tokens -= bits;
      }
      this.sent.set(key, { times: (before?.times ?? 0) + 1, last: i.now });
      out.push(p.seq);
    }
    return out;
  }

  /** The bucket at `now`: what `share` of the estimate saved up since the last call, capped; none without an estimate. */
  private refill(now: number, estimate: number | undefined): void {
    if (estimate === undefined || !Number.isFinite(estimate)) {
      this.tokens = undefined;
      this.at = now;
      return;
    }
    const rate = this.o.share * Math.max(0, estimate);
    const cap = Math.max(MIN_BURST_BITS, (rate * this.o.burstMs) / 1000);
    const elapsed = this.at === undefined ? 0 : Math.max(0, now - this.at);
    this.tokens = this.tokens === undefined ? cap : Math.min(cap, this.tokens + (rate * elapsed) / 1000);
    this.at = now;
  }

  private forget(now: number): void {
    if (this.sent.size < 512) return;
    for (const [key, s] of this.sent) if (now - s.last > REMEMBER_MS) this.sent.delete(key);
  }
}
