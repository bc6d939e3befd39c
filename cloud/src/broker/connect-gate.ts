/**
 * Load shedding at the broker's door: a token bucket on accepted connections. After a cloud
 * restart every gateway comes back at once; each TLS handshake costs the broker an ECDSA
 * signature and a certificate check, so a storm of them would starve the ingest of CPU. Beyond the
 * rate the socket is refused at once (before any handshake): the gateway retries after its
 * jittered backoff and nothing is lost — its readings wait in its store. Pure: the clock is injected.
 */
export interface ConnectRateOptions {
  /** Connections accepted per second, sustained. */
  perSecond: number;
  /** Connections accepted at once after a quiet period. */
  burst: number;
  /**
   * Accepted connections still in their TLS handshake at most. A fixed rate cannot know how fast
   * this machine handshakes right now (a busy host does it 10× slower); this bound can: beyond it
   * new connections are shed instead of queueing until they all time out and retry together.
   */
  maxPending?: number;
}

/** 10,000 gateways back within ~15 s when the host keeps up; never more than 64 handshakes queued when it does not. */
export const DEFAULT_CONNECT_RATE: ConnectRateOptions = { perSecond: 800, burst: 400, maxPending: 64 };

export class ConnectGate {
  private tokens: number;
  private last: number;
  private shed = 0;

  constructor(
    private readonly o: ConnectRateOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(o.perSecond > 0) || !(o.burst >= 1)) throw new Error(`connect rate needs perSecond > 0 and burst ≥ 1 (got ${JSON.stringify(o)})`);
    this.tokens = o.burst;
    this.last = now();
  }

  private pending = 0;

  /** True: accept this connection (pending until settled()). False: shed it (counted). */
  admit(): boolean {
    if (this.o.maxPending !== undefined && this.pending >= this.o.maxPending) {
      this.shed++;
      return false;
    }
    const t = this.now();
    this.tokens = Math.min(this.o.burst, this.tokens + (Math.max(0, t - this.last) * this.o.perSecond) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.pending++;
      return true;
    }
    this.shed++;
    return false;
  }

  /** An admitted connection finished its handshake, or closed before. */
  settled(): void {
    if (this.pending > 0) this.pending--;
  }

  /** Connections refused so far. */
  shedCount(): number {
    return this.shed;
  }
}
