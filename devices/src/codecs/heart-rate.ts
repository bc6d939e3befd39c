/**
 * Heart Rate Service 0x180D: Heart Rate Measurement (0x2A37) and Body Sensor Location (0x2A38).
 * 0x2A37: flags, heart rate (uint8, or uint16 if bit 0), energy expended (uint16 kJ, bit 3), then
 * RR intervals (uint16, 1/1024 s) up to the end of the PDU (bit 4). Because RR intervals run to the end,
 * a trailing odd byte cannot be an RR interval and is ignored (kept out of the structure).
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { type CodecResult, decodeWith, FieldError } from './result.js';

/** Flag bits 1–2. 'not-supported' covers both 0 and 1 (the spec gives them the same meaning). */
export type SensorContact = 'not-supported' | 'no-contact' | 'contact';

const FLAG_UINT16 = 0x01;
const FLAG_ENERGY = 0x08;
const FLAG_RR = 0x10;
const FLAGS_RESERVED = 0xe0;

/** RR interval resolution: 1/1024 s. */
export const RR_UNITS_PER_SECOND = 1024;

export interface HeartRateMeasurement {
  /** Beats per minute. */
  heartRate: number;
  /** The wire format: uint16 when flag bit 0 was set (kept for round trips). */
  format: 'uint8' | 'uint16';
  sensorContact: SensorContact;
  /** Raw contact bits 1–2 when they were 1 (a second "not supported" encoding), for round trips. */
  sensorContactRaw?: 1;
  /** kJ since the last reset; 0xFFFF means "at least 65535" (the device stops counting). */
  energyExpended?: number;
  /** RR intervals in 1/1024 s, oldest first (divide by RR_UNITS_PER_SECOND for seconds). */
  rrIntervals?: number[];
  /** Flag bits 5..7 as received (reserved). */
  reservedFlags?: number;
}

export function decodeHeartRateMeasurement(bytes: Uint8Array): CodecResult<HeartRateMeasurement> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const format = flags & FLAG_UINT16 ? 'uint16' : 'uint8';
    const heartRate = format === 'uint16' ? r.uint16('heartRate') : r.uint8('heartRate');
    const contactBits = (flags >> 1) & 0x3;
    const sensorContact: SensorContact = contactBits === 3 ? 'contact' : contactBits === 2 ? 'no-contact' : 'not-supported';
    const m: HeartRateMeasurement = { heartRate, format, sensorContact };
    if (contactBits === 1) m.sensorContactRaw = 1;
    if (flags & FLAG_ENERGY) m.energyExpended = r.uint16('energyExpended');
    if (flags & FLAG_RR) {
      // The flag promises at least one interval.
      if (r.remaining < 2) throw new FieldError('rrIntervals', `flag set but ${r.remaining} byte(s) left, need at least 2`);
      const rr: number[] = [];
      for (let i = 0; r.remaining >= 2; i++) rr.push(r.uint16(`rrIntervals[${i}]`));
      m.rrIntervals = rr;
    }
    if (flags & FLAGS_RESERVED) m.reservedFlags = flags & FLAGS_RESERVED;
    return m;
  });
}

/** Throws RangeError when the rate does not fit the format, or the RR list is empty. */
export function encodeHeartRateMeasurement(m: HeartRateMeasurement): Uint8Array {
  if (m.rrIntervals !== undefined && m.rrIntervals.length === 0) throw new RangeError('rrIntervals: give at least one or leave it out');
  const contact = m.sensorContact === 'contact' ? 3 : m.sensorContact === 'no-contact' ? 2 : (m.sensorContactRaw ?? 0);
  const flags =
    (m.format === 'uint16' ? FLAG_UINT16 : 0) |
    (contact << 1) |
    (m.energyExpended !== undefined ? FLAG_ENERGY : 0) |
    (m.rrIntervals !== undefined ? FLAG_RR : 0) |
    ((m.reservedFlags ?? 0) & FLAGS_RESERVED);
  const w = new ByteWriter().uint8(flags);
  if (m.format === 'uint16') w.uint16(m.heartRate, 'heartRate');
  else w.uint8(m.heartRate, 'heartRate');
  if (m.energyExpended !== undefined) w.uint16(m.energyExpended, 'energyExpended');
  for (const rr of m.rrIntervals ?? []) w.uint16(rr, 'rrInterval');
  return w.bytes();
}

/** Body Sensor Location (0x2A38) values; 7..255 are reserved. */
export const BODY_SENSOR_LOCATIONS: Readonly<Record<number, string>> = {
  0: 'other',
  1: 'chest',
  2: 'wrist',
  3: 'finger',
  4: 'hand',
  5: 'ear-lobe',
  6: 'foot',
};

export interface BodySensorLocation {
  /** The uint8 as sent. */
  code: number;
  /** Name from BODY_SENSOR_LOCATIONS, or 'reserved-<n>'. */
  name: string;
}

export function bodySensorLocationName(code: number): string {
  return BODY_SENSOR_LOCATIONS[code] ?? `reserved-${code}`;
}

export function decodeBodySensorLocation(bytes: Uint8Array): CodecResult<BodySensorLocation> {
  return decodeWith(() => {
    const code = new ByteReader(bytes).uint8('bodySensorLocation');
    return { code, name: bodySensorLocationName(code) };
  });
}

export function encodeBodySensorLocation(code: number): Uint8Array {
  return new ByteWriter().uint8(code, 'bodySensorLocation').bytes();
}
