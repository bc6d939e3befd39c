/**
 * A BLE rig on real transports for the ble-*.test.ts files: a private dbus-daemon, the BlueZ
 * look-alike with chosen simulated devices, the cloud (embedded aedes + SQLite) and the gateway in
 * this process, wired as `telecart gateway` does it (BleCentral on node-ble → startGateway).
 * The gateway can be stopped and started again on the same data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import { BleCentral } from '@telecart/devices';
import {
  type PrivateBus,
  startPrivateBus,
  startVirtualDevices,
  type VirtualDeviceKind,
  type VirtualDevices,
  type VirtualDevicesOptions,
} from '@telecart/firmware-sim';
import { bleWatchRules, type Gateway, type GatewayConfig, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { RESIDENTS, steppingClock } from '../support/virtual-cart.js';
import { waitFor } from '../support/wait.js';

export { RESIDENTS };

export interface LogEntry {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

export interface BleRig {
  bus: PrivateBus;
  sims: VirtualDevices;
  cloud: Cloud;
  gateway: Gateway | undefined;
  logs: LogEntry[];
  dataDir: string;
  startGateway(over?: Record<string, unknown>): Promise<Gateway>;
  stopGateway(): Promise<void>;
  observations(): Promise<Observation[]>;
  /** Waits until the cloud holds at least n observations (and returns them). */
  cloudHas(n: number, what?: string): Promise<Observation[]>;
  deviceState(deviceId: string): ReturnType<Gateway['devices']['seenDevices']>[number] | undefined;
  stop(): Promise<void>;
}

export interface BleRigOptions {
  devices: VirtualDeviceKind[];
  perDevice?: VirtualDevicesOptions['perDevice'];
  /** Gateway config fields over the defaults (home mode, patient RESIDENTS[0], UTC). */
  config?: Record<string, unknown>;
  /** The cloud's patients (default RESIDENTS), e.g. with a telemonitoring programme. */
  cloudPatients?: NonNullable<Parameters<typeof startCloud>[0]['patients']>;
}

export async function startBleRig(opts: BleRigOptions): Promise<BleRig> {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-ble-'));
  const bus = await startPrivateBus();
  const sims = await startVirtualDevices({
    busAddress: bus.address,
    seed: 11,
    intervalMs: 0,
    timeZone: 'UTC',
    // Two readings never share a device timestamp (the content key of records without a number).
    clock: steppingClock(),
    devices: opts.devices,
    ...(opts.perDevice ? { perDevice: opts.perDevice } : {}),
  });
  const seeds: NonNullable<BleRigOptions['cloudPatients']> = opts.cloudPatients ?? RESIDENTS;
  const cloud = await startCloud({
    dataDir: join(dir, 'cloud'),
    mqttPort: 0,
    httpPort: 0,
    // The cloud stores readings only for patients it assigns to the sending gateway.
    patients: seeds.map((r) => ({ ...r, gateways: r.gateways ?? ['ble-e2e'] })),
    logger: pino({ level: 'silent' }),
  });
  const logs: LogEntry[] = [];
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      logs.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
    };
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  let central: BleCentral | undefined;

  const rig: BleRig = {
    bus,
    sims,
    cloud,
    gateway: undefined,
    logs,
    dataDir: join(dir, 'gateway'),
    async startGateway(over = {}) {
      const config: GatewayConfig = resolveGatewayConfig({
        gatewayId: 'ble-e2e',
        mode: 'home',
        homePatientId: RESIDENTS[0]?.id,
        patients: RESIDENTS,
        timeZone: 'UTC',
        http: { port: 0 },
        ...opts.config,
        ...over,
        ble: { enabled: true, ...((opts.config?.ble as object | undefined) ?? {}), ...((over.ble as object | undefined) ?? {}) },
      });
      const c = new BleCentral({
        rules: bleWatchRules(config),
        busAddress: bus.address,
        scanIntervalMs: 100,
        backoff: { initialMs: 100, maxMs: 500 },
        operationTimeoutMs: 5000,
        logger: {
          debug: (m, x) => logger.debug(x ?? {}, m),
          info: (m, x) => logger.info(x ?? {}, m),
          warn: (m, x) => logger.warn(x ?? {}, m),
        },
      });
      const gw = await startGateway({ config, dataDir: rig.dataDir, cloudUrl: cloud.mqttUrl, frames: c, logger });
      c.on('state', (s) => gw.devices.setDeviceState(s.deviceId, s.state, s.name ? { name: s.name } : {}));
      c.start();
      central = c;
      rig.gateway = gw;
      return gw;
    },
    async stopGateway() {
      await central?.stop();
      central = undefined;
      await rig.gateway?.stop();
      rig.gateway = undefined;
    },
    observations: () => cloud.store.getObservations({ limit: 1000 }),
    async cloudHas(n, what) {
      await waitFor(async () => (await cloud.store.countObservations({})) >= n, {
        timeoutMs: 20_000,
        what: what ?? `${n} observations in the cloud`,
      });
      return rig.observations();
    },
    deviceState: (deviceId) => rig.gateway?.devices.seenDevices().find((d) => d.id === deviceId),
    async stop() {
      await rig.stopGateway();
      await cloud.stop();
      await sims.stop();
      await bus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

export const idOf = (address: string) => `ble:${address.toUpperCase()}`;

/** Waits until the gateway reports the device connected (subscribed, procedures started). */
export async function connected(rig: BleRig, deviceId: string): Promise<void> {
  await waitFor(() => rig.deviceState(deviceId)?.state === 'connected', { timeoutMs: 20_000, what: `${deviceId} connected` });
}
