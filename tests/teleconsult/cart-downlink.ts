/**
 * The cart's downlink in a four-party act (docs/conversation.md « The cart's downlink »): what the cart's page
 * receives per stream (the specialist on the direct peer, each guest through the room), read from getStats, and
 * the sockets that make the cart's side of its paths on `lo` (for shapeLoopbackDownlink): the nurse page's side
 * of its direct pair, the gateway's werift socket, and the unit's socket of the cart's room peer.
 */
import type { Page } from 'playwright-core';
import type { MemberStats } from '../../cloud/src/media/forwarding-unit/forwarding-room.js';

/** One received stream's counters (cumulative, getStats). */
export interface Received {
  frames: number;
  energy: number;
  samples: number;
  concealed: number;
  bytes: number;
  packets: number;
}

/** One peer connection's transport, everything that arrived on its selected pair (RTP, RTCP, STUN, DTLS and SCTP). */
export interface TransportIn {
  bytes: number;
  packets: number;
}

/** What the cart's page receives: the direct peer (the specialist) and the room peer per m-line, with their states. */
export interface CartReceived {
  at: number;
  direct: { state: string; audio: Received; video: Received; transport: TransportIn };
  room: { state: string; byMid: Record<string, Received>; transport: TransportIn };
}

export function cartReceived(nurse: Page): Promise<CartReceived> {
  return nurse.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const slots = (p: RTCPeerConnection) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length;
    const live = pcs.filter((p) => p.connectionState !== 'closed');
    const direct = live.findLast((p) => p.getSenders().some((s) => s.track !== null) && slots(p) < 4);
    const room = live.findLast((p) => slots(p) >= 4);
    const zero = () => ({ frames: 0, energy: 0, samples: 0, concealed: 0, bytes: 0, packets: 0 });
    const read = (s: Record<string, unknown>) => ({
      frames: Number(s.framesDecoded ?? 0),
      energy: Number(s.totalAudioEnergy ?? 0),
      samples: Number(s.totalSamplesReceived ?? 0),
      concealed: Number(s.concealedSamples ?? 0),
      bytes: Number(s.bytesReceived ?? 0) + Number(s.headerBytesReceived ?? 0),
      packets: Number(s.packetsReceived ?? 0),
    });
    const transport = (s: Record<string, unknown>) => ({ bytes: Number(s.bytesReceived ?? 0), packets: Number(s.packetsReceived ?? 0) });
    const out = {
      at: 0,
      direct: { state: direct?.connectionState ?? 'none', audio: zero(), video: zero(), transport: { bytes: 0, packets: 0 } },
      room: {
        state: room?.connectionState ?? 'none',
        byMid: {} as Record<string, ReturnType<typeof zero>>,
        transport: { bytes: 0, packets: 0 },
      },
    };
    (await direct?.getStats())?.forEach((s: Record<string, unknown>) => {
      out.at = Math.max(out.at, Number(s.timestamp ?? 0));
      if (s.type === 'inbound-rtp') out.direct[s.kind === 'video' ? 'video' : 'audio'] = read(s);
      if (s.type === 'transport') out.direct.transport = transport(s);
    });
    (await room?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && typeof s.mid === 'string') out.room.byMid[s.mid] = read(s);
      if (s.type === 'transport') out.room.transport = transport(s);
    });
    return out;
  });
}

/**
 * The local ports of the selected pairs of the nurse page's direct and room peers (the cart's own sockets: what is
 * sent to them is the cart's downlink), and the remote (unit's) port of its room peer.
 */
export function nursePorts(nurse: Page): Promise<{ direct: number; room: number; unit: number }> {
  return nurse.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const slots = (p: RTCPeerConnection) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length;
    const live = pcs.filter((p) => p.connectionState !== 'closed');
    const direct = live.findLast((p) => p.getSenders().some((s) => s.track !== null) && slots(p) < 4);
    const room = live.findLast((p) => slots(p) >= 4);
    const port = async (pc: RTCPeerConnection | undefined, side: 'local' | 'remote') => {
      const stats = await pc?.getStats();
      let out = 0;
      stats?.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') return;
        const pair = stats.get(s.selectedCandidatePairId) as { localCandidateId?: string; remoteCandidateId?: string } | undefined;
        const id = side === 'local' ? pair?.localCandidateId : pair?.remoteCandidateId;
        out = Number((id ? (stats.get(id) as { port?: number } | undefined) : undefined)?.port ?? 0);
      });
      return out;
    };
    return { direct: await port(direct, 'local'), room: await port(room, 'local'), unit: await port(room, 'remote') };
  });
}

/** The gateway's side of the specialist page's peer with it (the one that sends none of the page's tracks), and its state. */
export function gatewayPeer(
  specialist: Page,
): Promise<{ port: number; state: string; ptzFrames: number; sentBytes: number; sentPackets: number }> {
  return specialist.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const g = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().every((s) => s.track === null));
    const out = { port: 0, state: g?.connectionState ?? 'none', ptzFrames: 0, sentBytes: 0, sentPackets: 0 };
    const stats = await g?.getStats();
    stats?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.ptzFrames += Number(s.framesDecoded ?? 0);
      // Everything this page sends the gateway (receiver reports, NACK and PLI, SCTP acknowledgements, STUN): the cart's downlink.
      if (s.type === 'transport') {
        out.sentBytes += Number(s.bytesSent ?? 0);
        out.sentPackets += Number(s.packetsSent ?? 0);
      }
      if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') return;
      const pair = stats.get(s.selectedCandidatePairId) as { remoteCandidateId?: string } | undefined;
      out.port = Number(
        (pair?.remoteCandidateId ? (stats.get(pair.remoteCandidateId) as { port?: number } | undefined) : undefined)?.port ?? 0,
      );
    });
    return out;
  });
}

/** Per stream over a window: concealed share of the samples, energy, frames decoded, kbit/s received. */
export function streamFigures(a: Received | undefined, b: Received | undefined, ms: number): string {
  const d = (k: keyof Received) => (b?.[k] ?? 0) - (a?.[k] ?? 0);
  const samples = d('samples');
  const audio = samples > 0 ? `concealed ${((100 * d('concealed')) / samples).toFixed(1)} %, energy ${d('energy').toFixed(3)}` : '';
  const video = d('frames') > 0 || samples === 0 ? `${d('frames')} frames` : '';
  return [audio, video, `${((d('bytes') * 8) / ms).toFixed(0)} kbit/s`, `${((1000 * d('packets')) / ms).toFixed(1)} pkt/s`]
    .filter(Boolean)
    .join(', ');
}

/**
 * A transport's arrivals over a window beside its RTP's: kbit/s and packets/s in all, and what is not RTP (RTCP, STUN,
 * DTLS). Bytes as the transport counts them (UDP payload): tbf also counts 42 bytes a packet of UDP, IP and link headers.
 */
export function transportFigures(a: TransportIn, b: TransportIn, rtp: { bytes: number; packets: number }, ms: number): string {
  const bytes = b.bytes - a.bytes;
  const packets = b.packets - a.packets;
  const rate = (x: number) => ((x * 8) / ms).toFixed(0);
  const pps = (x: number) => ((1000 * x) / ms).toFixed(1);
  return `${rate(bytes)} kbit/s, ${pps(packets)} pkt/s (not RTP: ${rate(bytes - rtp.bytes)} kbit/s, ${pps(packets - rtp.packets)} pkt/s; with headers ${rate(bytes + 42 * packets)} kbit/s)`;
}

/** The RTP bytes and packets of some received streams over a window. */
export function rtpOver(pairs: [Received | undefined, Received | undefined][]): { bytes: number; packets: number } {
  let bytes = 0;
  let packets = 0;
  for (const [a, b] of pairs) {
    bytes += (b?.bytes ?? 0) - (a?.bytes ?? 0);
    packets += (b?.packets ?? 0) - (a?.packets ?? 0);
  }
  return { bytes, packets };
}

/** The concealed share (0..1) of a stream's samples over a window (1 when none arrived). */
export function concealedShare(a: Received | undefined, b: Received | undefined): number {
  const samples = (b?.samples ?? 0) - (a?.samples ?? 0);
  return samples > 0 ? ((b?.concealed ?? 0) - (a?.concealed ?? 0)) / samples : 1;
}

/** The specialist's voice sent toward the cart on their direct peer: packets and bytes (outbound-rtp, cumulative). */
export function specialistVoiceSent(specialist: Page): Promise<{ packets: number; bytes: number }> {
  return specialist.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const slots = (p: RTCPeerConnection) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length;
    const direct = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().some((s) => s.track !== null) && slots(p) < 4);
    const out = { packets: 0, bytes: 0 };
    (await direct?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'audio') return;
      out.packets += Number(s.packetsSent ?? 0);
      out.bytes += Number(s.bytesSent ?? 0) + Number(s.headerBytesSent ?? 0);
    });
    return out;
  });
}

/** What the unit sent one viewer (`room.stats().members[viewer]`), the parts the window reads. */
export type UnitSentTo = Pick<MemberStats, 'sent' | 'probes'>;

/**
 * What the unit sent a viewer over a window, per slot (media, sent again on a NACK, NACKed and refused) and in all
 * (its transport, RTCP, the probes of held-back videos); kbit/s of SRTP/SRTCP as they leave the socket (tbf counts
 * 42 bytes more a packet) and packets/s.
 */
export function unitSentFigures(a: UnitSentTo | undefined, b: UnitSentTo | undefined, ms: number): string {
  if (!b) return 'no stats';
  const rate = (bytes: number, packets: number) => `${((bytes * 8) / ms).toFixed(0)} kbit/s ${((1000 * packets) / ms).toFixed(1)} pkt/s`;
  const slots = b.sent.slotsBy
    .filter((s) => s.source !== null)
    .map((s) => {
      const o = a?.sent.slotsBy.find((x) => x.mid === s.mid);
      const media = rate(s.media.bytes - (o?.media.bytes ?? 0), s.media.packets - (o?.media.packets ?? 0));
      const again = rate(s.retransmitted.bytes - (o?.retransmitted.bytes ?? 0), s.retransmitted.packets - (o?.retransmitted.packets ?? 0));
      return `${s.source} ${s.kind}${s.held ? ' (held)' : ''}: media ${media}, sent again ${again}, NACKed ${s.nacked - (o?.nacked ?? 0)}, refused ${s.refused - (o?.refused ?? 0)}`;
    });
  const t = rate(b.sent.transport.bytes - (a?.sent.transport.bytes ?? 0), b.sent.transport.packets - (a?.sent.transport.packets ?? 0));
  const rtcp = rate(b.sent.rtcp.bytes - (a?.sent.rtcp.bytes ?? 0), b.sent.rtcp.packets - (a?.sent.rtcp.packets ?? 0));
  const probes =
    `${b.probes.started - (a?.probes.started ?? 0)} probes, ${rate(b.probes.mediaBytes - (a?.probes.mediaBytes ?? 0), b.probes.mediaPackets - (a?.probes.mediaPackets ?? 0))} of probe media` +
    `, ${b.probes.directGranted - (a?.probes.directGranted ?? 0)} direct probes granted (the direct video ${b.probes.direct} at the end)`;
  return `${slots.join('; ')}; in all ${t}, of it RTCP ${rtcp}; ${probes}`;
}
