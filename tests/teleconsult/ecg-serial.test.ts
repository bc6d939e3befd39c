/**
 * ECG from the real serial path to the specialist's page: the simulated OpenEEG-P2 board (ECGSYN
 * on a socat pseudo-terminal) → the gateway's SerialService (serialport, the P2 codec) → the live
 * sample bus → EcgChunker → the 'ecg' data channel (werift) → headless Chromium. The page's chunks
 * must be in order (seq +1, t0 strictly increasing) and their samples exactly the board's channel-1
 * values, with no gap the P2 packet counter did not report.
 *
 * Runs inside a network namespace with only lo (re-runs itself there, tests/support/netns-media.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { type SerialSimulators, startSerialSimulators } from '@telecart/firmware-sim';
import { type Gateway, MediaConfig, resolveGatewayConfig, startGateway, TeleconsultAgent } from '@telecart/gateway';
import type { EcgChunk } from '@telecart/protocol';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import {
  canUseNetns,
  DirectSignaling,
  ecgChunks,
  expectInnerRun,
  IN_NETNS_ENV,
  openSpecialistPage,
  rerunInNamespace,
} from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';

const inside = process.env[IN_NETNS_ENV];
const usable = existsSync(CHROMIUM) && (inside !== undefined || (await canUseNetns()));

describe.skipIf(!usable || inside !== undefined)('ECG from the serial board to the page (re-run inside a network namespace)', () => {
  it('passes inside the namespace', async () => {
    const r = await rerunInNamespace('tests/teleconsult/ecg-serial.test.ts', 'tce');
    expectInnerRun(r, { passed: 1 });
  }, 90_000);
});

describe.skipIf(!usable || inside === undefined)('ECG from the serial board to the page', () => {
  let dir: string;
  let sims: SerialSimulators;
  let gw: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-ecg-serial-'));
    sims = await startSerialSimulators({ dir: join(dir, 'pty'), seed: 11, nonin: null, ecg: true });
    const port = sims.ecg?.port;
    if (!port) throw new Error('no ECG board simulator');
    const config = resolveGatewayConfig({
      gatewayId: 'cart-ecg',
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      patients: [{ id: 'p-001', family: 'ECG', given: 'Patient' }],
      http: { port: 0 },
      serial: {
        segmentSeconds: 1,
        reconnectInitialMs: 50,
        reconnectMaxMs: 200,
        devices: [{ id: 'ecg-1', name: 'ECG board sim', format: 'openeeg-p2', path: port, leads: [{ channel: 1, lead: 'II' }] }],
      },
    });
    // No cloud here: the gateway's sync only retries a closed loopback port in the background.
    gw = await startGateway({ config, dataDir: join(dir, 'gateway'), cloudUrl: 'mqtt://127.0.0.1:9', logger: pino({ level: 'silent' }) });
    browser = await launchChromium({ webrtc: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await sims?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the board's samples reach the page's 'ecg' channel in order, each once, with no gap the counter did not report", async () => {
    const h = new DirectSignaling();
    const agent = new TeleconsultAgent({
      gatewayId: 'cart-ecg',
      link: h,
      media: Value.Default(MediaConfig, { audio: { source: 'none' }, ice: { hostAddresses: ['127.0.0.1'] } }) as MediaConfig,
      camera: { deadManMs: 500 },
      stethoscope: {},
      live: gw.liveSamples,
    });
    const page = await openSpecialistPage(browser);
    try {
      h.reset(page);
      h.start(crypto.randomUUID(), { video: false, audio: false, ecg: true });
      await waitFor(() => agent.status().peer?.state === 'connected', { timeoutMs: 15_000, what: 'peer connected' });
      const chunks = () => ecgChunks(page);
      // ~2.5 s of ECG at 256 Hz in 32-sample chunks.
      await waitFor(async () => (await chunks()).length >= 20, { timeoutMs: 15_000, what: '20 ECG chunks in the page' });
      const got = await chunks();

      // In order: seq +1, t0 strictly increasing; one lead, the P2 rate.
      got.forEach((c, i) => {
        expect(c.lead).toBe('II');
        expect(c.periodMs).toBeCloseTo(1000 / 256, 6);
        expect(c.samples.length).toBeGreaterThan(0);
        if (i === 0) return;
        const prev = got[i - 1] as EcgChunk;
        expect(c.seq).toBe(prev.seq + 1);
        expect(c.t0).toBeGreaterThan(prev.t0);
      });

      // The samples are the board's channel-1 ADC values less the 512 baseline: find where the page's
      // first chunk starts in what the board wrote, then every sample follows on from there.
      const written = sims.ecg?.sim.written ?? [];
      const values = written.map((w) => w.value - 512);
      const pageSamples = got.flatMap((c) => c.samples);
      const head = (got[0] as EcgChunk).samples;
      const starts: number[] = [];
      for (let i = 0; i + head.length <= values.length; i++) if (head.every((v, k) => values[i + k] === v)) starts.push(i);
      expect(starts.length).toBe(1);
      const at = starts[0] as number;
      // The counter reported no loss on this run (each packet's counter is the previous + 1 mod 256) …
      for (let i = at + 1; i < at + pageSamples.length; i++) expect(written[i]?.counter).toBe(((written[i - 1]?.counter ?? 0) + 1) & 0xff);
      // … so the page has every sample, in order, none made up or missing.
      expect(pageSamples).toEqual(values.slice(at, at + pageSamples.length));
      // And where a chunk follows on, its t0 is the previous one's end on the sample clock.
      for (let i = 1; i < got.length; i++) {
        const prev = got[i - 1] as EcgChunk;
        expect((got[i] as EcgChunk).t0).toBeCloseTo(prev.t0 + prev.samples.length * prev.periodMs, 3);
      }
      expect(agent.status().peer?.stats.ecgChunksDropped).toBe(0);
    } finally {
      await agent.close();
      await page.close();
    }
  }, 45_000);
});
