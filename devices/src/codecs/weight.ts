/**
 * Weight Measurement (0x2A9D) and Weight Scale Feature (0x2A9E).
 * Resolutions are the SIG field definitions: weight 0.005 kg / 0.01 lb, BMI 0.1 kg/m², height 0.001 m / 0.1 in.
 * (A feature-declared coarser resolution only says how many digits are meaningful; the field unit stays fixed.)
 * Trailing bytes are ignored; reserved flag bits are kept for round trips.
 */
import type { DeviceDateTime } from '../model/draft.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { type CodecResult, decodeWith } from './result.js';

export type UnitSystem = 'SI' | 'imperial';

const FLAG_IMPERIAL = 0x01;
const FLAG_TIMESTAMP = 0x02;
const FLAG_USER = 0x04;
const FLAG_BMI_HEIGHT = 0x08;
const FLAGS_RESERVED = 0xf0;

/** Raw weight 0xFFFF: "measurement unsuccessful". */
export const WEIGHT_UNSUCCESSFUL = 0xffff;

export interface WeightMeasurement {
  /** SI: weight in kg, height in m. Imperial: weight in lb, height in inches. */
  unitSystem: UnitSystem;
  /** kg or lb; null when the scale sent 0xFFFF (measurement unsuccessful). */
  weight: number | null;
  timestamp?: DeviceDateTime;
  /** User ID as sent; 0xFF means "unknown user". */
  userId?: number;
  /** kg/m²; BMI and height are present together. */
  bmi?: number;
  /** m (SI) or in (imperial). */
  height?: number;
  /** Flag bits 4..7 as received (reserved). */
  reservedFlags?: number;
}

const RES = {
  SI: { weight: 200, height: 1000 }, // 1 / 0.005 kg, 1 / 0.001 m
  imperial: { weight: 100, height: 10 }, // 1 / 0.01 lb, 1 / 0.1 in
} as const;

export function decodeWeightMeasurement(bytes: Uint8Array): CodecResult<WeightMeasurement> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const unitSystem: UnitSystem = flags & FLAG_IMPERIAL ? 'imperial' : 'SI';
    const res = RES[unitSystem];
    const raw = r.uint16('weight');
    // Division by the exact reciprocal gives the nearest double to the decimal (14100 / 200 = 70.5).
    const m: WeightMeasurement = { unitSystem, weight: raw === WEIGHT_UNSUCCESSFUL ? null : raw / res.weight };
    if (flags & FLAG_TIMESTAMP) m.timestamp = r.dateTime('timestamp');
    if (flags & FLAG_USER) m.userId = r.uint8('userId');
    if (flags & FLAG_BMI_HEIGHT) {
      m.bmi = r.uint16('bmi') / 10;
      m.height = r.uint16('height') / res.height;
    }
    if (flags & FLAGS_RESERVED) m.reservedFlags = flags & FLAGS_RESERVED;
    return m;
  });
}

function scaled(name: string, v: number, factor: number, max: number): number {
  const raw = Math.round(v * factor);
  if (!Number.isFinite(raw) || raw < 0 || raw > max) throw new RangeError(`${name}: ${v} does not fit (0..${max / factor})`);
  return raw;
}

/** Throws RangeError when BMI and height are not given together or a value does not fit its field. */
export function encodeWeightMeasurement(m: WeightMeasurement): Uint8Array {
  if ((m.bmi === undefined) !== (m.height === undefined)) throw new RangeError('bmi and height must be given together');
  const res = RES[m.unitSystem];
  const flags =
    (m.unitSystem === 'imperial' ? FLAG_IMPERIAL : 0) |
    (m.timestamp ? FLAG_TIMESTAMP : 0) |
    (m.userId !== undefined ? FLAG_USER : 0) |
    (m.bmi !== undefined ? FLAG_BMI_HEIGHT : 0) |
    ((m.reservedFlags ?? 0) & FLAGS_RESERVED);
  const w = new ByteWriter().uint8(flags);
  w.uint16(m.weight === null ? WEIGHT_UNSUCCESSFUL : scaled('weight', m.weight, res.weight, 0xfffe));
  if (m.timestamp) w.dateTime(m.timestamp);
  if (m.userId !== undefined) w.uint8(m.userId, 'userId');
  if (m.bmi !== undefined && m.height !== undefined) {
    w.uint16(scaled('bmi', m.bmi, 10, 0xffff));
    w.uint16(scaled('height', m.height, res.height, 0xffff));
  }
  return w.bytes();
}

/** One step of a resolution enumeration, in both unit systems. */
export interface WeightResolution {
  kg: number;
  lb: number;
}
export interface HeightResolution {
  m: number;
  in: number;
}

export interface WeightScaleFeature {
  timestampSupported: boolean;
  multipleUsersSupported: boolean;
  bmiSupported: boolean;
  /** 0 = not specified, 1..7 (see WEIGHT_RESOLUTIONS). */
  weightResolutionCode: number;
  weightResolution?: WeightResolution;
  /** 0 = not specified, 1..3 (see HEIGHT_RESOLUTIONS). */
  heightResolutionCode: number;
  heightResolution?: HeightResolution;
  /** Bits 10..31 as received (reserved). */
  reservedBits?: number;
}

export const WEIGHT_RESOLUTIONS: Record<number, WeightResolution> = {
  1: { kg: 0.5, lb: 1 },
  2: { kg: 0.2, lb: 0.5 },
  3: { kg: 0.1, lb: 0.2 },
  4: { kg: 0.05, lb: 0.1 },
  5: { kg: 0.02, lb: 0.05 },
  6: { kg: 0.01, lb: 0.02 },
  7: { kg: 0.005, lb: 0.01 },
};

export const HEIGHT_RESOLUTIONS: Record<number, HeightResolution> = {
  1: { m: 0.01, in: 1 },
  2: { m: 0.005, in: 0.5 },
  3: { m: 0.001, in: 0.1 },
};

export function decodeWeightScaleFeature(bytes: Uint8Array): CodecResult<WeightScaleFeature> {
  return decodeWith(() => {
    const raw = new ByteReader(bytes).uint32('features');
    const weightResolutionCode = (raw >>> 3) & 0xf;
    const heightResolutionCode = (raw >>> 7) & 0x7;
    const f: WeightScaleFeature = {
      timestampSupported: (raw & 0x1) !== 0,
      multipleUsersSupported: (raw & 0x2) !== 0,
      bmiSupported: (raw & 0x4) !== 0,
      weightResolutionCode,
      heightResolutionCode,
    };
    const wr = WEIGHT_RESOLUTIONS[weightResolutionCode];
    if (wr) f.weightResolution = wr;
    const hr = HEIGHT_RESOLUTIONS[heightResolutionCode];
    if (hr) f.heightResolution = hr;
    const reserved = (raw & ~0x3ff) >>> 0;
    if (reserved) f.reservedBits = reserved;
    return f;
  });
}

export function encodeWeightScaleFeature(f: WeightScaleFeature): Uint8Array {
  if (f.weightResolutionCode < 0 || f.weightResolutionCode > 15) throw new RangeError('weightResolutionCode: 0..15');
  if (f.heightResolutionCode < 0 || f.heightResolutionCode > 7) throw new RangeError('heightResolutionCode: 0..7');
  const raw =
    (f.timestampSupported ? 0x1 : 0) |
    (f.multipleUsersSupported ? 0x2 : 0) |
    (f.bmiSupported ? 0x4 : 0) |
    (f.weightResolutionCode << 3) |
    (f.heightResolutionCode << 7) |
    ((f.reservedBits ?? 0) & ~0x3ff);
  return new ByteWriter().uint32(raw >>> 0).bytes();
}

/**
 * Body Composition Measurement (0x2A9C, Body Composition Service 0x181B), the weight family's companion:
 * 16-bit flags, body fat in 0.1 % (0xFFFF: measurement unsuccessful, then the scale sends no other value),
 * then per flag: time stamp, user ID, basal metabolism (kJ), muscle % (0.1 %), muscle, fat-free, soft lean
 * and body water masses (the Weight Measurement's mass resolution), impedance (0.1 Ω), weight, height.
 * A measurement split over packets (flag bit 12) is decoded packet by packet: `multiplePacket` says so.
 */
const BC_IMPERIAL = 0x0001;
const BC_TIMESTAMP = 0x0002;
const BC_USER = 0x0004;
const BC_BASAL_METABOLISM = 0x0008;
const BC_MUSCLE_PERCENT = 0x0010;
const BC_MUSCLE_MASS = 0x0020;
const BC_FAT_FREE_MASS = 0x0040;
const BC_SOFT_LEAN_MASS = 0x0080;
const BC_BODY_WATER_MASS = 0x0100;
const BC_IMPEDANCE = 0x0200;
const BC_WEIGHT = 0x0400;
const BC_HEIGHT = 0x0800;
const BC_MULTIPLE_PACKET = 0x1000;
const BC_RESERVED = 0xe000;

/** Raw body fat 0xFFFF: "measurement unsuccessful". */
export const BODY_FAT_UNSUCCESSFUL = 0xffff;

export interface BodyCompositionMeasurement {
  /** SI: masses in kg, height in m. Imperial: masses in lb, height in inches. */
  unitSystem: UnitSystem;
  /** Body fat, %; null when the scale sent 0xFFFF (measurement unsuccessful). */
  bodyFatPercent: number | null;
  timestamp?: DeviceDateTime;
  /** User ID as sent; 0xFF means "unknown user". */
  userId?: number;
  /** kJ. */
  basalMetabolism?: number;
  musclePercent?: number;
  muscleMass?: number;
  fatFreeMass?: number;
  softLeanMass?: number;
  bodyWaterMass?: number;
  /** Ω. */
  impedance?: number;
  weight?: number;
  height?: number;
  /** Flag bit 12: this packet is part of a measurement split over several. */
  multiplePacket?: boolean;
  /** Flag bits 13..15 as received (reserved). */
  reservedFlags?: number;
}

const BC_MASSES = [
  [BC_MUSCLE_MASS, 'muscleMass'],
  [BC_FAT_FREE_MASS, 'fatFreeMass'],
  [BC_SOFT_LEAN_MASS, 'softLeanMass'],
  [BC_BODY_WATER_MASS, 'bodyWaterMass'],
] as const;

export function decodeBodyCompositionMeasurement(bytes: Uint8Array): CodecResult<BodyCompositionMeasurement> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint16('flags');
    const unitSystem: UnitSystem = flags & BC_IMPERIAL ? 'imperial' : 'SI';
    const res = RES[unitSystem];
    const fat = r.uint16('bodyFatPercent');
    const m: BodyCompositionMeasurement = { unitSystem, bodyFatPercent: fat === BODY_FAT_UNSUCCESSFUL ? null : fat / 10 };
    if (flags & BC_TIMESTAMP) m.timestamp = r.dateTime('timestamp');
    if (flags & BC_USER) m.userId = r.uint8('userId');
    if (flags & BC_BASAL_METABOLISM) m.basalMetabolism = r.uint16('basalMetabolism');
    if (flags & BC_MUSCLE_PERCENT) m.musclePercent = r.uint16('musclePercent') / 10;
    for (const [bit, field] of BC_MASSES) if (flags & bit) m[field] = r.uint16(field) / res.weight;
    if (flags & BC_IMPEDANCE) m.impedance = r.uint16('impedance') / 10;
    if (flags & BC_WEIGHT) m.weight = r.uint16('weight') / res.weight;
    if (flags & BC_HEIGHT) m.height = r.uint16('height') / res.height;
    if (flags & BC_MULTIPLE_PACKET) m.multiplePacket = true;
    if (flags & BC_RESERVED) m.reservedFlags = flags & BC_RESERVED;
    return m;
  });
}

/** Throws RangeError when a value does not fit its field. */
export function encodeBodyCompositionMeasurement(m: BodyCompositionMeasurement): Uint8Array {
  const res = RES[m.unitSystem];
  const has = (v: unknown, bit: number) => (v !== undefined ? bit : 0);
  const flags =
    (m.unitSystem === 'imperial' ? BC_IMPERIAL : 0) |
    has(m.timestamp, BC_TIMESTAMP) |
    has(m.userId, BC_USER) |
    has(m.basalMetabolism, BC_BASAL_METABOLISM) |
    has(m.musclePercent, BC_MUSCLE_PERCENT) |
    BC_MASSES.reduce((f, [bit, field]) => f | has(m[field], bit), 0) |
    has(m.impedance, BC_IMPEDANCE) |
    has(m.weight, BC_WEIGHT) |
    has(m.height, BC_HEIGHT) |
    (m.multiplePacket ? BC_MULTIPLE_PACKET : 0) |
    ((m.reservedFlags ?? 0) & BC_RESERVED);
  const w = new ByteWriter().uint16(flags);
  w.uint16(m.bodyFatPercent === null ? BODY_FAT_UNSUCCESSFUL : scaled('bodyFatPercent', m.bodyFatPercent, 10, 0xfffe));
  if (m.timestamp) w.dateTime(m.timestamp);
  if (m.userId !== undefined) w.uint8(m.userId, 'userId');
  if (m.basalMetabolism !== undefined) w.uint16(scaled('basalMetabolism', m.basalMetabolism, 1, 0xffff));
  if (m.musclePercent !== undefined) w.uint16(scaled('musclePercent', m.musclePercent, 10, 0xffff));
  for (const [, field] of BC_MASSES) {
    const v = m[field];
    if (v !== undefined) w.uint16(scaled(field, v, res.weight, 0xffff));
  }
  if (m.impedance !== undefined) w.uint16(scaled('impedance', m.impedance, 10, 0xffff));
  if (m.weight !== undefined) w.uint16(scaled('weight', m.weight, res.weight, 0xffff));
  if (m.height !== undefined) w.uint16(scaled('height', m.height, res.height, 0xffff));
  return w.bytes();
}
