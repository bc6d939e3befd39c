/**
 * Admission at the pace the store clears (issue 14; docs/region.md, « Admitting at the store's pace »):
 * the uplink batches gateways published through the broker and the ingest has not acked yet. The
 * connect gate admits a new gateway only while fewer than `maxInFlight` are in flight, so a reconnect
 * storm waits at the door (held unread, or refused into the gateways' jittered backoff) instead of
 * inside the cloud, where its batches would queue past the gateways' ack timeout and come again.
 * By Little's law the ack latency of an admitted batch is about maxInFlight ÷ the store's rate.
 *
 * An uplink never acked (malformed, its store failed, the ingest restarted) stops counting after
 * `forgetAfterMs` — the gateway's ack timeout, after which it resends and is counted again — so a
 * lost ack cannot close the door for good. Acks are matched to the oldest uplink still counted.
 * Pure: the clock is injected; time is kept in buckets of forgetAfterMs ÷ 32, so an uplink stops
 * counting after forgetAfterMs and before forgetAfterMs plus one bucket.
 */
export interface UplinkCreditOptions {
  /** Uplinks in flight (received, not acked) at or beyond which no new connection is admitted. */
  maxInFlight: number;
  /** An uplink not acked within this stops counting. Default 30,000 ms (the gateway's ack timeout). */
  forgetAfterMs?: number;
  /**
   * No admission before the cloud's ingest subscribed to the uplinks (the embedded broker listens
   * before the rest of a restarting cloud is up: an uplink published then reaches nobody, holds
   * credit it never returns, and waits the gateway's 30 s ack timeout). The cloud sets it; a bare
   * broker (tests, tools) admits without an ingest. Default false.
   */
  awaitIngest?: boolean;
}

/**
 * 2,000 batches: 8–15 s of the store's rate in a storm on the shared 2-core host (130–250 a second),
 * under the gateways' 30 s ack timeout. 1,000 shut the door on a 1,000-gateway storm's second half for
 * longer than a held connection waits (5 s): refused, the gateways backed off while the cloud idled
 * (docs/region.md, « Admitting at the store's pace »).
 */
export const DEFAULT_UPLINK_CREDIT: UplinkCreditOptions = { maxInFlight: 2000, forgetAfterMs: 30_000 };

const BUCKETS = 32;

interface Bucket {
  start: number;
  n: number;
}

export class UplinkCredit {
  private readonly maxInFlight: number;
  private readonly forgetMs: number;
  private readonly bucketMs: number;
  /** Oldest first; only buckets with n > 0 beyond the newest. */
  private buckets: Bucket[] = [];
  private head = 0;
  private total = 0;

  constructor(
    o: UplinkCreditOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(o.maxInFlight >= 1)) throw new Error(`uplink credit needs maxInFlight ≥ 1 (got ${JSON.stringify(o)})`);
    if (o.forgetAfterMs !== undefined && !(o.forgetAfterMs > 0))
      throw new Error(`uplink credit needs forgetAfterMs > 0 (got ${JSON.stringify(o)})`);
    this.maxInFlight = Math.floor(o.maxInFlight);
    this.forgetMs = o.forgetAfterMs ?? 30_000;
    this.bucketMs = Math.max(1, Math.ceil(this.forgetMs / BUCKETS));
  }

  /** A gateway published an uplink batch. */
  received(): void {
    const t = this.now();
    const start = t - (t % this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && this.buckets.length > this.head && last.start === start) last.n++;
    else this.buckets.push({ start, n: 1 });
    this.total++;
  }

  /** The ingest acked a batch: the oldest uplink still counted leaves (nothing if none is). */
  acked(): void {
    this.expire();
    const b = this.buckets[this.head];
    if (b === undefined) return;
    b.n--;
    this.total--;
    if (b.n === 0) this.head++;
    this.compact();
  }

  /** Uplinks received, not acked and not yet forgotten. */
  inFlight(): number {
    this.expire();
    return this.total;
  }

  /** Whether a new connection may be admitted now. */
  hasRoom(): boolean {
    return this.inFlight() < this.maxInFlight;
  }

  private expire(): void {
    const t = this.now();
    while (this.head < this.buckets.length) {
      const b = this.buckets[this.head] as Bucket;
      if (t - b.start < this.forgetMs + this.bucketMs) break;
      this.total -= b.n;
      this.head++;
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.buckets.length) {
      this.buckets = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.buckets.length) {
      this.buckets = this.buckets.slice(this.head);
      this.head = 0;
    }
  }
}
