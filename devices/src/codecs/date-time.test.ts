import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyDateTime,
  currentTimeFromEpoch,
  decodeCurrentTime,
  decodeDateTime,
  deviceDateTimeFromEpoch,
  encodeCurrentTime,
  encodeDateTime,
} from './date-time.js';
import { hex, toHex } from './test-bytes.js';

describe('Date Time 0x2A08', () => {
  it('decodes the spec example E8 07 05 01 08 0F 1E', () => {
    const t = { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 };
    expect(decodeDateTime(hex('E8 07 05 01 08 0F 1E'))).toEqual({ ok: true, value: { fields: t, value: t, status: 'complete' } });
    expect(toHex(encodeDateTime(t))).toBe('E8 07 05 01 08 0F 1E');
  });

  it('returns an unknown date as undefined with status date-unknown, never an epoch date', () => {
    // Nordic BP vector: year 0, April 17, 20:41:59.
    const r = decodeDateTime(hex('00 00 04 11 14 29 3B'));
    expect(r).toEqual({
      ok: true,
      value: { fields: { year: 0, month: 4, day: 17, hours: 20, minutes: 41, seconds: 59 }, value: undefined, status: 'date-unknown' },
    });
    for (const bytes of ['E8 07 00 01 00 00 00', 'E8 07 05 00 00 00 00']) {
      const d = decodeDateTime(hex(bytes));
      expect(d.ok && d.value.value).toBeUndefined();
      expect(d.ok && d.value.status).toBe('date-unknown');
    }
  });

  it.each([
    ['E8 07 0D 01 00 00 00', 'dateTime.month'],
    ['E8 07 05 20 00 00 00', 'dateTime.day'],
    ['E8 07 02 1E 00 00 00', 'dateTime.day'], // 30 February
    ['E8 07 05 01 18 00 00', 'dateTime.hours'],
    ['E8 07 05 01 00 3C 00', 'dateTime.minutes'],
    ['E8 07 05 01 00 00 3C', 'dateTime.seconds'],
    ['01 00 05 01 00 00 00', 'dateTime.year'],
  ])('rejects %s naming %s', (bytes, field) => {
    const r = decodeDateTime(hex(bytes));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe(field);
  });

  it('accepts 29 February in a leap year and with an unknown year', () => {
    expect(classifyDateTime({ year: 2024, month: 2, day: 29, hours: 0, minutes: 0, seconds: 0 }).status).toBe('complete');
    expect(classifyDateTime({ year: 2023, month: 2, day: 29, hours: 0, minutes: 0, seconds: 0 }).status).toBe('invalid');
    expect(classifyDateTime({ year: 0, month: 2, day: 29, hours: 0, minutes: 0, seconds: 0 }).status).toBe('date-unknown');
  });

  it('names the truncated field', () => {
    expect(decodeDateTime(hex('E8 07 05'))).toEqual({
      ok: false,
      error: { field: 'dateTime', reason: 'truncated: need 7 bytes at offset 0, have 3' },
    });
  });

  it('refuses to encode out-of-range fields', () => {
    expect(() => encodeDateTime({ year: 2024, month: 13, day: 1, hours: 0, minutes: 0, seconds: 0 })).toThrow(RangeError);
  });

  it('round-trips any valid or unknown date time', () => {
    const field = (lo: number, hi: number) => fc.oneof(fc.constant(0), fc.integer({ min: lo, max: hi }));
    fc.assert(
      fc.property(
        field(1582, 9999),
        field(1, 12),
        field(1, 28),
        fc.nat(23),
        fc.nat(59),
        fc.nat(59),
        (year, month, day, hours, minutes, seconds) => {
          const t = { year, month, day, hours, minutes, seconds };
          const r = decodeDateTime(encodeDateTime(t));
          expect(r.ok && r.value.fields).toEqual(t);
        },
      ),
    );
  });
});

describe('Current Time 0x2A2B', () => {
  const spec = {
    dateTime: { year: 2024, month: 6, day: 6, hours: 12, minutes: 4, seconds: 44 },
    dayOfWeek: 4,
    fractions256: 128,
    adjustReason: { manualUpdate: true, externalReference: false, timeZoneChange: false, dstChange: false },
  };

  it('encodes and decodes the spec example E8 07 06 06 0C 04 2C 04 80 01', () => {
    expect(toHex(encodeCurrentTime(spec))).toBe('E8 07 06 06 0C 04 2C 04 80 01');
    expect(decodeCurrentTime(hex('E8 07 06 06 0C 04 2C 04 80 01'))).toEqual({ ok: true, value: spec });
  });

  it('rejects a short PDU and a bad day of week', () => {
    expect(decodeCurrentTime(hex('E8 07 06 06 0C 04 2C 04 80'))).toEqual({
      ok: false,
      error: { field: 'adjustReason', reason: 'truncated: need 1 byte at offset 9, have 0' },
    });
    const r = decodeCurrentTime(hex('E8 07 06 06 0C 04 2C 08 80 01'));
    expect(!r.ok && r.error.field).toBe('dayOfWeek');
  });

  it('builds the value to write from an instant and a UTC offset', () => {
    // 2024-06-06T10:04:44.500Z at UTC+2 is Thursday 12:04:44 local, fractions 128.
    const ms = Date.parse('2024-06-06T10:04:44.500Z');
    expect(currentTimeFromEpoch(ms, 120)).toEqual(spec);
    expect(deviceDateTimeFromEpoch(ms)).toEqual({ year: 2024, month: 6, day: 6, hours: 10, minutes: 4, seconds: 44 });
  });
});
