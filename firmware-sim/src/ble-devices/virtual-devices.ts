/** Starts the BlueZ look-alike with the four simulated medical devices in range. */
import type { Clock } from '@telecart/devices';
import { type BluezSim, startBluezSim } from '../bluez/bluez-sim.js';
import type { BluezSimLogger } from '../bluez/types.js';
import { bloodPressureCuff } from './blood-pressure-cuff.js';
import { deriveSeed } from './prng.js';
import { pulseOximeter } from './pulse-oximeter.js';
import { thermometer } from './thermometer.js';
import type { IntervalTimers, VirtualBleDevice, VirtualDeviceOptions } from './virtual-device.js';
import { weightScale } from './weight-scale.js';

export type VirtualDeviceKind = 'blood-pressure-cuff' | 'weight-scale' | 'pulse-oximeter' | 'thermometer';

export const ALL_VIRTUAL_DEVICE_KINDS: readonly VirtualDeviceKind[] = [
  'blood-pressure-cuff',
  'weight-scale',
  'pulse-oximeter',
  'thermometer',
];

export interface VirtualDevicesOptions {
  busAddress: string;
  seed?: number;
  /** Reading period of every device; 0/undefined = readings only on measureNow(). */
  intervalMs?: number;
  devices?: readonly VirtualDeviceKind[];
  patientWeightKg?: number;
  /** IANA zone of the devices' clocks (default UTC). */
  timeZone?: string;
  clock?: Clock;
  timers?: IntervalTimers;
  logger?: BluezSimLogger;
  adapter?: string;
}

export interface VirtualDevices {
  sim: BluezSim;
  devices: VirtualBleDevice[];
  byKind(kind: VirtualDeviceKind): VirtualBleDevice | undefined;
  /** Simulates a device walking away (link lost, object removed). */
  remove(device: VirtualBleDevice): void;
  /** Brings it back in range. */
  restore(device: VirtualBleDevice): void;
  stop(): Promise<void>;
}

export function createVirtualDevice(kind: VirtualDeviceKind, opts: VirtualDeviceOptions & { patientWeightKg?: number }): VirtualBleDevice {
  switch (kind) {
    case 'blood-pressure-cuff':
      return bloodPressureCuff(opts);
    case 'weight-scale':
      return weightScale(opts);
    case 'pulse-oximeter':
      return pulseOximeter(opts);
    case 'thermometer':
      return thermometer(opts);
  }
}

export async function startVirtualDevices(opts: VirtualDevicesOptions): Promise<VirtualDevices> {
  const sim = await startBluezSim({
    busAddress: opts.busAddress,
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const seed = opts.seed ?? 1;
  const devices = (opts.devices ?? ALL_VIRTUAL_DEVICE_KINDS).map((kind) =>
    createVirtualDevice(kind, {
      seed: deriveSeed(seed, kind),
      ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.patientWeightKg !== undefined ? { patientWeightKg: opts.patientWeightKg } : {}),
    }),
  );
  const restore = (d: VirtualBleDevice) => {
    if (!sim.peripheral(d.address)) d.attach(sim.addPeripheral(d.peripheral));
  };
  for (const d of devices) {
    restore(d);
    d.start();
  }
  return {
    sim,
    devices,
    byKind: (kind) => devices.find((d) => d.kind === kind),
    remove: (d) => {
      d.attach(undefined);
      sim.removePeripheral(d.address);
    },
    restore,
    stop: async () => {
      for (const d of devices) d.stop();
      await sim.stop();
    },
  };
}
