import { describe, expect, it } from 'vitest';
import { VITALS } from '../model/codes.js';
import { decodeCharacteristic } from './registry.js';
import { hex, toHex } from './test-bytes.js';
import { type BodyCompositionMeasurement, decodeBodyCompositionMeasurement, encodeBodyCompositionMeasurement } from './weight.js';

// Flags 0x0006 (time stamp, user), body fat 234 (23.4 %), 2026-12-05 08:30:00, user 1.
const SIMPLE = '06 00 EA 00 EA 07 0C 05 08 1E 00 01';
// Every field, SI: flags 0x1FFE; fat 25.0 %; basal 6000 kJ; muscle 40.5 %; muscle 30 kg, fat-free 52.5 kg,
// soft lean 49 kg, water 38.2 kg (0.005 kg units); impedance 512.3 Ω; weight 70 kg; height 1.75 m.
const FULL = 'FE 1F FA 00 EA 07 0C 05 08 1E 00 02 70 17 95 01 70 17 04 29 48 26 D8 1D 03 14 B0 36 D6 06';

describe('Body Composition Measurement (0x2A9C)', () => {
  it('decodes body fat, time stamp and user', () => {
    const r = decodeBodyCompositionMeasurement(hex(SIMPLE));
    expect(r).toEqual({
      ok: true,
      value: {
        unitSystem: 'SI',
        bodyFatPercent: 23.4,
        timestamp: { year: 2026, month: 12, day: 5, hours: 8, minutes: 30, seconds: 0 },
        userId: 1,
      },
    });
  });

  it('decodes every optional field at its SIG resolution, and encodes back to the same bytes', () => {
    const r = decodeBodyCompositionMeasurement(hex(FULL));
    const expected: BodyCompositionMeasurement = {
      unitSystem: 'SI',
      bodyFatPercent: 25,
      timestamp: { year: 2026, month: 12, day: 5, hours: 8, minutes: 30, seconds: 0 },
      userId: 2,
      basalMetabolism: 6000,
      musclePercent: 40.5,
      muscleMass: 30,
      fatFreeMass: 52.5,
      softLeanMass: 49,
      bodyWaterMass: 38.2,
      impedance: 512.3,
      weight: 70,
      height: 1.75,
      multiplePacket: true,
    };
    expect(r).toEqual({ ok: true, value: expected });
    expect(toHex(encodeBodyCompositionMeasurement(expected))).toBe(FULL);
  });

  it('imperial masses are in 0.01 lb, height in 0.1 in', () => {
    const r = decodeBodyCompositionMeasurement(hex('01 0C C8 00 7C 3D A9 02'));
    expect(r).toEqual({ ok: true, value: { unitSystem: 'imperial', bodyFatPercent: 20, weight: 157.4, height: 68.1 } });
  });

  it('maps body fat to one final % draft with the catalogue code, the device time and the user', () => {
    const r = decodeCharacteristic('2A9C', hex(SIMPLE));
    expect(r).toEqual({
      ok: true,
      value: [
        {
          code: VITALS.bodyFat,
          status: 'final',
          flags: [],
          lane: 'spot',
          value: { value: 23.4, unit: '%' },
          deviceTime: { year: 2026, month: 12, day: 5, hours: 8, minutes: 30, seconds: 0 },
          userIndex: 1,
        },
      ],
    });
  });

  it('an unsuccessful measurement (0xFFFF) yields no reading; an impossible one is flagged, not dropped', () => {
    expect(decodeCharacteristic('2A9C', hex('00 00 FF FF'))).toEqual({ ok: true, value: [] });
    const r = decodeCharacteristic('2A9C', hex('00 00 84 03'));
    expect(r.ok && r.value[0]).toMatchObject({ value: { value: 90, unit: '%' }, flags: ['implausible:body-fat'] });
  });

  it('a truncated PDU is an error naming the field', () => {
    expect(decodeBodyCompositionMeasurement(hex('02 00 EA 00 EA 07'))).toEqual({
      ok: false,
      error: { field: 'timestamp', reason: 'truncated: need 7 bytes at offset 4, have 2' },
    });
  });
});
