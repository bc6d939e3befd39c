/**
 * Reconnecting after a loss (a cloud restart, a dropped socket, a peer connection with the forwarding
 * unit that failed; docs/conversation.md « Across a cloud restart »): the delays between attempts,
 * and a watch on a peer connection's state that asks for a fresh offer when it fails or stays
 * disconnected. The pages (guest, home patient, specialist, cart) use them the same way.
 */

/** Delays between attempts: `firstMs` doubling up to `maxMs`, ±20 % so that pages cut off together do not all come back at once. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly o: { firstMs?: number; maxMs?: number; random?: () => number } = {}) {}

  /** The delay before the next attempt (each call counts one). */
  next(): number {
    const first = this.o.firstMs ?? 500;
    const base = Math.min(this.o.maxMs ?? 8000, first * 2 ** this.attempt);
    this.attempt++;
    return Math.round(base * (0.8 + 0.4 * (this.o.random ?? Math.random)()));
  }

  /** It worked: the next loss starts from the first delay again. */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Watches a peer connection with the unit: `again` (a new peer connection, a new offer) after a
 * backoff once it `failed`, or once it stayed `disconnected` for `disconnectedMs` (a short
 * disconnection recovers by itself: on a loaded host the unit's answers to the consent checks come
 * late, and a new offer would only start over); `lost` says whether the page should show it as lost
 * meanwhile. After a cloud restart the page is usually told to offer again first (`unit-ready`, the
 * cart's `ready`); this is for a peer that fails without its signaling being lost.
 */
export class PeerWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Backoff();

  constructor(
    private readonly again: () => void,
    private readonly disconnectedMs = 15_000,
  ) {}

  /** The peer connection's new state; true when it is lost (failed or disconnected) and a retry is armed. */
  state(s: RTCPeerConnectionState): boolean {
    clearTimeout(this.timer);
    if (s === 'connected') this.backoff.reset();
    if (s !== 'failed' && s !== 'disconnected') return false;
    const delay = this.backoff.next();
    this.timer = setTimeout(this.again, s === 'failed' ? delay : Math.max(delay, this.disconnectedMs));
    return true;
  }

  /** No more retries (the act ended, the page left the room, a new peer connection replaced this one). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
