/**
 * The teleconsultation media path end to end, with real parts: the simulated ONVIF PTZ camera and
 * its RTSP H.264 stream (gst-launch), the gateway's TeleconsultAgent (werift, gst-launch children,
 * the PTZ relay through OnvifCamera), and a real headless Chromium as the specialist's browser.
 * Signaling is a direct in-test harness (the cloud relay is tested on its side).
 *
 * WebRTC gathers every interface it sees: the test re-runs itself inside a network namespace whose
 * only interface is `lo`. The throttled link is a veth pair into a second namespace where Chromium
 * runs, shaped with tc tbf at 100 kbit/s then 1 Mbit/s: stethoscope audio (audiotestsrc stands in
 * for the PulseAudio source here) and ECG keep flowing while video gives way.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { EcgSyn, type SimCamera, startSimCamera } from '@telecart/firmware-sim';
import { LiveSampleBus, MediaConfig, TeleconsultAgent } from '@telecart/gateway';
import type { PtzReply } from '@telecart/protocol';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canUseNetns,
  chromiumInNetns,
  DirectSignaling,
  ecgChunks,
  expectInnerRun,
  IN_NETNS_ENV,
  linkToPeer,
  openSpecialistPage,
  PEER_NETNS_ENV,
  rerunInNamespace,
  type ShapedLink,
} from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const inside = process.env[IN_NETNS_ENV];
const usable = existsSync(CHROMIUM) && (inside !== undefined || (await canUseNetns()));

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
];

describe.skipIf(!usable || inside !== undefined)('teleconsult media (re-run inside a network namespace with only lo)', () => {
  it('passes inside the namespace', async () => {
    const r = await rerunInNamespace('tests/teleconsult/media.test.ts', 'tcm');
    expectInnerRun(r, { passed: 3 });
  }, 170_000);
});

interface PageStats {
  framesDecoded: number;
  videoBytes: number;
  videoCodec: string;
  audioSamples: number;
  audioPackets: number;
  ecg: number;
  ecgSamples: number;
  ecgInOrder: boolean;
  /** Chunks missing between those received (given up on a weak link). */
  ecgGaps: number;
}

async function pageStats(page: Page): Promise<PageStats> {
  const ecg = await ecgChunks(page);
  const out = await page.evaluate(async () => {
    const w = window as unknown as { pc: RTCPeerConnection };
    const out = {
      framesDecoded: 0,
      videoBytes: 0,
      videoCodec: '',
      audioSamples: 0,
      audioPackets: 0,
      ecg: 0,
      ecgSamples: 0,
      ecgInOrder: true,
      ecgGaps: 0,
    };
    const stats = await w.pc.getStats();
    const codecs = new Map<string, string>();
    stats.forEach((s: { type: string; id: string; mimeType?: string }) => {
      if (s.type === 'codec' && s.mimeType) codecs.set(s.id, s.mimeType);
    });
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.videoBytes += Number(s.bytesReceived ?? 0);
        out.videoCodec = codecs.get(String(s.codecId)) ?? '';
      } else {
        out.audioSamples += Number(s.totalSamplesReceived ?? 0);
        out.audioPackets += Number(s.packetsReceived ?? 0);
      }
    });
    return out;
  });
  out.ecg = ecg.length;
  ecg.forEach((c, i) => {
    out.ecgSamples += c.samples.length;
    // In order, never twice; a chunk lost twice on a weak link is given up (maxRetransmits 1), so a gap may show.
    const prev = ecg[i - 1]?.seq;
    if (i > 0 && prev !== undefined && c.seq <= prev) out.ecgInOrder = false;
    if (prev !== undefined && c.seq > prev + 1) out.ecgGaps += c.seq - prev - 1;
  });
  return out;
}

/** ECG at 256 Hz in 8-sample packets, as the serial service emits them (the ECG board sim's signal). */
function driveEcg(bus: LiveSampleBus): () => void {
  const syn = new EcgSyn({ seed: 7, hrMean: 72 });
  const factor = 0.001714;
  const timer = setInterval(() => {
    const rows = Array.from({ length: 8 }, () => [Math.round(syn.next() / factor)]);
    bus.emit('samples', { deviceId: 'serial:ecg-1', leads: ['II'], t0: Date.now() - 7000 / 256, periodMs: 1000 / 256, factor, rows });
  }, 31);
  return () => clearInterval(timer);
}

async function grows(page: Page, key: keyof PageStats, timeoutMs = 10_000): Promise<void> {
  const before = Number((await pageStats(page))[key]);
  await waitFor(async () => Number((await pageStats(page))[key]) > before, { timeoutMs, what: `${key} to grow past ${before}` });
}

describe.skipIf(!usable || inside === undefined)('teleconsult media inside the namespace', () => {
  let dir: string;
  let camera: SimCamera;
  let browser: Browser;
  let live: LiveSampleBus;
  let stopEcg: () => void;

  const agentFor = (harness: DirectSignaling, hostAddresses: string[], media: Partial<MediaConfig['video']> = {}) =>
    new TeleconsultAgent({
      gatewayId: 'cart-media',
      link: harness,
      media: Value.Default(MediaConfig, {
        video: { width: 320, height: 240, fps: 10, startBitrateKbps: 300, ...media },
        audio: { source: 'test' },
        ice: { hostAddresses },
      }) as MediaConfig,
      camera: { url: camera.deviceServiceUrl, username: 'admin', password: 'admin', deadManMs: 600 },
      stethoscope: {},
      live,
      ...(process.env.MEDIA_DEBUG
        ? {
            logger: {
              debug: () => {},
              info: (o: object, m: string) => console.log(m, o),
              warn: (o: object, m: string) => console.log(m, o),
              error: (o: object, m: string) => console.log(m, o),
            },
          }
        : {}),
    });

  const start = (h: DirectSignaling, sessionId: string): void =>
    h.down({
      v: 1,
      type: 'start',
      sessionId,
      specialist: { id: 'dr-card', name: 'Dr Cardio' },
      patientId: 'p-001',
      media: { video: true, audio: true, ecg: true },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-media-'));
    camera = await startSimCamera({ stream: { width: 320, height: 240, fps: 10, bitrateKbps: 300 }, snapshots: false });
    live = new LiveSampleBus();
    stopEcg = driveEcg(live);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 30_000);

  afterAll(async () => {
    stopEcg?.();
    await browser?.close();
    await camera?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('camera H.264 passed through, stethoscope audio and ECG reach Chromium; a PTZ move over the data channel moves the camera', async () => {
    const h = new DirectSignaling();
    const agent = agentFor(h, ['127.0.0.1']);
    const page = await openSpecialistPage(browser);
    try {
      h.reset(page);
      const sessionId = crypto.randomUUID();
      start(h, sessionId);
      await waitFor(() => agent.status().peer?.state === 'connected', { timeoutMs: 15_000, what: 'peer connected' }).catch(async (e) => {
        console.log(JSON.stringify(h.ups.map((u) => (u.type === 'ice' ? u.candidate.candidate : u.type))), agent.status());
        console.log(
          await page.evaluate(() => {
            const w = window as unknown as { pc: RTCPeerConnection; cands: unknown[] };
            return JSON.stringify({ s: w.pc.connectionState, i: w.pc.iceConnectionState, c: w.cands });
          }),
        );
        throw e;
      });
      await grows(page, 'framesDecoded');
      await grows(page, 'audioSamples');
      await grows(page, 'ecg');
      const s = await pageStats(page);
      expect(s.videoCodec).toBe('video/H264');
      expect(agent.status().peer?.stats.videoMode).toBe('pass-through');
      expect(s.ecgInOrder).toBe(true);
      expect(s.ecgGaps).toBe(0);
      // Only loopback candidates were offered.
      const cands = h.ups.filter((u) => u.type === 'ice').map((u) => (u.type === 'ice' ? u.candidate.candidate : ''));
      expect(cands.length).toBeGreaterThan(0);
      for (const c of cands) expect(c).toMatch(/ 127\.0\.0\.1 /);

      // PTZ: a move repeated by the page keeps the camera moving; each command gets its reply.
      const pan0 = camera.ptz.position().pan;
      await page.evaluate(async () => {
        const w = window as unknown as { ptz: RTCDataChannel };
        for (let seq = 1; seq <= 5; seq++) {
          w.ptz.send(JSON.stringify({ op: 'move', seq, pan: 0.5, tilt: 0, zoom: 0 }));
          await new Promise((r) => setTimeout(r, 200));
        }
        w.ptz.send(JSON.stringify({ op: 'status', seq: 6 }));
      });
      await waitFor(async () => (await page.evaluate(() => (window as unknown as { replies: PtzReply[] }).replies.length)) >= 6, {
        timeoutMs: 10_000,
        what: 'six PTZ replies',
      });
      const replies = await page.evaluate(() => (window as unknown as { replies: PtzReply[] }).replies);
      expect(replies.map((r) => r.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(replies.every((r) => r.ok)).toBe(true);
      expect(camera.ptz.position().pan).toBeGreaterThan(pan0);
      const status = replies.find((r) => r.seq === 6)?.status;
      expect(status?.pan).toBeGreaterThan(pan0);
      // The page stopped repeating: the dead-man stops the camera.
      await waitFor(() => camera.ptz.moveStatus().panTilt === 'IDLE', { timeoutMs: 5_000, what: 'dead-man stop' });

      // Hang-up frees everything: no GStreamer child left.
      const pids = agent.mediaPids();
      expect(pids.length).toBe(2);
      h.down({ v: 1, type: 'hangup', sessionId });
      await waitFor(() => agent.status().peer === null, { timeoutMs: 10_000, what: 'session closed' });
      // The session is let go first, then its children are stopped (and reaped): wait for them.
      const alive = (pid: number): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await waitFor(() => !pids.some(alive), { timeoutMs: 10_000, what: 'the GStreamer children to exit' });
    } finally {
      await agent.close();
      await page.close();
    }
  }, 60_000);

  it('a browser taking only VP8 gets the camera transcoded', async () => {
    const h = new DirectSignaling();
    const agent = agentFor(h, ['127.0.0.1'], { codec: 'vp8' });
    const page = await openSpecialistPage(browser);
    try {
      h.reset(page);
      start(h, crypto.randomUUID());
      await waitFor(() => agent.status().peer?.state === 'connected', { timeoutMs: 15_000, what: 'peer connected' });
      await grows(page, 'framesDecoded');
      expect((await pageStats(page)).videoCodec).toBe('video/VP8');
      expect(agent.status().peer?.stats.videoMode).toBe('encode');
    } finally {
      await agent.close();
      await page.close();
    }
  }, 40_000);

  it('over a 100 kbit/s then 1 Mbit/s link, audio and ECG keep flowing while video gives way', async () => {
    const peerNs = process.env[PEER_NETNS_ENV];
    if (!peerNs) throw new Error(`${PEER_NETNS_ENV} is not set`);
    let link: ShapedLink | null = null;
    let remote: Browser | null = null;
    const h = new DirectSignaling();
    let agent: TeleconsultAgent | null = null;
    try {
      link = await linkToPeer(peerNs);
      await link.setRate('100kbit');
      remote = await chromium.launch({ executablePath: chromiumInNetns(dir, peerNs), args: FLAGS });
      agent = agentFor(h, [link.localAddr], { source: 'test', startBitrateKbps: 400 });
      const a = agent;
      const page = await openSpecialistPage(remote);
      h.reset(page);
      start(h, crypto.randomUUID());
      await waitFor(() => a.status().peer?.state === 'connected', { timeoutMs: 20_000, what: 'peer connected over the shaped link' });
      // 100 kbit/s: the video target comes down; audio packets and ECG chunks keep arriving.
      await waitFor(() => (a.status().peer?.stats.videoBitrateKbps ?? 400) < 100, {
        timeoutMs: 20_000,
        what: 'video bitrate below 100 kbit/s',
      });
      const slow0 = await pageStats(page);
      await grows(page, 'audioPackets');
      await grows(page, 'ecg');
      await new Promise((r) => setTimeout(r, 3000));
      const slow1 = await pageStats(page);
      expect(slow1.audioPackets).toBeGreaterThan(slow0.audioPackets);
      expect(slow1.ecg).toBeGreaterThan(slow0.ecg);
      expect(slow1.ecgInOrder).toBe(true);

      // 1 Mbit/s: video comes back (frames decoded), audio and ECG still flow.
      await link.setRate('1mbit');
      await grows(page, 'framesDecoded', 15_000);
      await grows(page, 'audioPackets');
      await grows(page, 'ecg');
    } finally {
      await agent?.close();
      await remote?.close();
      await link?.remove();
    }
  }, 90_000);
});
