/**
 * The cart's downlink in a four-party act (docs/conversation.md « The cart's downlink »): what the cart's page
 * receives per stream (the specialist on the direct peer, each guest through the room), read from getStats, and
 * the sockets that make the cart's side of its paths on `lo` (for shapeLoopbackDownlink): the nurse page's side
 * of its direct pair, the gateway's werift socket, and the unit's socket of the cart's room peer.
 */
import type { Page } from 'playwright-core';

/** One received stream's counters (cumulative, getStats). */
export interface Received {
  frames: number;
  energy: number;
  samples: number;
  concealed: number;
  bytes: number;
}

/** What the cart's page receives: the direct peer (the specialist) and the room peer per m-line, with their states. */
export interface CartReceived {
  at: number;
  direct: { state: string; audio: Received; video: Received };
  room: { state: string; byMid: Record<string, Received> };
}

export function cartReceived(nurse: Page): Promise<CartReceived> {
  return nurse.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const slots = (p: RTCPeerConnection) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length;
    const live = pcs.filter((p) => p.connectionState !== 'closed');
    const direct = live.findLast((p) => p.getSenders().some((s) => s.track !== null) && slots(p) < 4);
    const room = live.findLast((p) => slots(p) >= 4);
    const zero = () => ({ frames: 0, energy: 0, samples: 0, concealed: 0, bytes: 0 });
    const read = (s: Record<string, unknown>) => ({
      frames: Number(s.framesDecoded ?? 0),
      energy: Number(s.totalAudioEnergy ?? 0),
      samples: Number(s.totalSamplesReceived ?? 0),
      concealed: Number(s.concealedSamples ?? 0),
      bytes: Number(s.bytesReceived ?? 0) + Number(s.headerBytesReceived ?? 0),
    });
    const out = {
      at: 0,
      direct: { state: direct?.connectionState ?? 'none', audio: zero(), video: zero() },
      room: { state: room?.connectionState ?? 'none', byMid: {} as Record<string, ReturnType<typeof zero>> },
    };
    (await direct?.getStats())?.forEach((s: Record<string, unknown>) => {
      out.at = Math.max(out.at, Number(s.timestamp ?? 0));
      if (s.type === 'inbound-rtp') out.direct[s.kind === 'video' ? 'video' : 'audio'] = read(s);
    });
    (await room?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && typeof s.mid === 'string') out.room.byMid[s.mid] = read(s);
    });
    return out;
  });
}

/** The local port of the selected pair of the nurse page's direct peer, and the remote (unit's) port of its room peer. */
export function nursePorts(nurse: Page): Promise<{ direct: number; unit: number }> {
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
    return { direct: await port(direct, 'local'), unit: await port(room, 'remote') };
  });
}

/** The gateway's side of the specialist page's peer with it (the one that sends none of the page's tracks), and its state. */
export function gatewayPeer(specialist: Page): Promise<{ port: number; state: string; ptzFrames: number }> {
  return specialist.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const g = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().every((s) => s.track === null));
    const out = { port: 0, state: g?.connectionState ?? 'none', ptzFrames: 0 };
    const stats = await g?.getStats();
    stats?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.ptzFrames += Number(s.framesDecoded ?? 0);
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
  return [audio, video, `${((d('bytes') * 8) / ms).toFixed(0)} kbit/s`].filter(Boolean).join(', ');
}

/** The concealed share (0..1) of a stream's samples over a window (1 when none arrived). */
export function concealedShare(a: Received | undefined, b: Received | undefined): number {
  const samples = (b?.samples ?? 0) - (a?.samples ?? 0);
  return samples > 0 ? ((b?.concealed ?? 0) - (a?.concealed ?? 0)) / samples : 1;
}
