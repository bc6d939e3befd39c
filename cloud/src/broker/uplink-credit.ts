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
 *
 * With `targetAckMs` the bound follows the store: it is the acks of the last RATE_WINDOW_MS per
 * second × targetAckMs (Little's law: in flight = rate × wait, so an admitted batch waits about
 * targetAckMs for its ack), within [minInFlight, maxInFlight] (creditLimit). A fixed bound could not
 * fit both a 1,000-gateway storm (1,000 shut its second half out while the store idled) and a loaded
 * 10,000 one (2,000 let 3.7 % of its batches pass the 30 s ack timeout at ~90 acks a second).
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
  /**
   * Follow the store: the bound is the measured ack rate × this (an admitted batch's expected wait
   * for its ack), between minInFlight and maxInFlight. Unset: maxInFlight, fixed.
   */
  targetAckMs?: number;
  /** With targetAckMs: the bound never falls below this (the start, before any ack). Default maxInFlight ÷ 4. */
  minInFlight?: number;
}

/** The window of acks whose rate sets the bound (targetAckMs): ten seconds, counted by second. */
export const RATE_WINDOW_MS = 10_000;
const RATE_BUCKET_MS = 1000;

/** The bound on uplinks in flight for an ack rate (per second): rate × targetAckMs, within [min, max]. */
export function creditLimit(acksPerS: number, o: { minInFlight: number; maxInFlight: number; targetAckMs: number }): number {
  const want = Math.floor((Math.max(0, acksPerS) * o.targetAckMs) / 1000);
  return Math.max(o.minInFlight, Math.min(o.maxInFlight, want));
}

/**
 * 12 s of the measured ack rate, from 250 to 4,000 batches: under the gateways' 30 s ack timeout
 * with the store's queues ahead (a fixed 2,000 at ~90 acks a second gave p99 32 s). The floor only
 * starts the count before the first acks: at 1,000 it bound a 10,000 storm on a starved host (34 acks
 * a second: 1,000 in flight waited ~29 s, p99 57 s, 6,400 readings resent) (docs/region.md, « Where a
 * gateway's milliseconds go, and the credit from the ack rate »).
 */
export const DEFAULT_UPLINK_CREDIT: UplinkCreditOptions = {
  maxInFlight: 4000,
  minInFlight: 250,
  targetAckMs: 12_000,
  forgetAfterMs: 30_000,
};

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
  private readonly follow: { minInFlight: number; maxInFlight: number; targetAckMs: number } | undefined;
  /** Acks per RATE_BUCKET_MS of the last RATE_WINDOW_MS, oldest first (targetAckMs only). */
  private ackBuckets: Bucket[] = [];
  /** When the first ack was seen: the rate's window is shorter until RATE_WINDOW_MS later. */
  private firstAckAt: number | undefined;

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
    if (o.targetAckMs !== undefined) {
      if (!(o.targetAckMs > 0)) throw new Error(`uplink credit needs targetAckMs > 0 (got ${JSON.stringify(o)})`);
      const min = Math.floor(o.minInFlight ?? this.maxInFlight / 4);
      if (!(min >= 1 && min <= this.maxInFlight))
        throw new Error(`uplink credit needs 1 ≤ minInFlight ≤ maxInFlight (got ${JSON.stringify(o)})`);
      this.follow = { minInFlight: min, maxInFlight: this.maxInFlight, targetAckMs: o.targetAckMs };
    }
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
    if (this.follow) this.countAck();
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

  /** Acks per second over the last RATE_WINDOW_MS (or since the first ack, if that is shorter, at least a second). */
  ackRate(): number {
    const t = this.now();
    this.dropOldAcks(t);
    if (this.firstAckAt === undefined) return 0;
    const n = this.ackBuckets.reduce((a, b) => a + b.n, 0);
    const span = Math.min(RATE_WINDOW_MS, Math.max(RATE_BUCKET_MS, t - this.firstAckAt));
    return (n * 1000) / span;
  }

  /** The bound now: maxInFlight, or with targetAckMs the one the ack rate gives (creditLimit). */
  limit(): number {
    return this.follow ? creditLimit(this.ackRate(), this.follow) : this.maxInFlight;
  }

  /** Whether a new connection may be admitted now. */
  hasRoom(): boolean {
    return this.inFlight() < this.limit();
  }

  private countAck(): void {
    const t = this.now();
    this.firstAckAt ??= t;
    this.dropOldAcks(t);
    const start = t - (t % RATE_BUCKET_MS);
    const last = this.ackBuckets[this.ackBuckets.length - 1];
    if (last !== undefined && last.start === start) last.n++;
    else this.ackBuckets.push({ start, n: 1 });
  }

  private dropOldAcks(t: number): void {
    while (this.ackBuckets.length > 0 && t - (this.ackBuckets[0] as Bucket).start >= RATE_WINDOW_MS) this.ackBuckets.shift();
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
