/**
 * Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure (0x2A36), same layout:
 * flags, 3 × SFLOAT, then time stamp / pulse rate / user id / measurement status as the flags say.
 * Lengths come from the flags; a short PDU is an error naming the field. Trailing bytes are ignored
 * (later profile versions append fields, e.g. E2E-CRC) and reserved bits are kept for round trips.
 */
import type { DeviceDateTime } from '../model/draft.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { Medfloat } from './ieee11073.js';
import { type CodecResult, decodeWith } from './result.js';

export type PressureUnit = 'mmHg' | 'kPa';
export type PulseRateRange = 'within' | 'above-upper-limit' | 'below-lower-limit' | 'reserved';

const FLAG_KPA = 0x01;
const FLAG_TIMESTAMP = 0x02;
const FLAG_PULSE = 0x04;
const FLAG_USER = 0x08;
const FLAG_STATUS = 0x10;
const FLAGS_RESERVED = 0xe0;

export interface BloodPressureStatus {
  bodyMovement: boolean;
  cuffTooLoose: boolean;
  irregularPulse: boolean;
  pulseRateRange: PulseRateRange;
  improperPosition: boolean;
  /** Bits 6..15 as received, in place (reserved). */
  reservedBits?: number;
}

/** Fields shared by 0x2A35 and 0x2A36 after the three pressures. */
interface BloodPressureTail {
  unit: PressureUnit;
  /** Date Time fields as sent (zeros = unknown); see classifyDateTime. */
  timestamp?: DeviceDateTime;
  /** Beats per minute. */
  pulseRate?: Medfloat;
  /** User ID as sent; 0xFF means "unknown user". */
  userId?: number;
  status?: BloodPressureStatus;
  /** Flag bits 5..7 as received (reserved). */
  reservedFlags?: number;
}

export interface BloodPressureMeasurement extends BloodPressureTail {
  systolic: Medfloat;
  diastolic: Medfloat;
  meanArterialPressure: Medfloat;
}

/** 0x2A36: the systolic slot carries the current cuff pressure; diastolic and MAP are unused. */
export interface IntermediateCuffPressure extends BloodPressureTail {
  cuffPressure: Medfloat;
}

const RANGES: PulseRateRange[] = ['within', 'above-upper-limit', 'below-lower-limit', 'reserved'];

export function decodeBloodPressureStatus(raw: number): BloodPressureStatus {
  const status: BloodPressureStatus = {
    bodyMovement: (raw & 0x0001) !== 0,
    cuffTooLoose: (raw & 0x0002) !== 0,
    irregularPulse: (raw & 0x0004) !== 0,
    pulseRateRange: RANGES[(raw >> 3) & 0x3] ?? 'reserved',
    improperPosition: (raw & 0x0020) !== 0,
  };
  if (raw & 0xffc0) status.reservedBits = raw & 0xffc0;
  return status;
}

export function encodeBloodPressureStatus(s: BloodPressureStatus): number {
  return (
    (s.bodyMovement ? 0x01 : 0) |
    (s.cuffTooLoose ? 0x02 : 0) |
    (s.irregularPulse ? 0x04 : 0) |
    (RANGES.indexOf(s.pulseRateRange) << 3) |
    (s.improperPosition ? 0x20 : 0) |
    ((s.reservedBits ?? 0) & 0xffc0)
  );
}

function readTail(r: ByteReader, flags: number): BloodPressureTail {
  const tail: BloodPressureTail = { unit: flags & FLAG_KPA ? 'kPa' : 'mmHg' };
  if (flags & FLAG_TIMESTAMP) tail.timestamp = r.dateTime('timestamp');
  if (flags & FLAG_PULSE) tail.pulseRate = r.sfloat('pulseRate');
  if (flags & FLAG_USER) tail.userId = r.uint8('userId');
  if (flags & FLAG_STATUS) tail.status = decodeBloodPressureStatus(r.uint16('measurementStatus'));
  if (flags & FLAGS_RESERVED) tail.reservedFlags = flags & FLAGS_RESERVED;
  return tail;
}

function writeMeasurement(first: Medfloat, second: Medfloat, third: Medfloat, t: BloodPressureTail): Uint8Array {
  const flags =
    (t.unit === 'kPa' ? FLAG_KPA : 0) |
    (t.timestamp ? FLAG_TIMESTAMP : 0) |
    (t.pulseRate ? FLAG_PULSE : 0) |
    (t.userId !== undefined ? FLAG_USER : 0) |
    (t.status ? FLAG_STATUS : 0) |
    ((t.reservedFlags ?? 0) & FLAGS_RESERVED);
  const w = new ByteWriter().uint8(flags).sfloat(first).sfloat(second).sfloat(third);
  if (t.timestamp) w.dateTime(t.timestamp);
  if (t.pulseRate) w.sfloat(t.pulseRate);
  if (t.userId !== undefined) w.uint8(t.userId, 'userId');
  if (t.status) w.uint16(encodeBloodPressureStatus(t.status));
  return w.bytes();
}

export function decodeBloodPressureMeasurement(bytes: Uint8Array): CodecResult<BloodPressureMeasurement> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const systolic = r.sfloat('systolic');
    const diastolic = r.sfloat('diastolic');
    const meanArterialPressure = r.sfloat('meanArterialPressure');
    return { systolic, diastolic, meanArterialPressure, ...readTail(r, flags) };
  });
}

export function encodeBloodPressureMeasurement(m: BloodPressureMeasurement): Uint8Array {
  return writeMeasurement(m.systolic, m.diastolic, m.meanArterialPressure, m);
}

export function decodeIntermediateCuffPressure(bytes: Uint8Array): CodecResult<IntermediateCuffPressure> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const cuffPressure = r.sfloat('cuffPressure');
    // Unused slots must still be present: the layout is fixed.
    r.sfloat('diastolic');
    r.sfloat('meanArterialPressure');
    return { cuffPressure, ...readTail(r, flags) };
  });
}

/** Unused diastolic/MAP slots are sent as SFLOAT NaN, the common practice. */
export function encodeIntermediateCuffPressure(m: IntermediateCuffPressure): Uint8Array {
  const nan: Medfloat = { kind: 'nan' };
  return writeMeasurement(m.cuffPressure, nan, nan, m);
}

export interface BloodPressureFeature {
  bodyMovementDetection: boolean;
  cuffFitDetection: boolean;
  irregularPulseDetection: boolean;
  pulseRateRangeDetection: boolean;
  measurementPositionDetection: boolean;
  multipleBonds: boolean;
  e2eCrc: boolean;
  userDataService: boolean;
  userFacingTime: boolean;
  /** The uint16 as received. */
  raw: number;
}

/** Blood Pressure Feature (0x2A49, uint16). */
export function decodeBloodPressureFeature(bytes: Uint8Array): CodecResult<BloodPressureFeature> {
  return decodeWith(() => {
    const raw = new ByteReader(bytes).uint16('features');
    const bit = (n: number) => (raw & (1 << n)) !== 0;
    return {
      bodyMovementDetection: bit(0),
      cuffFitDetection: bit(1),
      irregularPulseDetection: bit(2),
      pulseRateRangeDetection: bit(3),
      measurementPositionDetection: bit(4),
      multipleBonds: bit(5),
      e2eCrc: bit(6),
      userDataService: bit(7),
      userFacingTime: bit(8),
      raw,
    };
  });
}

/** The named bits win over `raw`; raw only contributes the reserved bits 9..15. */
export function encodeBloodPressureFeature(f: BloodPressureFeature): Uint8Array {
  const named = [
    f.bodyMovementDetection,
    f.cuffFitDetection,
    f.irregularPulseDetection,
    f.pulseRateRangeDetection,
    f.measurementPositionDetection,
    f.multipleBonds,
    f.e2eCrc,
    f.userDataService,
    f.userFacingTime,
  ].reduce((acc, on, n) => (on ? acc | (1 << n) : acc), 0);
  return new ByteWriter().uint16((f.raw & 0xfe00) | named).bytes();
}
