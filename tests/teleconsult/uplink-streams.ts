/**
 * What the specialist's page receives of each of the cart's streams over a window, from getStats: the
 * cart's voice (the conversation peer's audio) and the stethoscope (the gateway peer's audio) as the
 * share of concealed samples and the energy received, the PTZ video (the gateway peer's) and the room
 * camera (the conversation peer's video) as frames decoded and bytes, and the ECG chunks drawn. Used
 * by the uplink budget's shaped test and its bench (docs/conversation.md, « Bandwidth »).
 */
import type { Page } from 'playwright-core';
import { ecgState } from './page-media.js';

export interface AudioCounters {
  samples: number;
  concealed: number;
  energy: number;
  bytes: number;
  packets: number;
  lost: number;
}

export interface VideoCounters {
  frames: number;
  bytes: number;
}

export interface StreamCounters {
  at: number;
  /** Which peer connections were read (their place in the page's list) and their state: a replaced one shows. */
  peers: string;
  voice: AudioCounters;
  steth: AudioCounters;
  ptz: VideoCounters;
  room: VideoCounters;
  ecg: number;
  /** The ECG channel's message bytes (without SCTP and DTLS). */
  ecgBytes: number;
}

/** The specialist page's counters now: the gateway's peer is the one that sends none of the page's tracks. */
export async function streamCounters(page: Page): Promise<StreamCounters> {
  const media = await page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed');
    const gateway = pcs.findLast((p) => p.getSenders().every((s) => s.track === null));
    const convo = pcs.findLast(
      (p) => p.getSenders().some((s) => s.track !== null) && p.getTransceivers().filter((t) => t.direction === 'recvonly').length < 4,
    );
    const zeroA = () => ({ samples: 0, concealed: 0, energy: 0, bytes: 0, packets: 0, lost: 0 });
    const zeroV = () => ({ frames: 0, bytes: 0 });
    const all = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const peer = (p: RTCPeerConnection | undefined) => (p ? `#${all.indexOf(p)} ${p.connectionState}` : 'none');
    const peers = `gateway ${peer(gateway)}, conversation ${peer(convo)}`;
    const out = { at: Date.now(), peers, voice: zeroA(), steth: zeroA(), ptz: zeroV(), room: zeroV(), ecgBytes: 0 };
    (await gateway?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'data-channel' && s.label === 'ecg') out.ecgBytes += Number(s.bytesReceived ?? 0);
    });
    for (const [pc, audio, video] of [
      [gateway, out.steth, out.ptz],
      [convo, out.voice, out.room],
    ] as const) {
      (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp') return;
        const bytes = Number(s.bytesReceived ?? 0) + Number(s.headerBytesReceived ?? 0);
        if (s.kind === 'audio') {
          audio.samples += Number(s.totalSamplesReceived ?? 0);
          audio.concealed += Number(s.concealedSamples ?? 0);
          audio.energy += Number(s.totalAudioEnergy ?? 0);
          audio.bytes += bytes;
          audio.packets += Number(s.packetsReceived ?? 0);
          audio.lost += Number(s.packetsLost ?? 0);
        } else {
          video.frames += Number(s.framesDecoded ?? 0);
          video.bytes += bytes;
        }
      });
    }
    return out;
  });
  return { ...media, ecg: (await ecgState(page)).chunks };
}

export interface AudioWindow {
  /** Concealed samples / samples received over the window (0: every sample arrived). */
  concealment: number;
  /** Packets lost / packets expected over the window. */
  loss: number;
  energy: number;
  kbps: number;
}

export interface VideoWindow {
  frames: number;
  kbps: number;
}

export interface StreamWindow {
  seconds: number;
  /** The peers read at the start and at the end of the window (the figures are void when they differ). */
  peers: string;
  voice: AudioWindow;
  steth: AudioWindow;
  ptz: VideoWindow;
  room: VideoWindow;
  ecgChunks: number;
  ecgKbps: number;
}

/** The difference between two readings, per stream. */
export function streamWindow(a: StreamCounters, b: StreamCounters): StreamWindow {
  const seconds = (b.at - a.at) / 1000;
  const kbps = (bytes: number) => Math.round((bytes * 8) / 1000 / seconds);
  const audio = (x: AudioCounters, y: AudioCounters): AudioWindow => {
    const samples = y.samples - x.samples;
    const lost = y.lost - x.lost;
    const expected = y.packets - x.packets + lost;
    return {
      concealment: samples > 0 ? (y.concealed - x.concealed) / samples : 1,
      loss: expected > 0 ? lost / expected : 0,
      energy: y.energy - x.energy,
      kbps: kbps(y.bytes - x.bytes),
    };
  };
  const video = (x: VideoCounters, y: VideoCounters): VideoWindow => ({ frames: y.frames - x.frames, kbps: kbps(y.bytes - x.bytes) });
  return {
    seconds,
    peers: a.peers === b.peers ? b.peers : `${a.peers} → ${b.peers}`,
    voice: audio(a.voice, b.voice),
    steth: audio(a.steth, b.steth),
    ptz: video(a.ptz, b.ptz),
    room: video(a.room, b.room),
    ecgChunks: b.ecg - a.ecg,
    ecgKbps: kbps(b.ecgBytes - a.ecgBytes),
  };
}

/** One line for the report: `figures <label>: …`. */
export function windowLine(label: string, w: StreamWindow, load: string): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return (
    `figures ${label}: ${w.seconds.toFixed(1)} s, load ${load}; ` +
    `voice concealed ${pct(w.voice.concealment)} (lost ${pct(w.voice.loss)}, ${w.voice.kbps} kbit/s, energy ${w.voice.energy.toFixed(3)}); ` +
    `stethoscope concealed ${pct(w.steth.concealment)} (lost ${pct(w.steth.loss)}, ${w.steth.kbps} kbit/s, energy ${w.steth.energy.toFixed(3)}); ` +
    `ECG ${w.ecgChunks} chunks (${(w.ecgChunks / w.seconds).toFixed(1)}/s, ${w.ecgKbps} kbit/s); ` +
    `PTZ ${w.ptz.frames} frames, ${w.ptz.kbps} kbit/s; room camera ${w.room.frames} frames, ${w.room.kbps} kbit/s; ${w.peers}`
  );
}
