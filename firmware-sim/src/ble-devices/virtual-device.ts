/**
 * The behaviour the simulated medical devices share: take a reading (on a timer or on demand),
 * send its PDUs on the right characteristics, keep final readings in memory until a central
 * subscribes (as real cuffs and scales do), and log every PDU actually delivered.
 */
import { type Clock, type DeviceDateTime, epochToZonedFields } from '@telecart/devices';
import type { PeripheralLink, SimCharacteristic, SimPeripheral, SimSecurity, SimService } from '../bluez/types.js';
import { type CurrentTimeMode, DeviceClock } from './device-clock.js';
import { Prng } from './prng.js';
import { RacpServer, RecordMemory, type StoredRecord } from './record-memory.js';

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
  | { type: 'weight'; kg: number; time: DeviceDateTime; userId?: number }
  | {
      type: 'spo2-spot-check';
      spo2: number;
      pulse: number;
      time: DeviceDateTime;
      /** PLX Measurement Status / Device and Sensor Status words, when a condition asked for them. */
      measurementStatus?: number;
      deviceSensorStatus?: number;
    }
  | { type: 'spo2-continuous'; spo2: number; pulse: number }
  | { type: 'temperature'; celsius: number; time: DeviceDateTime; site: number }
  | { type: 'heart-rate'; bpm: number; rrIntervals: number[]; contact?: 'contact' | 'no-contact' }
  | {
      type: 'glucose';
      mgdl: number;
      time: DeviceDateTime;
      sequenceNumber: number;
      meal?: number;
      /** Sensor Status Annunciation word, when a condition asked for one. */
      sensorStatus?: number;
      /** Sample type nibble (default 1, capillary whole blood; 10 = control solution). */
      sampleType?: number;
    };

/**
 * A device condition for one reading (measureNow(condition)): the status bits a real device sets on a
 * meter quality check, a HI / LO result, a probe off the finger, a strap without skin contact.
 * Each simulator uses the fields of its profile and ignores the others.
 */
export interface ReadingCondition {
  /** Glucose: a control-solution test (sample type 10) instead of the patient's blood. */
  controlSolution?: boolean;
  /** Glucose Sensor Status Annunciation word. */
  glucoseSensorStatus?: number;
  /** Glucose value to report instead of a random one (e.g. the meter's limit for HI / LO). */
  mgdl?: number;
  /** PLX spot-check Measurement Status word. */
  plxMeasurementStatus?: number;
  /** PLX spot-check Device and Sensor Status word. */
  plxDeviceSensorStatus?: number;
  /** SpO2 / pulse to report instead of random ones. */
  spo2?: number;
  pulse?: number;
  /** Heart rate: skin contact detected or not (default 'contact'). */
  contact?: 'contact' | 'no-contact';
  /** Heart rate to report instead of the walk's next value. */
  bpm?: number;
}

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
  /** Replayed with the record by RACP (default: `final`), e.g. a glucose context. */
  stored?: boolean;
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
  /**
   * The device refuses its medical characteristics until bonded (the BlueZ look-alike's pairing honours it:
   * `security: { bonding: 'required', io: 'NoInputNoOutput' }` unless `security` says otherwise).
   */
  requiresBonding?: boolean;
  /** Full pairing description passed to the look-alike (io capability, passkey). */
  security?: SimSecurity;
  /**
   * Keep a sequence-numbered record memory and serve Record Access Control Point 0x2A52 (write + indicate)
   * in the primary service: report / delete / count / abort. Glucose meters always do.
   */
  keepsRecords?: boolean;
  /** Records kept (oldest dropped). Default 200. */
  recordCapacity?: number;
  /** First sequence number. Default 1. */
  firstSequenceNumber?: number;
  /** Pause between records of a RACP report, so an abort can arrive. Default 0 (next macrotask). */
  recordIntervalMs?: number;
  /** Device clock after a power loss: it restarts at these wall-clock fields (in timeZone), e.g. 2021-01-01 00:00:00. */
  clockResetTo?: DeviceDateTime;
  /**
   * Current Time Service 0x1805 / 0x2A2B: 'writable' sets the device clock (and records the write),
   * 'read-only', 'refuses-writes' (ATT 0x80). Default: 'writable' when clockResetTo is set, else no CTS.
   */
  currentTime?: CurrentTimeMode;
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
  /** Produces the PDUs of one reading, in sending order; `sequenceNumber` is the record number it gets. */
  measure(rng: Prng, deviceTime: DeviceDateTime, sequenceNumber: number, condition?: ReadingCondition): Pdu[];
  /**
   * Final readings wait in memory until a central subscribes (default). False: they go out live only
   * (a glucose meter: stored readings are fetched through RACP).
   */
  queueUntilSubscribed?: boolean;
  /** Serve RACP even without the keepsRecords option. */
  alwaysKeepsRecords?: boolean;
  /** Services after the primary one (e.g. a second device-specific service). */
  extraServices?: SimService[];
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
  /** The device's wall clock (wrong after a reset, set by Current Time writes). */
  readonly deviceClock: DeviceClock;
  /** Numbered memory of final readings, when the device keeps records. */
  readonly memory: RecordMemory | undefined;
  /** The RACP server, when the device keeps records. */
  readonly racp: RacpServer | undefined;
  /** Every PDU the RACP server sent (records replayed and RACP indications). */
  readonly racpSent: { characteristic: string; bytes: Uint8Array }[] = [];
  private nextSequenceNumber: number;

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
    this.deviceClock = new DeviceClock(this.clock, opts.timeZone ?? 'UTC', {
      ...(opts.clockOffsetMs !== undefined ? { offsetMs: opts.clockOffsetMs } : {}),
      ...(opts.clockResetTo ? { resetTo: opts.clockResetTo } : {}),
    });
    this.nextSequenceNumber = opts.firstSequenceNumber ?? 1;
    const characteristics = [...spec.characteristics];
    if (opts.keepsRecords || spec.alwaysKeepsRecords) {
      const memory = new RecordMemory(opts.recordCapacity ?? 200);
      const racp = new RacpServer({
        memory,
        link: () => this.link,
        ...(opts.recordIntervalMs !== undefined ? { recordIntervalMs: opts.recordIntervalMs } : {}),
        onSent: (characteristic, bytes) => this.racpSent.push({ characteristic, bytes }),
      });
      characteristics.push({ uuid: '2A52', flags: ['write', 'indicate'], write: (value) => racp.handleWrite(value) });
      this.memory = memory;
      this.racp = racp;
    }
    const ctsMode = opts.currentTime ?? (opts.clockResetTo ? 'writable' : undefined);
    const security = opts.security ?? (opts.requiresBonding ? { bonding: 'required' as const, io: 'NoInputNoOutput' as const } : undefined);
    this.peripheral = {
      address: this.address,
      name: spec.name,
      advertisedServices: [spec.service],
      services: [
        { uuid: spec.service, characteristics },
        ...(spec.extraServices ?? []),
        ...(ctsMode ? [this.deviceClock.service(ctsMode)] : []),
        disService(this.info),
      ],
      ...(security ? { security } : {}),
      onSubscriptionChange: (link, _uuid, subscribed) => {
        if (subscribed) this.flush(link);
      },
    };
  }

  /** True when the device refuses its characteristics until bonded. */
  get requiresBonding(): boolean {
    return this.peripheral.security?.bonding === 'required';
  }

  /** Stored records (empty unless the device keeps records). */
  get records(): readonly StoredRecord[] {
    return this.memory?.records ?? [];
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
    this.racp?.abort();
  }

  /**
   * Takes one reading now. Live PDUs go out only if a central listens; the final reading is
   * delivered now or kept until one subscribes. Returns the final reading.
   */
  measureNow(condition?: ReadingCondition): VirtualReading | undefined {
    const sequenceNumber = this.nextSequenceNumber;
    const pdus = this.spec.measure(this.rng, this.deviceClock.now(), sequenceNumber, condition);
    const queue = this.spec.queueUntilSubscribed ?? true;
    let final: VirtualReading | undefined;
    for (const pdu of pdus) {
      if (pdu.final && queue) {
        final = pdu.reading;
        this.pending.push(pdu);
        const capacity = this.opts.storeCapacity ?? 50;
        while (this.pending.length > capacity) this.pending.shift();
      } else {
        if (pdu.final) final = pdu.reading;
        if (this.link) this.send(this.link, pdu);
      }
    }
    const stored = pdus.filter((p) => p.stored ?? p.final);
    if (final && stored.length > 0) {
      this.nextSequenceNumber = (sequenceNumber + 1) & 0xffff;
      this.memory?.add({ sequenceNumber, reading: final, pdus: stored, takenAt: this.deviceClock.nowMs() });
    }
    if (this.link) this.flush(this.link);
    return final;
  }

  /** The sequence number the next stored reading gets. */
  get sequenceNumber(): number {
    return this.nextSequenceNumber;
  }

  /**
   * What a battery change, factory reset or a replacement meter does to record numbering: numbering
   * restarts at `firstSequenceNumber` (default 1), and the memory is cleared unless `keepRecords`
   * (a device that keeps its memory but restarts, or wraps, its counter). Any running report stops.
   */
  resetRecords(opts: { firstSequenceNumber?: number; keepRecords?: boolean } = {}): void {
    const first = opts.firstSequenceNumber ?? 1;
    if (!Number.isInteger(first) || first < 0 || first > 0xffff) throw new RangeError(`invalid first sequence number ${first}`);
    this.racp?.abort();
    if (!opts.keepRecords) this.memory?.clear();
    this.nextSequenceNumber = first;
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
