import { describe, expect, it } from 'vitest';
import {
  decodeBodySensorLocation,
  decodeHeartRateMeasurement,
  encodeBodySensorLocation,
  encodeHeartRateMeasurement,
  type HeartRateMeasurement,
} from './heart-rate.js';
import { hex, toHex } from './test-bytes.js';

describe('Heart Rate Measurement 0x2A37', () => {
  // Nordic HeartRateMeasurementDataCallbackTest vectors + the constructed one (built to the SIG layout).
  const vectors: [string, HeartRateMeasurement][] = [
    ['00 55', { heartRate: 85, format: 'uint8', sensorContact: 'not-supported' }],
    ['04 FF', { heartRate: 255, format: 'uint8', sensorContact: 'no-contact' }],
    ['1E 55 32 00 21 00', { heartRate: 85, format: 'uint8', sensorContact: 'contact', energyExpended: 50, rrIntervals: [33] }],
    [
      '1F 01 01 32 01 01 00 02 01 FF FF',
      { heartRate: 257, format: 'uint16', sensorContact: 'contact', energyExpended: 306, rrIntervals: [1, 258, 65535] },
    ],
    ['16 48 55 03', { heartRate: 72, format: 'uint8', sensorContact: 'contact', rrIntervals: [853] }],
  ];

  it.each(vectors)('decodes and re-encodes %s', (bytes, value) => {
    expect(decodeHeartRateMeasurement(hex(bytes))).toEqual({ ok: true, value });
    expect(toHex(encodeHeartRateMeasurement(value))).toBe(bytes);
  });

  it('reads 853/1024 s as 0.833 s', () => {
    const r = decodeHeartRateMeasurement(hex('16 48 55 03'));
    expect(r.ok && (r.value.rrIntervals?.[0] ?? 0) / 1024).toBeCloseTo(0.833, 3);
  });

  it('names the missing field and ignores an odd trailing byte after RR intervals', () => {
    expect(decodeHeartRateMeasurement(hex('01 48'))).toEqual({
      ok: false,
      error: { field: 'heartRate', reason: 'truncated: need 2 bytes at offset 1, have 1' },
    });
    const e = decodeHeartRateMeasurement(hex('08 48 01'));
    expect(!e.ok && e.error.field).toBe('energyExpended');
    const rr = decodeHeartRateMeasurement(hex('10 48'));
    expect(!rr.ok && rr.error.field).toBe('rrIntervals');
    const odd = decodeHeartRateMeasurement(hex('10 48 55 03 07'));
    expect(odd.ok && odd.value.rrIntervals).toEqual([853]);
  });

  it('keeps the second "not supported" contact encoding and reserved flags for round trips', () => {
    for (const bytes of ['02 48', 'E0 48']) {
      const r = decodeHeartRateMeasurement(hex(bytes));
      expect(r.ok && toHex(encodeHeartRateMeasurement(r.value))).toBe(bytes);
    }
  });

  it('refuses an empty RR list and a rate that does not fit uint8', () => {
    expect(() => encodeHeartRateMeasurement({ heartRate: 60, format: 'uint8', sensorContact: 'contact', rrIntervals: [] })).toThrow(
      RangeError,
    );
    expect(() => encodeHeartRateMeasurement({ heartRate: 256, format: 'uint8', sensorContact: 'contact' })).toThrow(RangeError);
  });
});

describe('Body Sensor Location 0x2A38', () => {
  it('names locations and reserved codes', () => {
    expect(decodeBodySensorLocation(hex('01'))).toEqual({ ok: true, value: { code: 1, name: 'chest' } });
    expect(decodeBodySensorLocation(hex('05'))).toEqual({ ok: true, value: { code: 5, name: 'ear-lobe' } });
    expect(decodeBodySensorLocation(hex('09'))).toEqual({ ok: true, value: { code: 9, name: 'reserved-9' } });
    expect(decodeBodySensorLocation(hex('')).ok).toBe(false);
    expect(toHex(encodeBodySensorLocation(2))).toBe('02');
  });
});
