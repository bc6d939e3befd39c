/**
 * Shared pieces of the security and external-broker tests: a home-kit gateway fed weight frames, quiet loggers, temp dirs,
 * gateway enrollment and the refused-connection probe.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '@telecart/cloud';
import type { DeviceFrame } from '@telecart/devices';
import {
  credentialPaths,
  enrollGateway,
  type Gateway,
  type GatewayCredentials,
  loadGatewayCredentials,
  resolveGatewayConfig,
  startGateway,
} from '@telecart/gateway';
import mqtt from 'mqtt';
import { pino } from 'pino';

export const quiet = () => pino({ level: 'silent' });

export function tempDir(prefix = 'telecart-sec-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

let frameNo = 0;
/** Weight Measurement 0x2A9D without a time stamp: every frame is a new reading. */
export function weightFrame(): DeviceFrame {
  const kg200 = 14_000 + (frameNo % 100);
  return {
    deviceId: 'ble:C0:FF:EE:00:00:02',
    transport: 'ble',
    name: 'SIM',
    characteristic: '2A9D',
    bytes: Uint8Array.from([0x00, kg200 & 0xff, kg200 >> 8]),
    receivedAt: Date.parse('2026-11-23T09:00:00Z') + frameNo++ * 1000,
  };
}

export interface HomeGateway {
  gateway: Gateway;
  measure(n?: number): void;
  stop(): Promise<void>;
}

/**
 * The cloud's patients for these tests: the home gateways' patient served by `home`, the test
 * builders' default patient (p-001) by `other` (the cloud stores readings of assigned patients only).
 */
export function servedPatients(home: string[], other: string[] = []) {
  return [
    { id: 'home-1', family: 'LEROY', given: 'Paul', gateways: home },
    { id: 'p-001', family: 'MARTIN', given: 'Jeanne', gateways: other },
  ];
}

/** A real gateway in home mode (every reading belongs to its patient) on `cloudUrl`. */
export async function homeGateway(o: { gatewayId: string; cloudUrl: string; dataDir: string; mqttVersion?: 4 | 5 }): Promise<HomeGateway> {
  const config = resolveGatewayConfig({
    gatewayId: o.gatewayId,
    mode: 'home',
    patients: [{ id: 'home-1', family: 'LEROY', given: 'Paul' }],
    homePatientId: 'home-1',
    http: { port: 0 },
    sync: { ackTimeoutMs: 3000, reconnectPeriodMs: 100, reconnectMaxMs: 400, ...(o.mqttVersion ? { mqttVersion: o.mqttVersion } : {}) },
  });
  const frames = new EventEmitter();
  const gateway = await startGateway({ config, dataDir: o.dataDir, cloudUrl: o.cloudUrl, frames: frames as never });
  return {
    gateway,
    measure(n = 1) {
      for (let i = 0; i < n; i++) frames.emit('frame', weightFrame());
    },
    stop: () => gateway.stop(),
  };
}

/** Enrolls `gatewayId` with a fresh one-time token over the cloud's HTTPS enrollment; its files go under `<dir>/<gatewayId>`. */
export async function enrollWith(cloud: Cloud, dir: string, gatewayId: string): Promise<GatewayCredentials> {
  const security = cloud.security;
  const url = cloud.enrollUrl;
  if (!security || url === undefined) throw new Error(`cannot enroll ${gatewayId}: the cloud runs without TLS`);
  const token = security.createToken(gatewayId, 60_000).token;
  const paths = credentialPaths(`${dir}/${gatewayId}`);
  await enrollGateway({ url, token, caFingerprint: security.caFingerprint(), gatewayId, paths });
  return loadGatewayCredentials(paths, gatewayId);
}

/** Resolves with the reason when the broker refuses the connection (TLS or CONNACK); rejects if it is accepted. */
export function refused(url: string, opts: mqtt.IClientOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...opts, reconnectPeriod: 0, connectTimeout: 5000 });
    const done = (why: string) => {
      c.end(true);
      resolve(why);
    };
    c.once('connect', () => {
      c.end(true);
      reject(new Error('connection accepted'));
    });
    c.once('error', (e) => done(e.message));
    c.once('close', () => done('closed'));
  });
}
