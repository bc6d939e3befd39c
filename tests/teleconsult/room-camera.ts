/**
 * The room camera (the cart page's conversation video) at both ends, for the uplink budget's shaped test: what the
 * cart page's encoder made and its sender sent, what the specialist's page received and decoded, from each page's
 * getStats; and a trace of them second by second over a window, said when a count moved.
 *
 * The two ends differ by what the link lost: at the step to `room-paused` the last seconds of frames the cart page sent
 * are lost in the full queue, and Chromium keeps their packets in its send history, which it sends again as padding
 * (RTX) and on NACKs long after the encoder stopped: the specialist then decodes frames encoded before the pause
 * (docs/conversation.md « The room camera's late frames »).
 */
import type { Page } from 'playwright-core';

export interface RoomSender {
  ssrc: number;
  /** The encoding's `active`, as the page set it (null: no video sender). */
  active: boolean | null;
  encoded: number;
  sent: number;
  packets: number;
  /** Packets sent again on a NACK (padding from the history is not counted here). */
  retransmitted: number;
  nacks: number;
  plis: number;
}

export interface RoomReceiver {
  ssrc: number;
  decoded: number;
  received: number;
  packets: number;
  /** RTX packets received: retransmissions and the sender's padding from its history. */
  retransmitted: number;
  nacks: number;
  plis: number;
}

export interface RoomEnds {
  cart: RoomSender;
  specialist: RoomReceiver;
}

/** The cart page's room camera sender (its last conversation peer with a track, as the test's other counts). */
function sender(page: Page): Promise<RoomSender> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed');
    const pc = pcs.findLast((p) => p.getSenders().some((s) => s.track !== null));
    const video = pc?.getSenders().find((s) => s.track?.kind === 'video');
    const out = {
      ssrc: 0,
      active: video?.getParameters().encodings?.[0]?.active ?? null,
      encoded: 0,
      sent: 0,
      packets: 0,
      retransmitted: 0,
      nacks: 0,
      plis: 0,
    };
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      out.ssrc = Number(s.ssrc ?? 0);
      out.encoded = Number(s.framesEncoded ?? 0);
      out.sent = Number(s.framesSent ?? 0);
      out.packets = Number(s.packetsSent ?? 0);
      out.retransmitted = Number(s.retransmittedPacketsSent ?? 0);
      out.nacks = Number(s.nackCount ?? 0);
      out.plis = Number(s.pliCount ?? 0);
    });
    return out;
  });
}

/** The specialist page's receiver of the room camera (its conversation peer, as streamCounters picks it). */
function receiver(page: Page): Promise<RoomReceiver> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed');
    const pc = pcs.findLast(
      (p) => p.getSenders().some((s) => s.track !== null) && p.getTransceivers().filter((t) => t.direction === 'recvonly').length < 4,
    );
    const out = { ssrc: 0, decoded: 0, received: 0, packets: 0, retransmitted: 0, nacks: 0, plis: 0 };
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      out.ssrc = Number(s.ssrc ?? 0);
      out.decoded = Number(s.framesDecoded ?? 0);
      out.received = Number(s.framesReceived ?? 0);
      out.packets = Number(s.packetsReceived ?? 0);
      out.retransmitted = Number(s.retransmittedPacketsReceived ?? 0);
      out.nacks = Number(s.nackCount ?? 0);
      out.plis = Number(s.pliCount ?? 0);
    });
    return out;
  });
}

/** Both ends now. */
export async function roomEnds(nurse: Page, specialist: Page): Promise<RoomEnds> {
  const [cart, s] = await Promise.all([sender(nurse), receiver(specialist)]);
  return { cart, specialist: s };
}

interface RoomSample extends RoomEnds {
  /** ms since the trace began. */
  t: number;
  /** The budget's plan at the gateway, e.g. `lean-audio`, `lean-audio probe`. */
  level: string;
}

/**
 * Samples both ends about every `everyMs` from now until `stop()` (which waits for the sample under way); a page
 * closed meanwhile ends it with the samples so far.
 */
export function traceRoom(nurse: Page, specialist: Page, level: () => string, everyMs = 1000): { stop(): Promise<string> } {
  const start = Date.now();
  const samples: RoomSample[] = [];
  let stopped = false;
  const run = (async () => {
    while (!stopped) {
      const t = Date.now() - start;
      samples.push({ t, ...(await roomEnds(nurse, specialist)), level: level() });
      if (!stopped) await new Promise((r) => setTimeout(r, everyMs));
    }
  })().catch(() => undefined /* a page closed: the samples so far */);
  return {
    async stop() {
      stopped = true;
      await run;
      return traceLine(samples);
    },
  };
}

/** The first sample whole, then each sample's changes of the counts that say frames, feedback or a state (not packets). */
function traceLine(samples: readonly RoomSample[]): string {
  const parts: string[] = [];
  let prev: RoomSample | undefined;
  for (const s of samples) {
    const diff = (side: 'cart' | 'specialist') =>
      Object.entries(s[side])
        .filter(([k, v]) => prev === undefined || (k !== 'packets' && (prev[side] as unknown as Record<string, unknown>)[k] !== v))
        .map(([k, v]) => `${k} ${v}`)
        .join(' ');
    const [c, p] = [diff('cart'), diff('specialist')];
    const l = prev === undefined || prev.level !== s.level ? s.level : '';
    if (prev === undefined || c || p || l)
      parts.push(`${(s.t / 1000).toFixed(1)} s${l ? ` ${l}` : ''}${c ? `; cart ${c}` : ''}${p ? `; specialist ${p}` : ''}`);
    prev = s;
  }
  const last = samples.at(-1);
  if (last && last !== samples[0])
    parts.push(`end ${(last.t / 1000).toFixed(1)} s, packets: cart ${last.cart.packets}, specialist ${last.specialist.packets}`);
  return parts.join(' | ');
}
