import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from './test-bytes.js';
import {
  decodeWeightMeasurement,
  decodeWeightScaleFeature,
  encodeWeightMeasurement,
  encodeWeightScaleFeature,
  type WeightMeasurement,
} from './weight.js';

describe('Weight Measurement 0x2A9D', () => {
  it('decodes the SI vector with time stamp, user, BMI and height', () => {
    const bytes = '0E 14 37 E8 07 03 0F 07 1E 00 01 E2 00 E5 06';
    const r = decodeWeightMeasurement(hex(bytes));
    expect(r).toEqual({
      ok: true,
      value: {
        unitSystem: 'SI',
        weight: 70.5,
        timestamp: { year: 2024, month: 3, day: 15, hours: 7, minutes: 30, seconds: 0 },
        userId: 1,
        bmi: 22.6,
        height: 1.765,
      },
    });
    if (r.ok) expect(toHex(encodeWeightMeasurement(r.value))).toBe(bytes);
  });

  it('decodes the imperial vector 01 B4 3C as 155.40 lb', () => {
    expect(decodeWeightMeasurement(hex('01 B4 3C'))).toEqual({ ok: true, value: { unitSystem: 'imperial', weight: 155.4 } });
    expect(toHex(encodeWeightMeasurement({ unitSystem: 'imperial', weight: 155.4 }))).toBe('01 B4 3C');
  });

  it('reads raw 0xFFFF as an unsuccessful measurement (null), not 327.675 kg', () => {
    expect(decodeWeightMeasurement(hex('00 FF FF'))).toEqual({ ok: true, value: { unitSystem: 'SI', weight: null } });
    expect(toHex(encodeWeightMeasurement({ unitSystem: 'SI', weight: null }))).toBe('00 FF FF');
  });

  it('names the missing field of a short PDU', () => {
    expect(decodeWeightMeasurement(hex('08 14 37 E2 00 E5'))).toEqual({
      ok: false,
      error: { field: 'height', reason: 'truncated: need 2 bytes at offset 5, have 1' },
    });
    const r = decodeWeightMeasurement(hex('04 14 37'));
    expect(!r.ok && r.error.field).toBe('userId');
  });

  it('refuses BMI without height and weights that do not fit', () => {
    expect(() => encodeWeightMeasurement({ unitSystem: 'SI', weight: 70, bmi: 22 })).toThrow(RangeError);
    expect(() => encodeWeightMeasurement({ unitSystem: 'SI', weight: 400 })).toThrow(RangeError);
    expect(() => encodeWeightMeasurement({ unitSystem: 'SI', weight: -1 })).toThrow(RangeError);
  });

  it('round-trips all 256 flag values in both unit systems', () => {
    for (let flags = 0; flags < 256; flags++) {
      const m: WeightMeasurement = { unitSystem: flags & 1 ? 'imperial' : 'SI', weight: flags & 1 ? 180.25 : 82.315 };
      if (flags & 2) m.timestamp = { year: 2025, month: 2, day: 28, hours: 6, minutes: 0, seconds: 1 };
      if (flags & 4) m.userId = 0xff;
      if (flags & 8) {
        m.bmi = 24.9;
        m.height = flags & 1 ? 70.5 : 1.815;
      }
      if (flags & 0xf0) m.reservedFlags = flags & 0xf0;
      const bytes = encodeWeightMeasurement(m);
      expect(bytes[0]).toBe(flags);
      expect(decodeWeightMeasurement(bytes)).toEqual({ ok: true, value: m });
    }
  });

  it('round-trips random raw field values exactly (fast-check)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(0xfffe), fc.nat(0xffff), fc.nat(0xffff), (imperial, w, bmi, h) => {
        const m: WeightMeasurement = imperial
          ? { unitSystem: 'imperial', weight: w / 100, bmi: bmi / 10, height: h / 10 }
          : { unitSystem: 'SI', weight: w / 200, bmi: bmi / 10, height: h / 1000 };
        expect(decodeWeightMeasurement(encodeWeightMeasurement(m))).toEqual({ ok: true, value: m });
      }),
    );
  });
});

describe('Weight Scale Feature 0x2A9E', () => {
  it('decodes the resolutions', () => {
    // time stamp + multiple users + BMI, weight resolution 7 (0.005 kg), height resolution 3 (0.001 m).
    const raw = 0x1 | 0x2 | 0x4 | (7 << 3) | (3 << 7);
    const r = decodeWeightScaleFeature(Uint8Array.of(raw & 0xff, raw >> 8, 0, 0));
    expect(r).toEqual({
      ok: true,
      value: {
        timestampSupported: true,
        multipleUsersSupported: true,
        bmiSupported: true,
        weightResolutionCode: 7,
        weightResolution: { kg: 0.005, lb: 0.01 },
        heightResolutionCode: 3,
        heightResolution: { m: 0.001, in: 0.1 },
      },
    });
    if (r.ok) expect(Array.from(encodeWeightScaleFeature(r.value))).toEqual([raw & 0xff, raw >> 8, 0, 0]);
  });

  it('round-trips random feature words and rejects short ones', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), (raw) => {
        const bytes = Uint8Array.of(raw & 0xff, (raw >>> 8) & 0xff, (raw >>> 16) & 0xff, raw >>> 24);
        const r = decodeWeightScaleFeature(bytes);
        expect(r.ok && Array.from(encodeWeightScaleFeature(r.value))).toEqual(Array.from(bytes));
      }),
    );
    const r = decodeWeightScaleFeature(hex('01 02'));
    expect(!r.ok && r.error.field).toBe('features');
  });
});
