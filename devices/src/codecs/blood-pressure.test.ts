import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BloodPressureMeasurement,
  type BloodPressureStatus,
  decodeBloodPressureFeature,
  decodeBloodPressureMeasurement,
  decodeBloodPressureStatus,
  decodeIntermediateCuffPressure,
  encodeBloodPressureFeature,
  encodeBloodPressureMeasurement,
  encodeBloodPressureStatus,
  encodeIntermediateCuffPressure,
} from './blood-pressure.js';
import type { Medfloat } from './ieee11073.js';
import { hex, num, toHex } from './test-bytes.js';

describe('Blood Pressure Measurement 0x2A35', () => {
  it('decodes Nordic vector 1 (all fields, year unknown)', () => {
    expect(decodeBloodPressureMeasurement(hex('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00'))).toEqual({
      ok: true,
      value: {
        unit: 'mmHg',
        systolic: num(138),
        diastolic: num(88),
        meanArterialPressure: num(120),
        timestamp: { year: 0, month: 4, day: 17, hours: 20, minutes: 41, seconds: 59 },
        pulseRate: num(60),
        userId: 1,
        status: { bodyMovement: true, cuffTooLoose: true, irregularPulse: true, pulseRateRange: 'within', improperPosition: true },
      },
    });
  });

  it('decodes Nordic vector 2 (kPa, exact decimals)', () => {
    const r = decodeBloodPressureMeasurement(hex('15 BD F0 0B 00 9F F0 3C 00 12 00'));
    expect(r).toEqual({
      ok: true,
      value: {
        unit: 'kPa',
        systolic: num(18.9),
        diastolic: num(11),
        meanArterialPressure: num(15.9),
        pulseRate: num(60),
        status: {
          bodyMovement: false,
          cuffTooLoose: true,
          irregularPulse: false,
          pulseRateRange: 'below-lower-limit',
          improperPosition: false,
        },
      },
    });
  });

  it('decodes and re-encodes the constructed home-cuff vector', () => {
    const bytes = '06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00';
    const r = decodeBloodPressureMeasurement(hex(bytes));
    expect(r).toEqual({
      ok: true,
      value: {
        unit: 'mmHg',
        systolic: num(120),
        diastolic: num(80),
        meanArterialPressure: num(93),
        timestamp: { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 },
        pulseRate: num(64),
      },
    });
    if (r.ok) expect(toHex(encodeBloodPressureMeasurement(r.value))).toBe(bytes);
  });

  it('re-encodes Nordic vectors byte for byte', () => {
    for (const bytes of ['1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00', '15 BD F0 0B 00 9F F0 3C 00 12 00']) {
      const r = decodeBloodPressureMeasurement(hex(bytes));
      expect(r.ok && toHex(encodeBloodPressureMeasurement(r.value))).toBe(bytes);
    }
  });

  it('names the field a short PDU is missing', () => {
    expect(decodeBloodPressureMeasurement(hex('00 78 00 50'))).toEqual({
      ok: false,
      error: { field: 'diastolic', reason: 'truncated: need 2 bytes at offset 3, have 1' },
    });
    expect(decodeBloodPressureMeasurement(hex(''))).toEqual({
      ok: false,
      error: { field: 'flags', reason: 'truncated: need 1 byte at offset 0, have 0' },
    });
    // Flags announce a time stamp that is not there.
    const r = decodeBloodPressureMeasurement(hex('02 78 00 50 00 5D 00 E8 07'));
    expect(!r.ok && r.error).toEqual({ field: 'timestamp', reason: 'truncated: need 7 bytes at offset 7, have 2' });
    const s = decodeBloodPressureMeasurement(hex('10 78 00 50 00 5D 00 01'));
    expect(!s.ok && s.error.field).toBe('measurementStatus');
  });

  it('ignores trailing bytes and keeps reserved flag bits', () => {
    const r = decodeBloodPressureMeasurement(hex('E0 78 00 50 00 5D 00 AA BB'));
    expect(r.ok && r.value.reservedFlags).toBe(0xe0);
    expect(r.ok && r.value.systolic).toEqual(num(120));
  });

  it('decodes SFLOAT specials in the pressures as specials', () => {
    const r = decodeBloodPressureMeasurement(hex('00 FF 07 00 08 FE 07'));
    expect(r.ok && [r.value.systolic, r.value.diastolic, r.value.meanArterialPressure]).toEqual([
      { kind: 'nan' },
      { kind: 'nres' },
      { kind: '+inf' },
    ]);
  });

  it('round-trips all 256 flag values, in both units', () => {
    for (let flags = 0; flags < 256; flags++) {
      const m: BloodPressureMeasurement = {
        unit: flags & 1 ? 'kPa' : 'mmHg',
        systolic: num(flags & 1 ? 18.9 : 138),
        diastolic: num(flags & 1 ? 11 : 88),
        meanArterialPressure: { kind: 'nan' },
      };
      if (flags & 2) m.timestamp = { year: 2024, month: 12, day: 31, hours: 23, minutes: 59, seconds: 58 };
      if (flags & 4) m.pulseRate = num(72);
      if (flags & 8) m.userId = flags & 16 ? 0xff : 3;
      if (flags & 16) m.status = decodeBloodPressureStatus(flags * 131);
      if (flags & 0xe0) m.reservedFlags = flags & 0xe0;
      const bytes = encodeBloodPressureMeasurement(m);
      expect(bytes[0]).toBe(flags);
      expect(decodeBloodPressureMeasurement(bytes)).toEqual({ ok: true, value: m });
    }
  });

  it('round-trips every measurement status word', () => {
    for (let raw = 0; raw <= 0xffff; raw += 1) {
      if (encodeBloodPressureStatus(decodeBloodPressureStatus(raw)) !== raw) throw new Error(`status ${raw} did not round-trip`);
    }
    const all: BloodPressureStatus = decodeBloodPressureStatus(0x0018);
    expect(all.pulseRateRange).toBe('reserved');
  });

  it('round-trips random measurements (fast-check)', () => {
    const pressure = fc.oneof(
      fc.integer({ min: -2045, max: 2045 }).map((v) => num(v)),
      fc.constantFrom<Medfloat>({ kind: 'nan' }, { kind: 'nres' }, { kind: '+inf' }, { kind: '-inf' }, { kind: 'reserved' }),
    );
    const measurement = fc.record(
      {
        unit: fc.constantFrom<'mmHg' | 'kPa'>('mmHg', 'kPa'),
        systolic: pressure,
        diastolic: pressure,
        meanArterialPressure: pressure,
        timestamp: fc.record({
          year: fc.integer({ min: 1582, max: 9999 }),
          month: fc.integer({ min: 1, max: 12 }),
          day: fc.integer({ min: 1, max: 28 }),
          hours: fc.nat(23),
          minutes: fc.nat(59),
          seconds: fc.nat(59),
        }),
        pulseRate: pressure,
        userId: fc.nat(255),
        status: fc.nat(0xffff).map(decodeBloodPressureStatus),
      },
      { requiredKeys: ['unit', 'systolic', 'diastolic', 'meanArterialPressure'] },
    );
    fc.assert(
      fc.property(measurement, (m) => {
        expect(decodeBloodPressureMeasurement(encodeBloodPressureMeasurement(m))).toEqual({ ok: true, value: m });
      }),
    );
  });
});

describe('Intermediate Cuff Pressure 0x2A36', () => {
  it('decodes the spec example 00 8C 00 FF 07 FF 07 as cuff 140 mmHg', () => {
    expect(decodeIntermediateCuffPressure(hex('00 8C 00 FF 07 FF 07'))).toEqual({
      ok: true,
      value: { unit: 'mmHg', cuffPressure: num(140) },
    });
    expect(toHex(encodeIntermediateCuffPressure({ unit: 'mmHg', cuffPressure: num(140) }))).toBe('00 8C 00 FF 07 FF 07');
  });

  it('requires the unused slots (fixed layout) and round-trips all flags', () => {
    const r = decodeIntermediateCuffPressure(hex('00 8C 00 FF 07'));
    expect(!r.ok && r.error.field).toBe('meanArterialPressure');
    for (let flags = 0; flags < 32; flags++) {
      const bytes = encodeBloodPressureMeasurement({
        unit: flags & 1 ? 'kPa' : 'mmHg',
        systolic: num(15),
        diastolic: { kind: 'nan' },
        meanArterialPressure: { kind: 'nan' },
        ...(flags & 2 ? { timestamp: { year: 2024, month: 1, day: 2, hours: 3, minutes: 4, seconds: 5 } } : {}),
        ...(flags & 4 ? { pulseRate: num(80) } : {}),
        ...(flags & 8 ? { userId: 2 } : {}),
        ...(flags & 16 ? { status: decodeBloodPressureStatus(1) } : {}),
      });
      const d = decodeIntermediateCuffPressure(bytes);
      expect(d.ok && toHex(encodeIntermediateCuffPressure(d.value))).toBe(toHex(bytes));
    }
  });
});

describe('Blood Pressure Feature 0x2A49', () => {
  it('decodes named bits and round-trips every value', () => {
    const r = decodeBloodPressureFeature(hex('25 01'));
    expect(r.ok && r.value).toMatchObject({
      bodyMovementDetection: true,
      irregularPulseDetection: true,
      multipleBonds: true,
      userFacingTime: true,
      cuffFitDetection: false,
    });
    for (let raw = 0; raw <= 0xffff; raw += 7) {
      const d = decodeBloodPressureFeature(Uint8Array.of(raw & 0xff, raw >> 8));
      if (!d.ok) throw new Error('decode failed');
      const e = encodeBloodPressureFeature(d.value);
      if ((e[0] ?? -1) !== (raw & 0xff) || (e[1] ?? -1) !== raw >> 8) throw new Error(`feature ${raw} did not round-trip`);
    }
  });
});
