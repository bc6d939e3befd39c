import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFloat,
  decodeFloatWord,
  decodeSfloat,
  decodeSfloatWord,
  encodeFloat,
  encodeFloatWord,
  encodeSfloat,
  encodeSfloatWord,
  MEDFLOAT_SPECIALS,
  medfloatValue,
} from './ieee11073.js';
import { hex, num, toHex } from './test-bytes.js';

describe('SFLOAT', () => {
  it.each([
    ['78 00', 120],
    ['F1 FF', -1.5],
    ['E8 F3', 100],
    ['64 00', 100],
    ['66 E3', 8.7],
    ['6E B0', 0.0011],
    ['3D C0', 0.0061],
    ['DA F3', 98.6],
    ['BD F0', 18.9],
    ['9F F0', 15.9],
    ['AC F3', 94],
    ['BE F5', 147],
  ])('decodes the spec vector %s to exactly %d', (bytes, value) => {
    expect(decodeSfloat(hex(bytes))).toEqual({ ok: true, value: num(value) });
  });

  it.each([
    ['FF 07', 'nan'],
    ['00 08', 'nres'],
    ['FE 07', '+inf'],
    ['02 08', '-inf'],
    ['01 08', 'reserved'],
  ])('decodes the special %s as %s, not a number', (bytes, kind) => {
    const r = decodeSfloat(hex(bytes));
    expect(r).toEqual({ ok: true, value: { kind } });
    if (r.ok) expect(medfloatValue(r.value)).toBeUndefined();
  });

  it('matches specials on the whole word only: mantissa 0x7FF with exponent -1 is a number', () => {
    expect(decodeSfloatWord(0xf7ff)).toEqual(num(204.7));
    expect(decodeSfloatWord(0x1800)).toEqual(num(-20480));
  });

  it('encodes every special and decodes it back', () => {
    for (const kind of MEDFLOAT_SPECIALS) expect(decodeSfloatWord(encodeSfloatWord({ kind }))).toEqual({ kind });
    expect(toHex(encodeSfloat(Number.NaN))).toBe('FF 07');
    expect(toHex(encodeSfloat(Number.POSITIVE_INFINITY))).toBe('FE 07');
    expect(toHex(encodeSfloat(Number.NEGATIVE_INFINITY))).toBe('02 08');
    expect(toHex(encodeSfloat({ kind: 'nres' }))).toBe('00 08');
  });

  it('chooses the exponent nearest zero that is exact', () => {
    expect(toHex(encodeSfloat(120))).toBe('78 00');
    expect(toHex(encodeSfloat(18.9))).toBe('BD F0');
    expect(toHex(encodeSfloat(-1.5))).toBe('F1 FF');
    expect(toHex(encodeSfloat(0.0061))).toBe('3D C0');
    expect(toHex(encodeSfloat(30000))).toBe('2C 21'); // 300 × 10^2
  });

  it('honours a given exponent (Spezi encodes 100 % as 1000 × 10^-1)', () => {
    expect(toHex(encodeSfloat(100, -1))).toBe('E8 F3');
    expect(toHex(encodeSfloat(90, -1))).toBe('84 F3');
  });

  it('rounds to the most precise representation when the value has too many digits', () => {
    expect(decodeSfloatWord(encodeSfloatWord(1 / 3))).toEqual(num(0.333));
  });

  it('refuses what it cannot represent', () => {
    expect(() => encodeSfloat(1e12)).toThrow(RangeError);
    expect(() => encodeSfloat(5000, 0)).toThrow(RangeError);
    expect(() => encodeSfloat(1, 9)).toThrow(RangeError);
  });

  it('reports a truncated SFLOAT with offset and bytes left', () => {
    expect(decodeSfloat(hex('00 78'), 1, 'diastolic')).toEqual({
      ok: false,
      error: { field: 'diastolic', reason: 'truncated: need 2 bytes at offset 1, have 1' },
    });
  });

  it('round-trips every mantissa/exponent pair that is not a special', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2045, max: 2045 }), fc.integer({ min: -8, max: 7 }), (m, e) => {
        const value = Number(`${m}e${e}`);
        const decoded = decodeSfloatWord(encodeSfloatWord(value));
        expect(decoded).toEqual(num(value));
      }),
    );
  });

  it('decodes every 16-bit word to a number or a special, never NaN', () => {
    const bad: number[] = [];
    for (let w = 0; w <= 0xffff; w++) {
      const m = decodeSfloatWord(w);
      if (m.kind === 'number' && !Number.isFinite(m.value)) bad.push(w);
    }
    expect(bad).toEqual([]);
  });
});

describe('FLOAT', () => {
  it.each([
    ['B0 0E 00 FE', 37.6],
    ['6C 01 00 FF', 36.4],
    ['DA 03 00 FF', 98.6],
  ])('decodes the spec vector %s to exactly %d', (bytes, value) => {
    expect(decodeFloat(hex(bytes))).toEqual({ ok: true, value: num(value) });
  });

  it.each([
    [0x007fffff, 'nan'],
    [0x00800000, 'nres'],
    [0x007ffffe, '+inf'],
    [0x00800002, '-inf'],
    [0x00800001, 'reserved'],
  ] as const)('decodes the special word %s as %s and encodes it back', (word, kind) => {
    expect(decodeFloatWord(word)).toEqual({ kind });
    expect(encodeFloatWord({ kind })).toBe(word);
  });

  it('decodes NaN from bytes FF FF 7F 00', () => {
    expect(decodeFloat(hex('FF FF 7F 00'))).toEqual({ ok: true, value: { kind: 'nan' } });
  });

  it('encodes with a suitable or given exponent', () => {
    expect(toHex(encodeFloat(37.6, -2))).toBe('B0 0E 00 FE');
    expect(toHex(encodeFloat(36.4))).toBe('6C 01 00 FF');
    expect(toHex(encodeFloat(Number.NaN))).toBe('FF FF 7F 00');
    expect(decodeFloatWord(encodeFloatWord(-273.15))).toEqual(num(-273.15));
  });

  it('reports a truncated FLOAT', () => {
    expect(decodeFloat(hex('B0 0E 00'), 0, 'temperature')).toEqual({
      ok: false,
      error: { field: 'temperature', reason: 'truncated: need 4 bytes at offset 0, have 3' },
    });
  });

  it('round-trips random mantissa/exponent pairs', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_388_605, max: 8_388_605 }), fc.integer({ min: -20, max: 20 }), (m, e) => {
        const value = Number(`${m}e${e}`);
        expect(decodeFloatWord(encodeFloatWord(value))).toEqual(num(value));
      }),
    );
  });

  it('decodes any 32-bit word without throwing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (w) => {
        const m = decodeFloatWord(w);
        expect(m.kind === 'number' ? typeof m.value : m.kind).toMatch(/number|nan|nres|inf|reserved/);
      }),
    );
  });
});
