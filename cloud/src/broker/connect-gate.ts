/**
 * Load shedding at the broker's door: a token bucket on accepted connections and a bound on
 * handshakes in progress. After a cloud restart every gateway comes back at once; each TLS
 * handshake costs the broker an ECDSA signature and a certificate check, so a storm of them would
 * starve the ingest of CPU. Beyond the rate, a connection first waits in a bounded queue (nothing
 * is read from it, no handshake started) and is admitted in arrival order as room frees; when the
 * queue is full, or it waited longer than `maxWaitMs`, it is refused: the gateway retries after its
 * jittered backoff and nothing is lost — its readings wait in its store. A gateway that waited is
 * served without backing off (a refused one waits 10–30 s, then doubles its delay up to 30 s: gateway
 * `reconnectDelay`; docs/region.md, « The reconnect storm »). With `minQueued` the queue is sized
 * by the admissions of the last 10 s (queueBound), so a connection is held only if it can be
 * admitted before its wait is over. A third bound, `room`, says whether the cloud has room for another
 * gateway's backlog (UplinkCredit: the uplinks in flight to the store); while it says no, new
 * connections wait or are refused like the others. Pure: the clock and the room are injected.
 */
import { BROKER_CONNECT_HOLD_MS } from '@telecart/protocol';

export interface ConnectRateOptions {
  /** Connections accepted per second, sustained. */
  perSecond: number;
  /** Connections accepted at once after a quiet period. */
  burst: number;
  /**
   * Accepted connections still in their TLS handshake at most. A fixed rate cannot know how fast
   * this machine handshakes right now (a busy host does it 10× slower); this bound can: beyond it
   * new connections wait (maxQueued) or are shed instead of queueing in the TLS layer until they
   * all time out and retry together.
   */
  maxPending?: number;
  /**
   * Connections held unread while the rate or maxPending says no, at most (what bounds the held
   * sockets' memory). Default 0: refused at once. With `minQueued`, the bound follows the admissions.
   */
  maxQueued?: number;
  /**
   * Size the queue by the measured admission rate: the connections admitted per second over the
   * last RATE_WINDOW_MS × maxWaitMs (what can be admitted before a newcomer's wait is over), within
   * [minQueued, maxQueued]. Beyond it a newcomer would only wait to be refused: it is refused at
   * once and starts its backoff. Unset: the queue is maxQueued, fixed.
   */
  minQueued?: number;
  /**
   * A held connection not admitted within this is refused. Keep it under the clients' connect
   * timeout (the gateway's: protocol GATEWAY_CONNECT_TIMEOUT_MS): past it the client has given up anyway.
   * Default 5,000 ms.
   */
  maxWaitMs?: number;
}

/**
 * 10,000 gateways back within ~15 s when the host keeps up; never more than 64 handshakes under
 * way when it does not, and the connections that can be admitted within 25 s (protocol
 * BROKER_CONNECT_HOLD_MS, under the gateway's 30 s connect timeout) waiting their turn rather than
 * refused: 2,000 to 10,000 of them, by the admission rate of the last 10 s (docs/region.md, « Fewer
 * refusals »: a fixed 2,000 held 5 s refused most of a 10,000 storm at ~100 admissions a second).
 */
export const DEFAULT_CONNECT_RATE: ConnectRateOptions = {
  perSecond: 800,
  burst: 400,
  maxPending: 64,
  maxQueued: 10_000,
  minQueued: 2000,
  maxWaitMs: BROKER_CONNECT_HOLD_MS,
};

/** The window of admissions whose rate sizes the queue (minQueued): ten seconds, counted by second. */
export const ADMISSION_WINDOW_MS = 10_000;
const BUCKET_MS = 1000;

/** The queue's bound for an admission rate (per second): rate × maxWaitMs, within [minQueued, maxQueued]. */
export function queueBound(admittedPerS: number, o: { minQueued: number; maxQueued: number; maxWaitMs: number }): number {
  const want = Math.floor((Math.max(0, admittedPerS) * o.maxWaitMs) / 1000);
  return Math.max(0, Math.min(o.maxQueued, Math.max(o.minQueued, want)));
}

export type GateVerdict = 'admitted' | 'queued' | 'shed';

interface Waiting<T> {
  item: T;
  since: number;
}

export class ConnectGate<T = unknown> {
  private tokens: number;
  private last: number;
  private shed = 0;
  private pending = 0;
  /** Held connections, oldest first (`head` is the first still waiting). */
  private waiting: Waiting<T>[] = [];
  private head = 0;
  private readonly maxQueued: number;
  private readonly minQueued: number | undefined;
  private readonly maxWaitMs: number;
  /** Admissions by second (start of the second, count), the last ADMISSION_WINDOW_MS of them. */
  private admissions: { start: number; n: number }[] = [];

  constructor(
    private readonly o: ConnectRateOptions,
    private readonly now: () => number = Date.now,
    /** Whether the cloud takes another gateway's backlog now (default: always). Asked before the rate. */
    private readonly room: () => boolean = () => true,
  ) {
    if (!(o.perSecond > 0) || !(o.burst >= 1)) throw new Error(`connect rate needs perSecond > 0 and burst ≥ 1 (got ${JSON.stringify(o)})`);
    if (o.maxQueued !== undefined && !(o.maxQueued >= 0)) throw new Error(`connect rate needs maxQueued ≥ 0 (got ${JSON.stringify(o)})`);
    if (o.maxWaitMs !== undefined && !(o.maxWaitMs > 0)) throw new Error(`connect rate needs maxWaitMs > 0 (got ${JSON.stringify(o)})`);
    if (o.minQueued !== undefined && !(o.minQueued >= 0 && o.minQueued <= (o.maxQueued ?? 0)))
      throw new Error(`connect rate needs 0 ≤ minQueued ≤ maxQueued (got ${JSON.stringify(o)})`);
    this.tokens = o.burst;
    this.last = now();
    this.maxQueued = Math.floor(o.maxQueued ?? 0);
    this.minQueued = o.minQueued === undefined ? undefined : Math.floor(o.minQueued);
    this.maxWaitMs = o.maxWaitMs ?? 5000;
  }

  /** Connections admitted per second over the last ADMISSION_WINDOW_MS. */
  admissionRate(): number {
    this.expireAdmissions(this.now());
    let n = 0;
    for (const b of this.admissions) n += b.n;
    return (n * 1000) / ADMISSION_WINDOW_MS;
  }

  /** How many connections may wait now: maxQueued, or with minQueued the admission rate × maxWaitMs (queueBound). */
  queueLimit(): number {
    if (this.minQueued === undefined) return this.maxQueued;
    return queueBound(this.admissionRate(), { minQueued: this.minQueued, maxQueued: this.maxQueued, maxWaitMs: this.maxWaitMs });
  }

  private expireAdmissions(t: number): void {
    let drop = 0;
    while (drop < this.admissions.length && (this.admissions[drop] as { start: number }).start <= t - ADMISSION_WINDOW_MS) drop++;
    if (drop > 0) this.admissions.splice(0, drop);
  }

  private countAdmission(t: number): void {
    const start = t - (t % BUCKET_MS);
    const last = this.admissions[this.admissions.length - 1];
    if (last !== undefined && last.start === start) last.n++;
    else this.admissions.push({ start, n: 1 });
    this.expireAdmissions(t);
  }

  /** Takes a slot and a token when both are free and the cloud has room. */
  private take(): boolean {
    if (this.o.maxPending !== undefined && this.pending >= this.o.maxPending) return false;
    if (!this.room()) return false;
    const t = this.now();
    this.tokens = Math.min(this.o.burst, this.tokens + (Math.max(0, t - this.last) * this.o.perSecond) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.pending++;
    if (this.minQueued !== undefined) this.countAdmission(t);
    return true;
  }

  /** True: accept this connection (pending until settled()). False: shed it (counted). No queue. */
  admit(): boolean {
    if (this.take()) return true;
    this.shed++;
    return false;
  }

  /**
   * A new connection: admitted now (pending until settled()), queued (admitted later by release(),
   * or refused by it after maxWaitMs), or shed (counted). Nobody overtakes a waiting connection.
   */
  offer(item: T): GateVerdict {
    if (this.queued() === 0 && this.take()) return 'admitted';
    if (this.queued() < this.queueLimit()) {
      this.waiting.push({ item, since: this.now() });
      return 'queued';
    }
    this.shed++;
    return 'shed';
  }

  /**
   * The waiting connections whose time is up (to refuse: counted as shed) and, oldest first, those
   * the rate and the pending bound admit now (pending until settled()). Call after settled() and
   * on a timer while connections wait.
   */
  release(): { admitted: T[]; expired: T[] } {
    const admitted: T[] = [];
    const expired: T[] = [];
    const t = this.now();
    while (this.head < this.waiting.length) {
      const w = this.waiting[this.head] as Waiting<T>;
      if (t - w.since > this.maxWaitMs) {
        expired.push(w.item);
        this.shed++;
      } else if (this.take()) admitted.push(w.item);
      else break;
      this.head++;
    }
    this.compact();
    return { admitted, expired };
  }

  /** A waiting connection closed by its peer: it leaves the queue (true if it was there). */
  withdraw(item: T): boolean {
    const i = this.waiting.findIndex((w, k) => k >= this.head && w.item === item);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** Connections waiting now. */
  queued(): number {
    return this.waiting.length - this.head;
  }

  /** Milliseconds until the oldest waiting connection's time is up (null: nobody waits). */
  nextExpiryMs(): number | null {
    const w = this.waiting[this.head];
    return w === undefined ? null : Math.max(0, w.since + this.maxWaitMs - this.now());
  }

  /** An admitted connection finished its handshake, or closed before. */
  settled(): void {
    if (this.pending > 0) this.pending--;
  }

  /** Connections refused so far. */
  shedCount(): number {
    return this.shed;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }
}
