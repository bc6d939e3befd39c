/**
 * The teleconsultation chain with real parts, for the browser tests run inside a network namespace:
 * the cloud (embedded broker, relay, SQLite) with one specialist, the gateway in process (its
 * TeleconsultAgent on the sync client's MQTT connection), the simulated ONVIF camera (RTSP H.264,
 * PTZ), the ECG board simulator on a socat pty, and the stethoscope through a private PulseAudio
 * server (or GStreamer's audiotestsrc when the test does not listen to it), and Chromium with a page
 * whose peer connections are captured (page-media.ts) and whose script errors are collected.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import {
  type PulseServer,
  type SerialSimulators,
  type SimCamera,
  startPulseServer,
  startSerialSimulators,
  startSimCamera,
  startVirtualStethoscope,
  type VirtualStethoscope,
} from '@telecart/firmware-sim';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { type Logger, pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import type { UplinkBudgetOptions } from '../../gateway/src/media/uplink-budget.js';
import { launchChromium } from '../support/chromium.js';
import { waitFor } from '../support/wait.js';
import { CAPTURE_PEER } from './page-media.js';

export interface ChainPatient {
  id: string;
  family: string;
  given: string;
  ins: string;
  insOid: string;
}

export interface ChainOptions {
  dirPrefix: string;
  gatewayId: string;
  specialist: { id: string; name: string; password: string };
  patient: ChainPatient;
  /** The virtual stethoscope through PulseAudio (true), or audiotestsrc (false, lighter). */
  stethoscope: boolean;
  serialSeed: number;
  rejoinGraceSeconds?: number;
  /** The gateway's media.conversation.simulated: the nurse page sends a generated picture and sound. */
  conversationSimulated?: boolean;
  /** Where the cloud listens (default 127.0.0.1; '0.0.0.0' for a page in another namespace). */
  cloudHost?: string;
  /** The gateway peer's host candidates (default 127.0.0.1). */
  gatewayHostAddresses?: string[];
  /** The gateway's media.uplinkBudget (default on). */
  uplinkBudget?: boolean;
  /** The uplink budget's timings (default the gateway's own). */
  uplinkBudgetTimings?: UplinkBudgetOptions;
  /** The specialist's browser (default: launchChromium with WebRTC), started once the cloud is up. */
  launchBrowser?: (cloud: Cloud) => Promise<Browser>;
}

export interface ConsultChain {
  dir: string;
  logger: Logger;
  cloud: Cloud;
  gw: Gateway;
  camera: SimCamera;
  serial: SerialSimulators;
  browser: Browser;
  /** The specialist's page (fr-FR), peer connections captured; not yet on /consult. */
  page: Page;
  /** Script errors of the page. */
  problems: string[];
  /** Stops everything, the browser first (idempotent), and removes the temporary directory. */
  stop(): Promise<void>;
}

/** A cloud with `specialist` (an auditor too) allowed on cart-*, and the patient served by cart `gatewayId`. */
export async function specialistCloud(
  o: Pick<ChainOptions, 'specialist' | 'patient' | 'rejoinGraceSeconds' | 'gatewayId' | 'cloudHost'> & { dataDir: string; logger: Logger },
): Promise<Cloud> {
  return startCloud({
    dataDir: o.dataDir,
    ...(o.cloudHost ? { host: o.cloudHost } : {}),
    mqttPort: 0,
    httpPort: 0,
    // The cloud stores readings only for patients it assigns to the sending cart.
    patients: [{ ...o.patient, gateways: [o.gatewayId] }],
    logger: o.logger,
    teleconsult: {
      ...(o.rejoinGraceSeconds !== undefined ? { rejoinGraceSeconds: o.rejoinGraceSeconds } : {}),
      specialists: [{ ...o.specialist, passwordHash: await hashPassword(o.specialist.password, 10), gateways: ['cart-*'], audit: true }],
      // The namespace has only lo, which werift leaves out of "every interface": the act's room answers on it.
      forwardingUnit: { hostAddresses: ['127.0.0.1'] },
    },
  });
}

export async function startConsultChain(o: ChainOptions): Promise<ConsultChain> {
  const dir = await mkdtemp(join(tmpdir(), o.dirPrefix));
  const logger = pino({ level: process.env.TELECART_TEST_LOG ?? 'silent' });
  let serial: SerialSimulators | undefined;
  let camera: SimCamera | undefined;
  let pulse: PulseServer | undefined;
  let steth: VirtualStethoscope | undefined;
  let cloud: Cloud | undefined;
  let gw: Gateway | undefined;
  let browser: Browser | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await browser?.close();
    await gw?.stop();
    await cloud?.stop();
    await camera?.stop();
    await steth?.stop();
    await pulse?.stop();
    await serial?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    [serial, camera, pulse] = await Promise.all([
      startSerialSimulators({ dir: join(dir, 'pty'), seed: o.serialSeed, nonin: null, ecg: true }),
      startSimCamera({ stream: { width: 320, height: 240, fps: 10, bitrateKbps: 300 }, snapshots: false }),
      o.stethoscope ? startPulseServer({ dir: join(dir, 'pulse'), rateHz: 16_000 }) : undefined,
    ]);
    if (pulse)
      steth = await startVirtualStethoscope({ server: pulse.server, sink: pulse.sink, seed: 7, heartRateBpm: 72, sampleRateHz: 16_000 });
    cloud = await specialistCloud({ ...o, dataDir: join(dir, 'cloud'), logger });
    const ecgPort = serial.ecg?.port;
    if (!ecgPort) throw new Error('no ECG simulator');
    const config = resolveGatewayConfig({
      gatewayId: o.gatewayId,
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      timeZone: 'Europe/Paris',
      patients: [o.patient],
      http: { port: 0 },
      sync: { ackTimeoutMs: 5000, reconnectPeriodMs: 50, reconnectMaxMs: 500 },
      serial: {
        devices: [{ id: 'ecg-1', name: 'ECG board sim', format: 'openeeg-p2', path: ecgPort, leads: [{ channel: 1, lead: 'II' }] }],
      },
      ...(pulse ? { audio: { stethoscope: { enabled: true, pulseServer: pulse.server, pulseDevice: pulse.source } } } : {}),
      camera: { url: camera.deviceServiceUrl, username: 'admin', password: 'admin', deadManMs: 10_000 }, // long: a Stop seen after a release is the page's, not the dead-man's
      media: {
        video: { source: 'camera', width: 320, height: 240, fps: 10, startBitrateKbps: 300 },
        audio: { source: pulse ? 'stethoscope' : 'test' },
        ice: { hostAddresses: o.gatewayHostAddresses ?? ['127.0.0.1'] },
        ...(o.uplinkBudget === false ? { uplinkBudget: false } : {}),
        ...(o.conversationSimulated ? { conversation: { simulated: true } } : {}),
      },
    });
    const g = await startGateway({
      config,
      dataDir: join(dir, 'gateway'),
      cloudUrl: cloud.mqttUrl,
      logger,
      ...(o.uplinkBudgetTimings ? { uplinkBudget: o.uplinkBudgetTimings } : {}),
    });
    gw = g;
    g.patients.select(o.patient.id);
    await waitFor(() => g.sync.connected, { what: 'the gateway connected to the cloud broker' });
    browser = await (o.launchBrowser ? o.launchBrowser(cloud) : launchChromium({ webrtc: true }));
    const page = await browser.newPage({ locale: 'fr-FR' });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.addInitScript(CAPTURE_PEER);
    return { dir, logger, cloud, gw: g, camera, serial, browser, page, problems, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
