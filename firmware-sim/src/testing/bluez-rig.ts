/**
 * Test helper: a private dbus-daemon with the BlueZ look-alike on it, the real BLE central
 * (BleCentral on node-ble) on that bus reporting into collectors, and raw node-ble sessions for
 * tests that go around the central. Everything it started, it stops.
 */
import { createRequire } from 'node:module';
import { BleCentral, type BleCentralOptions, type BleStateChange, type DeviceFrame } from '@telecart/devices';
import type NodeBle from 'node-ble';
import { type BluezSim, startBluezSim } from '../bluez/bluez-sim.js';
import { type PrivateBus, startPrivateBus } from '../bluez/private-bus.js';
import { type Collector, collector } from './collector.js';

// node-ble is a dependency of @telecart/devices, not of this package; resolve it from there.
const requireFromDevices = createRequire(new URL('../../../devices/package.json', import.meta.url));
const { createBluetooth } = requireFromDevices('node-ble') as typeof NodeBle;

export type NodeBleSession = ReturnType<typeof createBluetooth>;

/** node-ble reads DBUS_SYSTEM_BUS_ADDRESS when createBluetooth() runs: set it for that call only. */
export function nodeBleOn(busAddress: string): NodeBleSession {
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  process.env.DBUS_SYSTEM_BUS_ADDRESS = busAddress;
  try {
    return createBluetooth();
  } finally {
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
    else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  }
}

export interface BluezRig {
  readonly bus: PrivateBus;
  readonly sim: BluezSim;
  /** Frames and state changes of the centrals made by central(). */
  readonly frames: Collector<DeviceFrame>;
  readonly states: Collector<BleStateChange>;
  /** A BleCentral on the rig's bus feeding `frames` and `states`, not started (plugins go in first); stop() stops it. */
  central(options: Omit<BleCentralOptions, 'busAddress'>): BleCentral;
  /** Stops the last central now, for tests that go on without it. */
  stopCentral(): Promise<void>;
  /** A raw node-ble session on the rig's bus; the caller destroys it. */
  nodeBle(): NodeBleSession;
  /** The central, the simulator, then the bus. */
  stop(): Promise<void>;
}

export async function startBluezRig(): Promise<BluezRig> {
  const bus = await startPrivateBus();
  const sim = await startBluezSim({ busAddress: bus.address });
  const frames = collector<DeviceFrame>();
  const states = collector<BleStateChange>();
  let current: BleCentral | undefined;
  const rig: BluezRig = {
    bus,
    sim,
    frames,
    states,
    central(options) {
      const c = new BleCentral({ busAddress: bus.address, ...options });
      c.on('frame', (f) => frames.push(f));
      c.on('state', (s) => states.push(s));
      current = c;
      return c;
    },
    async stopCentral() {
      await current?.stop();
      current = undefined;
    },
    nodeBle: () => nodeBleOn(bus.address),
    async stop() {
      await rig.stopCentral();
      await sim.stop();
      await bus.stop();
    },
  };
  return rig;
}
