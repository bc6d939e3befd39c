/**
 * Pulse Oximeter Service: PLX Spot-Check (0x2A5E), PLX Continuous (0x2A5F), PLX Features (0x2A60).
 * The flag bits of spot-check and continuous DIFFER (spot: 0 timestamp, 1 meas. status, 2 device status,
 * 3 PAI, 4 clock not set; continuous: 0 fast, 1 slow, 2 meas. status, 3 device status, 4 PAI).
 * Status words are kept raw (round trips, reserved bits); `plxMeasurementStatusNames` etc. name the set bits.
 * Trailing bytes are ignored.
 */
import type { DeviceDateTime } from '../model/draft.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { Medfloat } from './ieee11073.js';
import { type CodecResult, decodeWith } from './result.js';

/** Measurement Status bits 5..15 (0..4 reserved). */
export const PLX_MEASUREMENT_STATUS = {
  'measurement-ongoing': 5,
  'early-estimated-data': 6,
  'validated-data': 7,
  'fully-qualified-data': 8,
  'data-from-storage': 9,
  'demonstration-data': 10,
  'testing-data': 11,
  'calibration-ongoing': 12,
  'measurement-unavailable': 13,
  'questionable-measurement': 14,
  'invalid-measurement': 15,
} as const;
export type PlxMeasurementStatusName = keyof typeof PLX_MEASUREMENT_STATUS;

/** Device and Sensor Status bits 0..15 (16..23 reserved). */
export const PLX_DEVICE_SENSOR_STATUS = {
  'extended-display-update-ongoing': 0,
  'equipment-malfunction': 1,
  'signal-processing-irregularity': 2,
  'inadequate-signal': 3,
  'poor-signal': 4,
  'low-perfusion': 5,
  'erratic-signal': 6,
  'non-pulsatile-signal': 7,
  'questionable-pulse': 8,
  'signal-analysis-ongoing': 9,
  'sensor-interference': 10,
  'sensor-unconnected-to-user': 11,
  'unknown-sensor-connected': 12,
  'sensor-displaced': 13,
  'sensor-malfunctioning': 14,
  'sensor-disconnected': 15,
} as const;
export type PlxDeviceSensorStatusName = keyof typeof PLX_DEVICE_SENSOR_STATUS;

function namesOf<K extends string>(table: Record<K, number>, raw: number): K[] {
  return (Object.keys(table) as K[]).filter((k) => (raw & (1 << table[k])) !== 0);
}
function bitsOf<K extends string>(table: Record<K, number>, names: readonly K[]): number {
  return names.reduce((acc, n) => acc | (1 << table[n]), 0);
}

export const plxMeasurementStatusNames = (raw: number): PlxMeasurementStatusName[] => namesOf(PLX_MEASUREMENT_STATUS, raw);
export const plxMeasurementStatusBits = (names: readonly PlxMeasurementStatusName[]): number => bitsOf(PLX_MEASUREMENT_STATUS, names);
export const plxDeviceSensorStatusNames = (raw: number): PlxDeviceSensorStatusName[] => namesOf(PLX_DEVICE_SENSOR_STATUS, raw);
export const plxDeviceSensorStatusBits = (names: readonly PlxDeviceSensorStatusName[]): number => bitsOf(PLX_DEVICE_SENSOR_STATUS, names);

export interface Spo2PulseRate {
  /** % */
  spo2: Medfloat;
  /** beats per minute */
  pulseRate: Medfloat;
}

export interface PlxSpotCheck extends Spo2PulseRate {
  timestamp?: DeviceDateTime;
  /** Measurement Status uint16 as sent. */
  measurementStatus?: number;
  /** Device and Sensor Status uint24 as sent. */
  deviceSensorStatus?: number;
  /** Pulse Amplitude Index, %. */
  pulseAmplitudeIndex?: Medfloat;
  /** Flag bit 4: the device clock is not set, so its timestamp (if any) is meaningless. */
  deviceClockNotSet: boolean;
  /** Flag bits 5..7 as received (reserved). */
  reservedFlags?: number;
}

export interface PlxContinuous {
  normal: Spo2PulseRate;
  fast?: Spo2PulseRate;
  slow?: Spo2PulseRate;
  measurementStatus?: number;
  deviceSensorStatus?: number;
  pulseAmplitudeIndex?: Medfloat;
  /** Flag bits 5..7 as received (reserved). */
  reservedFlags?: number;
}

const FLAGS_RESERVED = 0xe0;

function readPair(r: ByteReader, prefix: string): Spo2PulseRate {
  return { spo2: r.sfloat(`${prefix}spo2`), pulseRate: r.sfloat(`${prefix}pulseRate`) };
}

export function decodePlxSpotCheck(bytes: Uint8Array): CodecResult<PlxSpotCheck> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const m: PlxSpotCheck = { ...readPair(r, ''), deviceClockNotSet: (flags & 0x10) !== 0 };
    if (flags & 0x01) m.timestamp = r.dateTime('timestamp');
    if (flags & 0x02) m.measurementStatus = r.uint16('measurementStatus');
    if (flags & 0x04) m.deviceSensorStatus = r.uint24('deviceSensorStatus');
    if (flags & 0x08) m.pulseAmplitudeIndex = r.sfloat('pulseAmplitudeIndex');
    if (flags & FLAGS_RESERVED) m.reservedFlags = flags & FLAGS_RESERVED;
    return m;
  });
}

export function encodePlxSpotCheck(m: PlxSpotCheck): Uint8Array {
  const flags =
    (m.timestamp ? 0x01 : 0) |
    (m.measurementStatus !== undefined ? 0x02 : 0) |
    (m.deviceSensorStatus !== undefined ? 0x04 : 0) |
    (m.pulseAmplitudeIndex ? 0x08 : 0) |
    (m.deviceClockNotSet ? 0x10 : 0) |
    ((m.reservedFlags ?? 0) & FLAGS_RESERVED);
  const w = new ByteWriter().uint8(flags).sfloat(m.spo2).sfloat(m.pulseRate);
  if (m.timestamp) w.dateTime(m.timestamp);
  if (m.measurementStatus !== undefined) w.uint16(m.measurementStatus, 'measurementStatus');
  if (m.deviceSensorStatus !== undefined) w.uint24(m.deviceSensorStatus, 'deviceSensorStatus');
  if (m.pulseAmplitudeIndex) w.sfloat(m.pulseAmplitudeIndex);
  return w.bytes();
}

export function decodePlxContinuous(bytes: Uint8Array): CodecResult<PlxContinuous> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const m: PlxContinuous = { normal: readPair(r, 'normal.') };
    if (flags & 0x01) m.fast = readPair(r, 'fast.');
    if (flags & 0x02) m.slow = readPair(r, 'slow.');
    if (flags & 0x04) m.measurementStatus = r.uint16('measurementStatus');
    if (flags & 0x08) m.deviceSensorStatus = r.uint24('deviceSensorStatus');
    if (flags & 0x10) m.pulseAmplitudeIndex = r.sfloat('pulseAmplitudeIndex');
    if (flags & FLAGS_RESERVED) m.reservedFlags = flags & FLAGS_RESERVED;
    return m;
  });
}

export function encodePlxContinuous(m: PlxContinuous): Uint8Array {
  const flags =
    (m.fast ? 0x01 : 0) |
    (m.slow ? 0x02 : 0) |
    (m.measurementStatus !== undefined ? 0x04 : 0) |
    (m.deviceSensorStatus !== undefined ? 0x08 : 0) |
    (m.pulseAmplitudeIndex ? 0x10 : 0) |
    ((m.reservedFlags ?? 0) & FLAGS_RESERVED);
  const w = new ByteWriter().uint8(flags).sfloat(m.normal.spo2).sfloat(m.normal.pulseRate);
  if (m.fast) w.sfloat(m.fast.spo2).sfloat(m.fast.pulseRate);
  if (m.slow) w.sfloat(m.slow.spo2).sfloat(m.slow.pulseRate);
  if (m.measurementStatus !== undefined) w.uint16(m.measurementStatus, 'measurementStatus');
  if (m.deviceSensorStatus !== undefined) w.uint24(m.deviceSensorStatus, 'deviceSensorStatus');
  if (m.pulseAmplitudeIndex) w.sfloat(m.pulseAmplitudeIndex);
  return w.bytes();
}

export interface PlxFeatures {
  measurementStatusSupported: boolean;
  deviceSensorStatusSupported: boolean;
  spotCheckStorage: boolean;
  spotCheckTimestamp: boolean;
  spo2prFast: boolean;
  spo2prSlow: boolean;
  pulseAmplitudeIndex: boolean;
  multipleBonds: boolean;
  /** Supported Features uint16 as sent. */
  raw: number;
  /** Which Measurement Status bits the device can set (present if bit 0). */
  measurementStatusSupport?: number;
  /** Which Device and Sensor Status bits the device can set (present if bit 1). */
  deviceSensorStatusSupport?: number;
}

export function decodePlxFeatures(bytes: Uint8Array): CodecResult<PlxFeatures> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const raw = r.uint16('supportedFeatures');
    const bit = (n: number) => (raw & (1 << n)) !== 0;
    const f: PlxFeatures = {
      measurementStatusSupported: bit(0),
      deviceSensorStatusSupported: bit(1),
      spotCheckStorage: bit(2),
      spotCheckTimestamp: bit(3),
      spo2prFast: bit(4),
      spo2prSlow: bit(5),
      pulseAmplitudeIndex: bit(6),
      multipleBonds: bit(7),
      raw,
    };
    if (bit(0)) f.measurementStatusSupport = r.uint16('measurementStatusSupport');
    if (bit(1)) f.deviceSensorStatusSupport = r.uint24('deviceSensorStatusSupport');
    return f;
  });
}

/** Bits 0/1 follow the presence of the support words; the other named bits win over `raw` (reserved 8..15 kept). */
export function encodePlxFeatures(f: Omit<PlxFeatures, 'measurementStatusSupported' | 'deviceSensorStatusSupported'>): Uint8Array {
  const named = [
    f.measurementStatusSupport !== undefined,
    f.deviceSensorStatusSupport !== undefined,
    f.spotCheckStorage,
    f.spotCheckTimestamp,
    f.spo2prFast,
    f.spo2prSlow,
    f.pulseAmplitudeIndex,
    f.multipleBonds,
  ].reduce((acc, on, n) => (on ? acc | (1 << n) : acc), 0);
  const w = new ByteWriter().uint16((f.raw & 0xff00) | named);
  if (f.measurementStatusSupport !== undefined) w.uint16(f.measurementStatusSupport, 'measurementStatusSupport');
  if (f.deviceSensorStatusSupport !== undefined) w.uint24(f.deviceSensorStatusSupport, 'deviceSensorStatusSupport');
  return w.bytes();
}
