/**
 * What the browser tests read of the consultation page's media: the RTCPeerConnections it makes
 * (captured by an init script: the page keeps them in a closure), decoded frames and audio samples
 * from getStats, the ECG canvas state, and the gst-launch children left in this process.
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
