import { describe, expect, it } from 'vitest';
import {
  decodeGlucoseFeature,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  encodeGlucoseFeature,
  encodeGlucoseMeasurement,
  encodeGlucoseMeasurementContext,
  type GlucoseMeasurementContext,
  glucoseSensorStatusBits,
  glucoseSensorStatusNames,
} from './glucose.js';
import { hex, num, toHex } from './test-bytes.js';

describe('Glucose Measurement 0x2A18', () => {
  const nordic = '1B 01 00 E3 07 02 1B 0B 0A 1E FB FF 1E 00 12 05 01';

  it('decodes and re-encodes the Nordic vector', () => {
    const r = decodeGlucoseMeasurement(hex(nordic));
    expect(r).toEqual({
      ok: true,
      value: {
        sequenceNumber: 1,
        baseTime: { year: 2019, month: 2, day: 27, hours: 11, minutes: 10, seconds: 30 },
        timeOffsetMinutes: -5,
        unit: 'kg/L',
        concentration: { value: num(30), type: 2, sampleLocation: 1 },
        sensorStatus: 0x0105,
        contextFollows: true,
      },
    });
    if (r.ok) {
      expect(glucoseSensorStatusNames(r.value.sensorStatus ?? 0)).toEqual([
        'battery-low',
        'sample-size-insufficient',
        'sensor-temperature-too-low',
      ]);
      expect(glucoseSensorStatusNames(r.value.sensorStatus ?? 0)).not.toContain('general-device-fault');
      expect(toHex(encodeGlucoseMeasurement(r.value))).toBe(nordic);
    }
  });

  it('reads 6E B0 as 110 × 10⁻⁵ kg/L (110 mg/dL) and mol/L with flag bit 2', () => {
    const r = decodeGlucoseMeasurement(hex('02 07 00 EA 07 01 02 03 04 05 6E B0 11'));
    expect(r.ok && r.value.concentration).toEqual({ value: num(0.0011), type: 1, sampleLocation: 1 });
    const mol = decodeGlucoseMeasurement(hex('06 07 00 EA 07 01 02 03 04 05 3E C0 11'));
    expect(mol.ok && [mol.value.unit, mol.value.concentration?.value]).toEqual(['mol/L', num(0.0062)]);
  });

  it('names the missing field', () => {
    expect(decodeGlucoseMeasurement(hex('00 01 00 E3 07 02'))).toEqual({
      ok: false,
      error: { field: 'baseTime', reason: 'truncated: need 7 bytes at offset 3, have 3' },
    });
    const r = decodeGlucoseMeasurement(hex('02 01 00 E3 07 02 1B 0B 0A 1E 6E B0'));
    expect(!r.ok && r.error.field).toBe('typeSampleLocation');
  });

  it('status bits follow the SIG XML: 5 = higher, 6 = lower than the device can process', () => {
    expect(glucoseSensorStatusNames(1 << 5)).toEqual(['result-above-range']);
    expect(glucoseSensorStatusNames(1 << 6)).toEqual(['result-below-range']);
    expect(glucoseSensorStatusBits(['time-fault', 'battery-low'])).toBe(0x0801);
  });
});

describe('Glucose Measurement Context 0x2A34', () => {
  it('decodes every field (Nordic full test, built to the layout) and re-encodes it', () => {
    const c: GlucoseMeasurementContext = {
      sequenceNumber: 0,
      extendedFlags: 0xb3,
      carbohydrate: { id: 3, amount: num(100) },
      meal: 4,
      tester: 2,
      health: 1,
      exercise: { durationSeconds: 60, intensityPercent: 50 },
      medication: { id: 4, amount: num(123.4), unit: 'L' },
      hba1c: num(34.5),
    };
    const bytes = encodeGlucoseMeasurementContext(c);
    expect(bytes[0]).toBe(0xff);
    expect(bytes.length).toBe(17);
    expect(bytes[8]).toBe(0x12); // tester low nibble (HCP = 2), health high nibble (minor = 1)
    expect(decodeGlucoseMeasurementContext(bytes)).toEqual({ ok: true, value: c });
  });

  it('decodes a meal-only context and names a truncated field', () => {
    expect(decodeGlucoseMeasurementContext(hex('02 05 00 01'))).toEqual({ ok: true, value: { sequenceNumber: 5, meal: 1 } });
    expect(decodeGlucoseMeasurementContext(hex('02 05 00'))).toEqual({
      ok: false,
      error: { field: 'meal', reason: 'truncated: need 1 byte at offset 3, have 0' },
    });
    const r = decodeGlucoseMeasurementContext(hex('40 05 00 01'));
    expect(!r.ok && r.error.field).toBe('hba1c');
  });

  it('medication in kg unless flag bit 5, and tester/health only together', () => {
    const r = decodeGlucoseMeasurementContext(hex('10 01 00 01 0A 00'));
    expect(r.ok && r.value.medication).toEqual({ id: 1, amount: num(10), unit: 'kg' });
    expect(() => encodeGlucoseMeasurementContext({ sequenceNumber: 1, tester: 1 })).toThrow(RangeError);
  });
});

describe('Glucose Feature 0x2A51', () => {
  it('decodes the Nordic vector F0 03', () => {
    const r = decodeGlucoseFeature(hex('F0 03'));
    expect(r.ok && r.value).toMatchObject({
      lowBatteryDetection: false,
      sensorMalfunctionDetection: false,
      sensorSampleSize: false,
      stripInsertionErrorDetection: false,
      stripTypeErrorDetection: true,
      resultHighLowDetection: true,
      temperatureHighLowDetection: true,
      readInterruptDetection: true,
      generalDeviceFault: true,
      timeFault: true,
      multipleBond: false,
      raw: 0x03f0,
    });
    for (let raw = 0; raw <= 0xffff; raw += 13) {
      const d = decodeGlucoseFeature(Uint8Array.of(raw & 0xff, raw >> 8));
      if (!d.ok) throw new Error('decode failed');
      const e = encodeGlucoseFeature(d.value);
      if ((e[0] ?? -1) !== (raw & 0xff) || (e[1] ?? -1) !== raw >> 8) throw new Error(`feature ${raw} did not round-trip`);
    }
  });
});
