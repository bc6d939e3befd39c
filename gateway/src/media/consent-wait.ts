/**
 * werift's ICE consent checks (RFC 7675) follow the round trip the media measure (docs/conversation.md
 * « One uplink budget »). werift sends a consent request every 4–6 s on the selected pair, once (no
 * retransmission), and counts it lost unless answered within 2 × the pair's round trip + 200 ms, 500 ms at
 * least; 30 s without an answer in time and the peer goes `failed`. The pair's round trip is the one of
 * the ICE check or the last consent answered — on loopback or a LAN a few ms — so on a cart's uplink whose
 * queue fills (tbf's 400 ms on a 100 kbit/s link) every answer came late, was counted lost, and the peer
 * failed 15–30 s in with the media still flowing. This hook raises the pair's round trip to the largest
 * the RTCP receiver reports measured over the last 10 s (never lowers it: werift's own measure stands
 * when longer), so the wait covers the queue the media see. Through werift's public typings
 * (`iceTransports[].connection.nominated.rtt`), no edit of werift.
 */

/** The part of werift's RTCPeerConnection read here. */
export interface ConsentPeer {
  readonly iceTransports: readonly { readonly connection: { nominated?: { rtt?: number } } }[];
}

/** RTCP round trips kept this long; the largest one sets the consent wait. */
const WINDOW_MS = 10_000;
/** Above this the consent wait (2 × RTT + 200 ms) would outlast werift's 4–6 s cadence. */
const MAX_RTT_MS = 2000;

export class ConsentWait {
  private samples: { at: number; rttMs: number }[] = [];

  /** A round trip the RTCP receiver reports measured (ms); returns the one the consent wait now follows (s), if any. */
  observe(peer: ConsentPeer, rttMs: number, now: number): number | null {
    if (!Number.isFinite(rttMs) || rttMs < 0) return null;
    this.samples = this.samples.filter((s) => now - s.at <= WINDOW_MS);
    this.samples.push({ at: now, rttMs: Math.min(rttMs, MAX_RTT_MS) });
    const seconds = Math.max(...this.samples.map((s) => s.rttMs)) / 1000;
    let raised: number | null = null;
    for (const t of peer.iceTransports) {
      const pair = t.connection.nominated;
      if (!pair || (pair.rtt !== undefined && pair.rtt >= seconds)) continue;
      pair.rtt = seconds;
      raised = seconds;
    }
    return raised;
  }
}
