/**
 * The behaviour the simulated medical devices share: take a reading (on a timer or on demand),
 * send its PDUs on the right characteristics, keep final readings in memory until a central
 * subscribes (as real cuffs and scales do), and log every PDU actually delivered.
 */
import { type Clock, type DeviceDateTime, epochToZonedFields } from '@telecart/devices';
import type { PeripheralLink, SimCharacteristic, SimPeripheral, SimService } from '../bluez/types.js';
import { Prng } from './prng.js';

export type VirtualReading =
  | {
      type: 'blood-pressure';
      systolic: number;
      diastolic: number;
      meanArterial: number;
      pulse: number;
      unit: 'mmHg';
      time: DeviceDateTime;
      userId: number;
    }
  | { type: 'cuff-pressure'; pressure: number; unit: 'mmHg' }
  | { type: 'weight'; kg: number; time: DeviceDateTime }
  | { type: 'spo2-spot-check'; spo2: number; pulse: number; time: DeviceDateTime }
  | { type: 'spo2-continuous'; spo2: number; pulse: number }
  | { type: 'temperature'; celsius: number; time: DeviceDateTime; site: number };

/** One PDU the device delivered to a subscribed central. */
export interface SentPdu {
  address: string;
  /** Short UUID, upper case ('2A35'), as DeviceFrame.characteristic. */
  characteristic: string;
  bytes: Uint8Array;
  reading: VirtualReading;
  /** A stored, final reading (true) or a live value (intermediate cuff pressure, continuous SpO2). */
  final: boolean;
  sentAt: number;
}

export interface Pdu {
  characteristic: string;
  bytes: Uint8Array;
  reading: VirtualReading;
  final: boolean;
}

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemIntervalTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
}

export interface VirtualDeviceOptions {
  address?: string;
  name?: string;
  seed?: number;
  /** Take a reading every intervalMs once started; 0 or undefined = only on measureNow(). */
  intervalMs?: number;
  clock?: Clock;
  timers?: IntervalTimers;
  /** Device clock error: device time = clock.now() + offset (device clocks drift). */
  clockOffsetMs?: number;
  /** IANA zone the device clock was set in (devices keep local time); default UTC. */
  timeZone?: string;
  /** Final readings kept while no central listens (device memory). Default 50; oldest dropped. */
  storeCapacity?: number;
  serial?: string;
}

export interface VirtualDeviceSpec {
  kind: string;
  address: string;
  name: string;
  model: string;
  firmware: string;
  /** Primary service UUID (advertised). */
  service: string;
  characteristics: SimCharacteristic[];
  /** Produces the PDUs of one reading, in sending order. */
  measure(rng: Prng, deviceTime: DeviceDateTime): Pdu[];
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * Device wall-clock fields in `timeZone` (devices keep local time, without a zone); UTC by default
 * so runs are reproducible on any host.
 */
export function toDeviceDateTime(ms: number, timeZone = 'UTC'): DeviceDateTime {
  return epochToZonedFields(ms, timeZone);
}

export function disService(info: DeviceInformation): SimService {
  return {
    uuid: '180A',
    characteristics: [
      { uuid: '2A29', flags: ['read'], value: utf8(info.manufacturer) },
      { uuid: '2A24', flags: ['read'], value: utf8(info.model) },
      { uuid: '2A25', flags: ['read'], value: utf8(info.serial) },
      { uuid: '2A26', flags: ['read'], value: utf8(info.firmware) },
    ],
  };
}

export class VirtualBleDevice {
  readonly kind: string;
  readonly address: string;
  readonly peripheral: SimPeripheral;
  readonly info: DeviceInformation;
  /** Every PDU delivered to a central, in order. */
  readonly sent: SentPdu[] = [];
  private readonly rng: Prng;
  private readonly clock: Clock;
  private readonly timers: IntervalTimers;
  private readonly pending: Pdu[] = [];
  private link: PeripheralLink | undefined;
  private interval: unknown;

  constructor(
    private readonly spec: VirtualDeviceSpec,
    private readonly opts: VirtualDeviceOptions = {},
  ) {
    this.kind = spec.kind;
    this.address = spec.address.toUpperCase();
    this.rng = new Prng(opts.seed ?? 1);
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.timers = opts.timers ?? systemIntervalTimers;
    this.info = {
      manufacturer: 'Telecart Simulated Devices',
      model: spec.model,
      serial: opts.serial ?? `SIM-${this.address.replace(/:/g, '').slice(-6)}`,
      firmware: spec.firmware,
    };
    this.peripheral = {
      address: this.address,
      name: spec.name,
      advertisedServices: [spec.service],
      services: [{ uuid: spec.service, characteristics: spec.characteristics }, disService(this.info)],
      onSubscriptionChange: (link, _uuid, subscribed) => {
        if (subscribed) this.flush(link);
      },
    };
  }

  /** Final readings delivered so far. */
  get readings(): VirtualReading[] {
    return this.sent.filter((p) => p.final).map((p) => p.reading);
  }

  /** Final readings taken but not yet delivered. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Links the device to the look-alike (the value BluezSim.addPeripheral returned). */
  attach(link: PeripheralLink | undefined): void {
    this.link = link;
  }

  start(): void {
    const every = this.opts.intervalMs ?? 0;
    if (every > 0 && this.interval === undefined) this.interval = this.timers.setInterval(() => this.measureNow(), every);
  }

  stop(): void {
    if (this.interval !== undefined) this.timers.clearInterval(this.interval);
    this.interval = undefined;
  }

  /**
   * Takes one reading now. Live PDUs go out only if a central listens; the final reading is
   * delivered now or kept until one subscribes. Returns the final reading.
   */
  measureNow(): VirtualReading | undefined {
    const deviceTime = toDeviceDateTime(this.clock.now() + (this.opts.clockOffsetMs ?? 0), this.opts.timeZone);
    const pdus = this.spec.measure(this.rng, deviceTime);
    let final: VirtualReading | undefined;
    for (const pdu of pdus) {
      if (pdu.final) {
        final = pdu.reading;
        this.pending.push(pdu);
        const capacity = this.opts.storeCapacity ?? 50;
        while (this.pending.length > capacity) this.pending.shift();
      } else if (this.link) {
        this.send(this.link, pdu);
      }
    }
    if (this.link) this.flush(this.link);
    return final;
  }

  private send(link: PeripheralLink, pdu: Pdu): boolean {
    if (!link.notify(pdu.characteristic, pdu.bytes)) return false;
    this.sent.push({
      address: this.address,
      characteristic: pdu.characteristic.toUpperCase(),
      bytes: pdu.bytes,
      reading: pdu.reading,
      final: pdu.final,
      sentAt: this.clock.now(),
    });
    return true;
  }

  private flush(link: PeripheralLink): void {
    while (this.pending.length > 0) {
      const next = this.pending[0];
      if (!next || !this.send(link, next)) return;
      this.pending.shift();
    }
  }
}
