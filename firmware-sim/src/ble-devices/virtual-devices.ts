/** Starts the BlueZ look-alike with simulated medical devices in range (by default the cart's four). */
import type { Clock } from '@telecart/devices';
import { type BluezSim, startBluezSim } from '../bluez/bluez-sim.js';
import type { BluezSimLogger } from '../bluez/types.js';
import { bloodPressureCuff } from './blood-pressure-cuff.js';
import { glucoseMeter } from './glucose-meter.js';
import { heartRateMonitor } from './heart-rate-monitor.js';
import { deriveSeed } from './prng.js';
import { pulseOximeter } from './pulse-oximeter.js';
import { thermometer } from './thermometer.js';
import type { IntervalTimers, VirtualBleDevice, VirtualDeviceOptions } from './virtual-device.js';
import { type WeightScaleOptions, weightScale } from './weight-scale.js';

export type VirtualDeviceKind =
  | 'blood-pressure-cuff'
  | 'weight-scale'
  | 'pulse-oximeter'
  | 'thermometer'
  | 'heart-rate-monitor'
  | 'glucose-meter';

/** The cart's devices, started when `devices` is not given. */
export const DEFAULT_VIRTUAL_DEVICE_KINDS: readonly VirtualDeviceKind[] = [
  'blood-pressure-cuff',
  'weight-scale',
  'pulse-oximeter',
  'thermometer',
];

export const ALL_VIRTUAL_DEVICE_KINDS: readonly VirtualDeviceKind[] = [
  ...DEFAULT_VIRTUAL_DEVICE_KINDS,
  'heart-rate-monitor',
  'glucose-meter',
];

export interface VirtualDevicesOptions {
  busAddress: string;
  seed?: number;
  /** Reading period of every device; 0/undefined = readings only on measureNow(). */
  intervalMs?: number;
  devices?: readonly VirtualDeviceKind[];
  patientWeightKg?: number;
  /** Options for one kind (keepsRecords, clockResetTo, currentTime, requiresBonding, users…), over the shared ones. */
  perDevice?: Partial<
    Record<VirtualDeviceKind, Omit<VirtualDeviceOptions, 'clock' | 'timers'> & Omit<WeightScaleOptions, 'clock' | 'timers'>>
  >;
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

export function createVirtualDevice(kind: VirtualDeviceKind, opts: WeightScaleOptions): VirtualBleDevice {
  switch (kind) {
    case 'blood-pressure-cuff':
      return bloodPressureCuff(opts);
    case 'weight-scale':
      return weightScale(opts);
    case 'pulse-oximeter':
      return pulseOximeter(opts);
    case 'thermometer':
      return thermometer(opts);
    case 'heart-rate-monitor':
      return heartRateMonitor(opts);
    case 'glucose-meter':
      return glucoseMeter(opts);
  }
}

export async function startVirtualDevices(opts: VirtualDevicesOptions): Promise<VirtualDevices> {
  const sim = await startBluezSim({
    busAddress: opts.busAddress,
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const seed = opts.seed ?? 1;
  const devices = (opts.devices ?? DEFAULT_VIRTUAL_DEVICE_KINDS).map((kind) =>
    createVirtualDevice(kind, {
      seed: deriveSeed(seed, kind),
      ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.patientWeightKg !== undefined ? { patientWeightKg: opts.patientWeightKg } : {}),
      ...opts.perDevice?.[kind],
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
