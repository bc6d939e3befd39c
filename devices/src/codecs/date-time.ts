/**
 * Date Time (0x2A08, 7 bytes) and Current Time (0x2A2B, 10 bytes). Year, month or day 0 means
 * "unknown": such a stamp is reported as such and never turned into an epoch date.
 */
import { type DeviceDateTime, utcDateFields } from '../model/draft.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { type CodecResult, decodeWith, FieldError } from './result.js';

/** How usable a device timestamp is. */
export type DateTimeStatus = 'complete' | 'date-unknown' | 'invalid';

export interface DateTimeStamp {
  /** The fields exactly as the device sent them (0 = unknown for year, month, day). */
  fields: DeviceDateTime;
  /** The usable timestamp: undefined when the date is unknown or a field is out of range. */
  value: DeviceDateTime | undefined;
  status: DateTimeStatus;
  /** For 'invalid': the first field out of range and why. */
  problem?: { field: keyof DeviceDateTime; reason: string };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** First out-of-range field of a Date Time, or undefined. Zeros in year/month/day are "unknown", not errors. */
export function dateTimeProblem(t: DeviceDateTime): { field: keyof DeviceDateTime; reason: string } | undefined {
  const range = (field: keyof DeviceDateTime, lo: number, hi: number, unknownZero: boolean) => {
    const v = t[field];
    if (unknownZero && v === 0) return undefined;
    if (!Number.isInteger(v) || v < lo || v > hi)
      return { field, reason: `out of range: ${v} (${lo}..${hi}${unknownZero ? ', 0 = unknown' : ''})` };
    return undefined;
  };
  const p =
    range('year', 1582, 9999, true) ??
    range('month', 1, 12, true) ??
    range('day', 1, 31, true) ??
    range('hours', 0, 23, false) ??
    range('minutes', 0, 59, false) ??
    range('seconds', 0, 59, false);
  if (p) return p;
  if (t.month !== 0 && t.day !== 0) {
    // Year 0 (unknown): allow 29 February, the year may be a leap year.
    const max = t.year === 0 && t.month === 2 ? 29 : daysInMonth(t.year, t.month);
    if (t.day > max) return { field: 'day', reason: `out of range: ${t.day} (month ${t.month} has ${max} days)` };
  }
  return undefined;
}

/** Classifies Date Time fields as sent: complete, date unknown (a zero), or invalid (out of range). */
export function classifyDateTime(fields: DeviceDateTime): DateTimeStamp {
  const problem = dateTimeProblem(fields);
  if (problem) return { fields, value: undefined, status: 'invalid', problem };
  if (fields.year === 0 || fields.month === 0 || fields.day === 0) return { fields, value: undefined, status: 'date-unknown' };
  return { fields, value: { ...fields }, status: 'complete' };
}

/**
 * Date Time characteristic (0x2A08). Out-of-range fields are an error naming the field; an unknown date
 * (year/month/day 0) is ok with `value: undefined` and status 'date-unknown'. Bytes past 7 are ignored.
 */
export function decodeDateTime(bytes: Uint8Array, offset = 0): CodecResult<DateTimeStamp> {
  return decodeWith(() => {
    const stamp = classifyDateTime(new ByteReader(bytes, offset).dateTime('dateTime'));
    if (stamp.problem) throw new FieldError(`dateTime.${stamp.problem.field}`, stamp.problem.reason);
    return stamp;
  });
}

/** Date Time as 7 bytes. Throws RangeError on out-of-range fields (zeros for unknown year/month/day are allowed). */
export function encodeDateTime(t: DeviceDateTime): Uint8Array {
  const problem = dateTimeProblem(t);
  if (problem) throw new RangeError(`dateTime.${problem.field}: ${problem.reason}`);
  return new ByteWriter().dateTime(t).bytes();
}

export interface CurrentTimeAdjustReason {
  manualUpdate: boolean;
  externalReference: boolean;
  timeZoneChange: boolean;
  dstChange: boolean;
  /** Bits 4..7 as received (reserved). */
  reservedBits?: number;
}

/** Current Time (0x2A2B): Exact Time 256 + Adjust Reason. */
export interface CurrentTime {
  dateTime: DeviceDateTime;
  /** 0 = unknown, 1 = Monday … 7 = Sunday. */
  dayOfWeek: number;
  /** 1/256 s. */
  fractions256: number;
  adjustReason: CurrentTimeAdjustReason;
}

/** Current Time; the date-time fields are range-checked as for 0x2A08, day of week must be 0..7. */
export function decodeCurrentTime(bytes: Uint8Array): CodecResult<CurrentTime> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const dateTime = r.dateTime('dateTime');
    const problem = dateTimeProblem(dateTime);
    if (problem) throw new FieldError(`dateTime.${problem.field}`, problem.reason);
    const dayOfWeek = r.uint8('dayOfWeek');
    if (dayOfWeek > 7) throw new FieldError('dayOfWeek', `out of range: ${dayOfWeek} (0..7, 0 = unknown)`);
    const fractions256 = r.uint8('fractions256');
    const reason = r.uint8('adjustReason');
    const adjustReason: CurrentTimeAdjustReason = {
      manualUpdate: (reason & 0x01) !== 0,
      externalReference: (reason & 0x02) !== 0,
      timeZoneChange: (reason & 0x04) !== 0,
      dstChange: (reason & 0x08) !== 0,
    };
    if (reason & 0xf0) adjustReason.reservedBits = reason & 0xf0;
    return { dateTime, dayOfWeek, fractions256, adjustReason };
  });
}

export function encodeCurrentTime(t: CurrentTime): Uint8Array {
  const problem = dateTimeProblem(t.dateTime);
  if (problem) throw new RangeError(`dateTime.${problem.field}: ${problem.reason}`);
  if (t.dayOfWeek > 7) throw new RangeError(`dayOfWeek: ${t.dayOfWeek} (0..7)`);
  const a = t.adjustReason;
  const reason =
    (a.manualUpdate ? 0x01 : 0) |
    (a.externalReference ? 0x02 : 0) |
    (a.timeZoneChange ? 0x04 : 0) |
    (a.dstChange ? 0x08 : 0) |
    ((a.reservedBits ?? 0) & 0xf0);
  return new ByteWriter().dateTime(t.dateTime).uint8(t.dayOfWeek, 'dayOfWeek').uint8(t.fractions256, 'fractions256').uint8(reason).bytes();
}

/**
 * Wall-clock fields for an instant at a given UTC offset (devices have no zone; the gateway picks one).
 * `utcOffsetMinutes` is e.g. 120 for Paris in summer.
 */
export function deviceDateTimeFromEpoch(ms: number, utcOffsetMinutes = 0): DeviceDateTime {
  const d = new Date(ms + utcOffsetMinutes * 60_000);
  return utcDateFields(d);
}

/** Current Time value to write to a device clock, for an instant at a UTC offset. */
export function currentTimeFromEpoch(ms: number, utcOffsetMinutes = 0, adjustReason: Partial<CurrentTimeAdjustReason> = {}): CurrentTime {
  const shifted = ms + utcOffsetMinutes * 60_000;
  const d = new Date(shifted);
  const fractions = Math.floor((((shifted % 1000) + 1000) % 1000) * 0.256);
  return {
    dateTime: deviceDateTimeFromEpoch(ms, utcOffsetMinutes),
    dayOfWeek: ((d.getUTCDay() + 6) % 7) + 1,
    fractions256: fractions,
    adjustReason: {
      manualUpdate: adjustReason.manualUpdate ?? true,
      externalReference: adjustReason.externalReference ?? false,
      timeZoneChange: adjustReason.timeZoneChange ?? false,
      dstChange: adjustReason.dstChange ?? false,
    },
  };
}
