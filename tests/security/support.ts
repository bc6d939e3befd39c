/** Shared pieces of the security and external-broker tests: a home-kit gateway fed weight frames, quiet loggers, temp dirs. */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceFrame } from '@telecart/devices';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
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
