/**
 * What the browser tests read of the consultation page's media: the RTCPeerConnections it makes
 * (captured by an init script: the page keeps them in a closure) and the messages its WebSockets receive, decoded frames and audio samples
 * from getStats, the ECG canvas state, the gst-launch children left in this process, and per m-line
 * what a page receives through the act's room on the forwarding unit (by the tile the unit labelled).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { waitFor } from '../support/wait.js';

/** Direct children of this process that are gst-launch-1.0 (the pipelines of the camera and the gateway). */
export function gstChildren(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.startsWith('gst-launch')) out.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/**
 * Init script: the page keeps its RTCPeerConnection in a closure; keep a reference for getStats,
 * and the remote candidates it is given.
 */
export function CAPTURE_PEER(): void {
  const w = window as unknown as { __pcs: RTCPeerConnection[]; __remote: string[]; RTCPeerConnection: typeof RTCPeerConnection };
  const Base = w.RTCPeerConnection;
  w.__pcs = [];
  w.__remote = [];
  w.RTCPeerConnection = class extends Base {
    constructor(config?: RTCConfiguration) {
      super(config);
      w.__pcs.push(this);
    }
    override addIceCandidate(c?: RTCIceCandidateInit | null): Promise<void> {
      if (c?.candidate) w.__remote.push(c.candidate);
      return super.addIceCandidate(c ?? undefined);
    }
  };
}

/** Init script: the messages the page's WebSockets receive, parsed, kept in `window.__wsIn`. */
export function CAPTURE_WS(): void {
  const w = window as unknown as { __wsIn: unknown[]; WebSocket: typeof WebSocket };
  const Base = w.WebSocket;
  w.__wsIn = [];
  w.WebSocket = class extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (e) => {
        try {
          w.__wsIn.push(JSON.parse(String(e.data)));
        } catch {
          /* not JSON */
        }
      });
    }
  };
}

export interface MediaStats {
  framesDecoded: number;
  videoCodec: string;
  audioSamples: number;
  state: string;
}

/** getStats of the page's peer connection with the gateway (captured by the init script below; the page keeps it in a closure). */
export function mediaStats(page: Page): Promise<MediaStats> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    // The gateway's peer: it sends nothing of the page's (the conversation's peer sends the camera and microphone).
    const pc = pcs.findLast((p) => p.getSenders().every((s) => s.track === null));
    const out = { framesDecoded: 0, videoCodec: '', audioSamples: 0, state: pc?.connectionState ?? 'none' };
    if (!pc) return out;
    const stats = await pc.getStats();
    const codecs = new Map<string, string>();
    stats.forEach((s: { type: string; id: string; mimeType?: string }) => {
      if (s.type === 'codec' && s.mimeType) codecs.set(s.id, s.mimeType);
    });
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.videoCodec = codecs.get(String(s.codecId)) ?? '';
      } else out.audioSamples += Number(s.totalSamplesReceived ?? 0);
    });
    return out;
  });
}

export async function grows(page: Page, key: 'framesDecoded' | 'audioSamples', what: string): Promise<void> {
  const before = (await mediaStats(page))[key];
  await waitFor(async () => (await mediaStats(page))[key] > before, { timeoutMs: 10_000, what: `${what} to grow past ${before}` });
}

export interface EcgState {
  chunks: number;
  first: number;
  last: number;
  skipped: number;
  dropped: number;
}

export async function ecgState(page: Page): Promise<EcgState> {
  return page.locator('#ecg').evaluate((el) => ({
    chunks: Number(el.getAttribute('data-chunks')),
    first: Number(el.getAttribute('data-first-seq') || -1),
    last: Number(el.getAttribute('data-last-seq') || -1),
    skipped: Number(el.getAttribute('data-skipped')),
    dropped: Number(el.getAttribute('data-dropped')),
  }));
}

// ── The page's peer connection with the act's room on the forwarding unit (guest-room and conversation tests) ──

/** Per m-line of the page's peer connection with the unit (the one with receive slots). */
export interface UnitStats {
  state: string;
  /** mid → frames decoded / audio energy and samples received. */
  inbound: Record<string, { framesDecoded: number; audioEnergy: number; audioSamples: number }>;
  /** Bytes sent (all outbound RTP), video frames encoded, and the stats' clock (ms). */
  bytesSent: number;
  framesEncoded: number;
  at: number;
  /** Bytes received (all inbound RTP, payload and headers). */
  bytesReceived: number;
  /** The unit's port on the pair in use (0: none yet). */
  unitPort: number;
}

export function unitStats(page: Page): Promise<UnitStats> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    // The unit's peer connection: the page's one with receive-only slots, three (six m-lines) on every
    // page (the home call's and the cart's conversation have none, the gateway's peer two at most).
    const pc = pcs.findLast((p) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length >= 4);
    const out: UnitStats = {
      state: pc?.connectionState ?? 'none',
      inbound: {},
      bytesSent: 0,
      framesEncoded: 0,
      at: 0,
      bytesReceived: 0,
      unitPort: 0,
    };
    if (!pc) return out;
    const stats = await pc.getStats();
    stats.forEach((s: Record<string, unknown>) => {
      out.at = Math.max(out.at, Number(s.timestamp ?? 0));
      if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
        const pair = stats.get(s.selectedCandidatePairId) as { remoteCandidateId?: string } | undefined;
        const remote = pair?.remoteCandidateId ? (stats.get(pair.remoteCandidateId) as { port?: number } | undefined) : undefined;
        out.unitPort = Number(remote?.port ?? 0);
      }
      if (s.type === 'inbound-rtp') out.bytesReceived += Number(s.bytesReceived ?? 0) + Number(s.headerBytesReceived ?? 0);
      if (s.type === 'inbound-rtp' && typeof s.mid === 'string')
        out.inbound[s.mid] = {
          framesDecoded: Number(s.framesDecoded ?? 0),
          audioEnergy: Number(s.totalAudioEnergy ?? 0),
          audioSamples: Number(s.totalSamplesReceived ?? 0),
        };
      if (s.type === 'outbound-rtp') {
        out.bytesSent += Number(s.bytesSent ?? 0);
        out.framesEncoded += Number(s.framesEncoded ?? 0);
      }
    });
    return out;
  });
}

/**
 * Outbound RTP bytes (payload) of the page's direct conversation peer (the cart's, the home patient's: it has
 * tracks on its senders and no receive slots) and of its peer with the act's room, and the stats' clock (ms).
 */
export function uplinkBytes(page: Page): Promise<{ direct: number; room: number; at: number }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const slots = (p: RTCPeerConnection) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length;
    const live = pcs.filter((p) => p.connectionState !== 'closed');
    const direct = live.findLast((p) => p.getSenders().some((s) => s.track !== null) && slots(p) < 4);
    const room = live.findLast((p) => slots(p) >= 4);
    const out = { direct: 0, room: 0, at: 0 };
    for (const [key, pc] of [
      ['direct', direct],
      ['room', room],
    ] as const) {
      (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
        out.at = Math.max(out.at, Number(s.timestamp ?? 0));
        if (s.type === 'outbound-rtp') out[key] += Number(s.bytesSent ?? 0);
      });
    }
    return out;
  });
}

/** The mids of the tile that carries `name` on this page (the unit's labels). */
export async function tileOf(page: Page, tiles: string, name: string): Promise<{ audio: string; video: string }> {
  const fig = page.locator(`${tiles} figure:not([hidden])`, { has: page.locator('figcaption', { hasText: name }) });
  await fig.waitFor({ timeout: 30_000 });
  return { audio: (await fig.getAttribute('data-audio-mid')) ?? '', video: (await fig.getAttribute('data-video-mid')) ?? '' };
}

/** Frames decoded and audio energy from `mids` grow by more than `frames` frames and some energy. */
export async function receives(
  page: Page,
  mids: { audio: string; video: string },
  frames: number,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const a = await unitStats(page);
  let b = a;
  await waitFor(
    async () => {
      b = await unitStats(page);
      const vd = (b.inbound[mids.video]?.framesDecoded ?? 0) - (a.inbound[mids.video]?.framesDecoded ?? 0);
      const ae = (b.inbound[mids.audio]?.audioEnergy ?? 0) - (a.inbound[mids.audio]?.audioEnergy ?? 0);
      return vd > frames && ae > 0;
    },
    { timeoutMs, intervalMs: 500, what: `${what}: more than ${frames} frames and audio energy` },
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}; last stats ${JSON.stringify(b)}`);
  });
}
