/**
 * Glucose Service 0x1808: Glucose Measurement (0x2A18), Glucose Measurement Context (0x2A34) and
 * Glucose Feature (0x2A51). Layouts from the SIG XML (sensor status bits 5 = result higher, 6 = lower,
 * as the XML says; Nordic swaps them). Tester is the low nibble, Health the high nibble (Nordic, SIG note).
 * Status words are kept raw (round trips, reserved bits); `glucoseSensorStatusNames` names the set bits.
 * Trailing bytes are ignored; reserved flag bits are kept.
 */
import type { DeviceDateTime } from '../model/draft.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { Medfloat } from './ieee11073.js';
import { type CodecResult, decodeWith } from './result.js';

export type GlucoseUnit = 'kg/L' | 'mol/L';

/** Type nibble (0 and 11..15 reserved). */
export const GLUCOSE_SAMPLE_TYPES: Readonly<Record<number, string>> = {
  1: 'capillary-whole-blood',
  2: 'capillary-plasma',
  3: 'venous-whole-blood',
  4: 'venous-plasma',
  5: 'arterial-whole-blood',
  6: 'arterial-plasma',
  7: 'undetermined-whole-blood',
  8: 'undetermined-plasma',
  9: 'interstitial-fluid',
  10: 'control-solution',
};

/** Sample Location nibble (0 and 6..14 reserved; 5 is Nordic's CGM "subcutaneous tissue"). */
export const GLUCOSE_SAMPLE_LOCATIONS: Readonly<Record<number, string>> = {
  1: 'finger',
  2: 'alternate-site',
  3: 'earlobe',
  4: 'control-solution',
  5: 'subcutaneous-tissue',
  15: 'not-available',
};

/** Sensor Status Annunciation bits 0..11 (SIG XML). */
export const GLUCOSE_SENSOR_STATUS = {
  'battery-low': 0,
  'sensor-malfunction': 1,
  'sample-size-insufficient': 2,
  'strip-insertion-error': 3,
  'strip-type-incorrect': 4,
  'result-above-range': 5,
  'result-below-range': 6,
  'sensor-temperature-too-high': 7,
  'sensor-temperature-too-low': 8,
  'read-interrupted': 9,
  'general-device-fault': 10,
  'time-fault': 11,
} as const;
export type GlucoseSensorStatusName = keyof typeof GLUCOSE_SENSOR_STATUS;

export function glucoseSensorStatusNames(raw: number): GlucoseSensorStatusName[] {
  return (Object.keys(GLUCOSE_SENSOR_STATUS) as GlucoseSensorStatusName[]).filter((k) => (raw & (1 << GLUCOSE_SENSOR_STATUS[k])) !== 0);
}

export function glucoseSensorStatusBits(names: readonly GlucoseSensorStatusName[]): number {
  return names.reduce((acc, n) => acc | (1 << GLUCOSE_SENSOR_STATUS[n]), 0);
}

export interface GlucoseConcentration {
  /** In the measurement's unit: kg/L (mg/dL × 10⁻⁵) or mol/L (mmol/L × 10⁻³). */
  value: Medfloat;
  /** Type nibble as sent (see GLUCOSE_SAMPLE_TYPES). */
  type: number;
  /** Sample Location nibble as sent (see GLUCOSE_SAMPLE_LOCATIONS). */
  sampleLocation: number;
}

export interface GlucoseMeasurement {
  /** The meter's record number (uint16), the key RACP filters and context joins use. */
  sequenceNumber: number;
  /** Date Time fields as sent; the reading's time is baseTime + timeOffsetMinutes. */
  baseTime: DeviceDateTime;
  /** sint16 minutes. */
  timeOffsetMinutes?: number;
  /** Flag bit 2 (it is sent even when no concentration is). */
  unit: GlucoseUnit;
  concentration?: GlucoseConcentration;
  /** Sensor Status Annunciation uint16 as sent. */
  sensorStatus?: number;
  /** Flag bit 4: a Glucose Measurement Context with the same sequence number follows. */
  contextFollows: boolean;
  /** Flag bits 5..7 as received (reserved). */
  reservedFlags?: number;
}

const M_TIME_OFFSET = 0x01;
const M_CONCENTRATION = 0x02;
const M_MOL = 0x04;
const M_STATUS = 0x08;
const M_CONTEXT = 0x10;
const M_RESERVED = 0xe0;

function sint16(u: number): number {
  return u & 0x8000 ? u - 0x10000 : u;
}

export function decodeGlucoseMeasurement(bytes: Uint8Array): CodecResult<GlucoseMeasurement> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const m: GlucoseMeasurement = {
      sequenceNumber: r.uint16('sequenceNumber'),
      baseTime: r.dateTime('baseTime'),
      unit: flags & M_MOL ? 'mol/L' : 'kg/L',
      contextFollows: (flags & M_CONTEXT) !== 0,
    };
    if (flags & M_TIME_OFFSET) m.timeOffsetMinutes = sint16(r.uint16('timeOffset'));
    if (flags & M_CONCENTRATION) {
      const value = r.sfloat('concentration');
      const typeLocation = r.uint8('typeSampleLocation');
      m.concentration = { value, type: typeLocation & 0x0f, sampleLocation: typeLocation >> 4 };
    }
    if (flags & M_STATUS) m.sensorStatus = r.uint16('sensorStatus');
    if (flags & M_RESERVED) m.reservedFlags = flags & M_RESERVED;
    return m;
  });
}

function nibble(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 15) throw new RangeError(`${name}: ${v} is not a nibble (0..15)`);
  return v;
}

export function encodeGlucoseMeasurement(m: GlucoseMeasurement): Uint8Array {
  const flags =
    (m.timeOffsetMinutes !== undefined ? M_TIME_OFFSET : 0) |
    (m.concentration ? M_CONCENTRATION : 0) |
    (m.unit === 'mol/L' ? M_MOL : 0) |
    (m.sensorStatus !== undefined ? M_STATUS : 0) |
    (m.contextFollows ? M_CONTEXT : 0) |
    ((m.reservedFlags ?? 0) & M_RESERVED);
  const w = new ByteWriter().uint8(flags).uint16(m.sequenceNumber, 'sequenceNumber').dateTime(m.baseTime);
  if (m.timeOffsetMinutes !== undefined) {
    const o = m.timeOffsetMinutes;
    if (!Number.isInteger(o) || o < -32768 || o > 32767) throw new RangeError(`timeOffsetMinutes: ${o} is not a sint16`);
    w.uint16(o & 0xffff, 'timeOffset');
  }
  if (m.concentration) {
    const c = m.concentration;
    w.sfloat(c.value).uint8(nibble('type', c.type) | (nibble('sampleLocation', c.sampleLocation) << 4), 'typeSampleLocation');
  }
  if (m.sensorStatus !== undefined) w.uint16(m.sensorStatus, 'sensorStatus');
  return w.bytes();
}

/** Meal (0 and 6..255 reserved). */
export const GLUCOSE_MEALS: Readonly<Record<number, string>> = {
  1: 'preprandial',
  2: 'postprandial',
  3: 'fasting',
  4: 'casual',
  5: 'bedtime',
};
/** Carbohydrate ID (0 and 8..255 reserved). */
export const GLUCOSE_CARBOHYDRATES: Readonly<Record<number, string>> = {
  1: 'breakfast',
  2: 'lunch',
  3: 'dinner',
  4: 'snack',
  5: 'drink',
  6: 'supper',
  7: 'brunch',
};
/** Tester nibble (0 and 4..14 reserved). */
export const GLUCOSE_TESTERS: Readonly<Record<number, string>> = {
  1: 'self',
  2: 'health-care-professional',
  3: 'lab-test',
  15: 'not-available',
};
/** Health nibble (0 and 6..14 reserved). */
export const GLUCOSE_HEALTH: Readonly<Record<number, string>> = {
  1: 'minor-issues',
  2: 'major-issues',
  3: 'menses',
  4: 'stress',
  5: 'none',
  15: 'not-available',
};
/** Medication ID (0 and 6..255 reserved). */
export const GLUCOSE_MEDICATIONS: Readonly<Record<number, string>> = {
  1: 'rapid-acting-insulin',
  2: 'short-acting-insulin',
  3: 'intermediate-acting-insulin',
  4: 'long-acting-insulin',
  5: 'pre-mixed-insulin',
};

/** A code's name in an enumeration table, or 'reserved-<n>'. */
export function enumName(table: Readonly<Record<number, string>>, code: number): string {
  return table[code] ?? `reserved-${code}`;
}

export interface GlucoseMeasurementContext {
  sequenceNumber: number;
  /** Extended Flags byte (all bits reserved), when flag bit 7 was set. */
  extendedFlags?: number;
  /** Carbohydrate ID + amount (SFLOAT, kg per the SIG XML; Nordic reads grams). */
  carbohydrate?: { id: number; amount: Medfloat };
  /** Meal code (see GLUCOSE_MEALS). */
  meal?: number;
  /** Tester (low nibble) and Health (high nibble) codes. */
  tester?: number;
  health?: number;
  /** Seconds (65535 = overrun) and intensity in %. */
  exercise?: { durationSeconds: number; intensityPercent: number };
  /** Medication ID + amount (SFLOAT) in kg (flag bit 5 = 0) or litres (1). */
  medication?: { id: number; amount: Medfloat; unit: 'kg' | 'L' };
  /** HbA1c, %. */
  hba1c?: Medfloat;
}

const C_CARB = 0x01;
const C_MEAL = 0x02;
const C_TESTER_HEALTH = 0x04;
const C_EXERCISE = 0x08;
const C_MEDICATION = 0x10;
const C_MEDICATION_LITRES = 0x20;
const C_HBA1C = 0x40;
const C_EXTENDED = 0x80;

export function decodeGlucoseMeasurementContext(bytes: Uint8Array): CodecResult<GlucoseMeasurementContext> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const c: GlucoseMeasurementContext = { sequenceNumber: r.uint16('sequenceNumber') };
    if (flags & C_EXTENDED) c.extendedFlags = r.uint8('extendedFlags');
    if (flags & C_CARB) c.carbohydrate = { id: r.uint8('carbohydrateId'), amount: r.sfloat('carbohydrate') };
    if (flags & C_MEAL) c.meal = r.uint8('meal');
    if (flags & C_TESTER_HEALTH) {
      const th = r.uint8('testerHealth');
      c.tester = th & 0x0f;
      c.health = th >> 4;
    }
    if (flags & C_EXERCISE) c.exercise = { durationSeconds: r.uint16('exerciseDuration'), intensityPercent: r.uint8('exerciseIntensity') };
    if (flags & C_MEDICATION) {
      c.medication = { id: r.uint8('medicationId'), amount: r.sfloat('medication'), unit: flags & C_MEDICATION_LITRES ? 'L' : 'kg' };
    }
    if (flags & C_HBA1C) c.hba1c = r.sfloat('hba1c');
    return c;
  });
}

/**
 * Tester and Health travel in one byte: give both or neither. Flag bit 5 (medication in litres) is
 * only meaningful with a medication, so it is not kept without one.
 */
export function encodeGlucoseMeasurementContext(c: GlucoseMeasurementContext): Uint8Array {
  if ((c.tester === undefined) !== (c.health === undefined)) throw new RangeError('tester and health must be given together');
  const flags =
    (c.carbohydrate ? C_CARB : 0) |
    (c.meal !== undefined ? C_MEAL : 0) |
    (c.tester !== undefined ? C_TESTER_HEALTH : 0) |
    (c.exercise ? C_EXERCISE : 0) |
    (c.medication ? C_MEDICATION : 0) |
    (c.medication?.unit === 'L' ? C_MEDICATION_LITRES : 0) |
    (c.hba1c ? C_HBA1C : 0) |
    (c.extendedFlags !== undefined ? C_EXTENDED : 0);
  const w = new ByteWriter().uint8(flags).uint16(c.sequenceNumber, 'sequenceNumber');
  if (c.extendedFlags !== undefined) w.uint8(c.extendedFlags, 'extendedFlags');
  if (c.carbohydrate) w.uint8(c.carbohydrate.id, 'carbohydrateId').sfloat(c.carbohydrate.amount);
  if (c.meal !== undefined) w.uint8(c.meal, 'meal');
  if (c.tester !== undefined && c.health !== undefined) w.uint8(nibble('tester', c.tester) | (nibble('health', c.health) << 4));
  if (c.exercise) w.uint16(c.exercise.durationSeconds, 'exerciseDuration').uint8(c.exercise.intensityPercent, 'exerciseIntensity');
  if (c.medication) w.uint8(c.medication.id, 'medicationId').sfloat(c.medication.amount);
  if (c.hba1c) w.sfloat(c.hba1c);
  return w.bytes();
}

/** Glucose Feature (0x2A51) bits 0..10; 11..15 reserved. */
export const GLUCOSE_FEATURES = {
  lowBatteryDetection: 0,
  sensorMalfunctionDetection: 1,
  sensorSampleSize: 2,
  stripInsertionErrorDetection: 3,
  stripTypeErrorDetection: 4,
  resultHighLowDetection: 5,
  temperatureHighLowDetection: 6,
  readInterruptDetection: 7,
  generalDeviceFault: 8,
  timeFault: 9,
  multipleBond: 10,
} as const;
export type GlucoseFeatureName = keyof typeof GLUCOSE_FEATURES;

export type GlucoseFeature = Record<GlucoseFeatureName, boolean> & {
  /** The uint16 as received. */
  raw: number;
};

export function decodeGlucoseFeature(bytes: Uint8Array): CodecResult<GlucoseFeature> {
  return decodeWith(() => {
    const raw = new ByteReader(bytes).uint16('features');
    const named = Object.fromEntries(
      (Object.keys(GLUCOSE_FEATURES) as GlucoseFeatureName[]).map((k) => [k, (raw & (1 << GLUCOSE_FEATURES[k])) !== 0]),
    ) as Record<GlucoseFeatureName, boolean>;
    return { ...named, raw };
  });
}

/** The named bits win over `raw`; raw only contributes the reserved bits 11..15. */
export function encodeGlucoseFeature(f: GlucoseFeature): Uint8Array {
  const named = (Object.keys(GLUCOSE_FEATURES) as GlucoseFeatureName[]).reduce(
    (acc, k) => (f[k] ? acc | (1 << GLUCOSE_FEATURES[k]) : acc),
    0,
  );
  return new ByteWriter().uint16((f.raw & 0xf800) | named).bytes();
}
