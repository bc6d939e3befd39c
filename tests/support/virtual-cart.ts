/**
 * The virtual cart on real transports, for end-to-end tests: a private dbus-daemon with the
 * BlueZ look-alike and the four simulated devices, a cloud (embedded aedes + SQLite + HTTP) on
 * free loopback ports, optionally a TCP proxy in front of the broker, and the gateway as a real
 * child process of the built CLI (so it can be SIGKILLed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cloud, startCloud } from '@telecart/cloud';
import { type Clock, decodeCharacteristic, type ObservationDraft } from '@telecart/devices';
import { type PrivateBus, startPrivateBus, startVirtualDevices, type VirtualDevices } from '@telecart/firmware-sim';
import { pino } from 'pino';
import { type StartedChild, startChild, stopChildren } from '../../cli/src/runtime/children.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const CLI_DIST = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

export const RESIDENTS = [
  { id: 'ehpad-r12', family: 'MARTIN', given: 'Jeanne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' },
  { id: 'ehpad-r14', family: 'BERNARD', given: 'Louis', ins: '142061305507880', insOid: '1.2.250.1.213.1.4.10' },
];

/** A device clock that moves at least one second per reading, so two readings never share a timestamp. */
export function steppingClock(): Clock {
  let last = 0;
  return {
    now() {
      last = Math.max(Date.now(), last + 1000);
      return last;
    },
  };
}

export interface ExpectedReading {
  deviceId: string;
  characteristic: string;
  draft: ObservationDraft;
}

export interface VirtualCart {
  dir: string;
  bus: PrivateBus;
  devices: VirtualDevices;
  cloud: Cloud;
  proxy?: TcpProxy;
  gateway?: StartedChild;
  gatewayUrl(): string;
  startGateway(): Promise<StartedChild>;
  killGateway(signal?: NodeJS.Signals): Promise<void>;
  /** Every final reading the simulators delivered, decoded as the gateway should have. */
  expected(): ExpectedReading[];
  selectPatient(id: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startVirtualCart(opts: { proxy?: boolean; gatewayId?: string } = {}): Promise<VirtualCart> {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-e2e-'));
  const bus = await startPrivateBus();
  const devices = await startVirtualDevices({ busAddress: bus.address, seed: 7, intervalMs: 0, timeZone: 'UTC', clock: steppingClock() });
  const gatewayId = opts.gatewayId ?? 'cart-e2e';
  const cloud = await startCloud({
    dataDir: join(dir, 'cloud'),
    mqttPort: 0,
    httpPort: 0,
    // The cloud stores readings only for patients it assigns to the sending cart.
    patients: RESIDENTS.map((r) => ({ ...r, gateways: [gatewayId] })),
    logger: pino({ level: 'silent' }),
  });
  const brokerPort = Number(new URL(cloud.mqttUrl).port);
  const proxy = opts.proxy ? await startTcpProxy({ host: '127.0.0.1', port: brokerPort }) : undefined;
  const cloudUrl = proxy ? proxy.url('mqtt') : cloud.mqttUrl;
  const configFile = join(dir, 'cart.yaml');
  writeFileSync(
    configFile,
    [
      `gatewayId: ${gatewayId}`,
      'mode: cart',
      'nurseSignIn: { required: false } # not a nurse sign-in test',
      'timeZone: UTC',
      'ble: { enabled: true }',
      'patients:',
      ...RESIDENTS.map((r) => `  - { id: ${r.id}, family: ${r.family}, given: ${r.given}, ins: "${r.ins}", insOid: ${r.insOid} }`),
      '',
    ].join('\n'),
  );

  const cart: VirtualCart = {
    dir,
    bus,
    devices,
    cloud,
    ...(proxy ? { proxy } : {}),
    gatewayUrl() {
      if (!cart.gateway) throw new Error('gateway not started');
      return String(cart.gateway.info.httpUrl);
    },
    async startGateway() {
      cart.gateway = await startChild(
        'gateway',
        [
          'gateway',
          '--config',
          configFile,
          '--data-dir',
          join(dir, 'gateway'),
          '--cloud',
          cloudUrl,
          '--ble-bus',
          bus.address,
          '--http-port',
          '0',
        ],
        { logFile: join(dir, 'gateway.log'), main: CLI_DIST, env: { TELECART_LOG_LEVEL: 'debug' } },
      );
      return cart.gateway;
    },
    async killGateway(signal = 'SIGKILL') {
      const g = cart.gateway;
      if (!g || g.proc.exitCode !== null || g.proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        g.proc.once('exit', () => resolve());
        g.proc.kill(signal);
      });
    },
    expected() {
      const out: ExpectedReading[] = [];
      for (const d of devices.devices) {
        for (const pdu of d.sent) {
          if (!pdu.final) continue;
          const r = decodeCharacteristic(pdu.characteristic, pdu.bytes);
          if (!r.ok) throw new Error(`simulator sent undecodable bytes: ${r.error.field}`);
          for (const draft of r.value)
            if (draft.status === 'final') out.push({ deviceId: `ble:${d.address}`, characteristic: pdu.characteristic, draft });
        }
      }
      return out;
    },
    async selectPatient(id) {
      const res = await fetch(`${cart.gatewayUrl()}/api/context/patient`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ patientId: id }),
      });
      if (!res.ok) throw new Error(`select patient: HTTP ${res.status} ${await res.text()}`);
    },
    async stop() {
      if (cart.gateway) await stopChildren([cart.gateway]);
      await proxy?.close();
      await cloud.stop();
      await devices.stop();
      await bus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cart;
}
