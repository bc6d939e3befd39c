import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePlxContinuous,
  decodePlxFeatures,
  decodePlxSpotCheck,
  encodePlxContinuous,
  encodePlxFeatures,
  encodePlxSpotCheck,
  type PlxContinuous,
  type PlxSpotCheck,
  plxDeviceSensorStatusBits,
  plxDeviceSensorStatusNames,
  plxMeasurementStatusBits,
  plxMeasurementStatusNames,
} from './plx.js';
import { hex, num, toHex } from './test-bytes.js';

describe('PLX Spot-Check 0x2A5E', () => {
  const vector = '0F AC F3 BE F5 E8 07 0B 1D 17 08 39 20 40 22 00 00 66 E3';

  it('decodes the Spezi vector', () => {
    const r = decodePlxSpotCheck(hex(vector));
    expect(r).toEqual({
      ok: true,
      value: {
        spo2: num(94),
        pulseRate: num(147),
        timestamp: { year: 2024, month: 11, day: 29, hours: 23, minutes: 8, seconds: 57 },
        measurementStatus: 0x4020,
        deviceSensorStatus: 0x000022,
        pulseAmplitudeIndex: num(8.7),
        deviceClockNotSet: false,
      },
    });
    if (r.ok) {
      expect(plxMeasurementStatusNames(r.value.measurementStatus ?? 0)).toEqual(['measurement-ongoing', 'questionable-measurement']);
      expect(plxDeviceSensorStatusNames(r.value.deviceSensorStatus ?? 0)).toEqual(['equipment-malfunction', 'low-perfusion']);
    }
  });

  it('re-encodes the Spezi vector with the exponents it used', () => {
    const m: PlxSpotCheck = {
      spo2: num(94),
      pulseRate: num(147),
      timestamp: { year: 2024, month: 11, day: 29, hours: 23, minutes: 8, seconds: 57 },
      measurementStatus: plxMeasurementStatusBits(['measurement-ongoing', 'questionable-measurement']),
      deviceSensorStatus: plxDeviceSensorStatusBits(['equipment-malfunction', 'low-perfusion']),
      pulseAmplitudeIndex: num(8.7),
      deviceClockNotSet: false,
    };
    // Our encoder picks the exponent nearest zero (94 → 5E 00); the decoded structure is the same.
    expect(decodePlxSpotCheck(encodePlxSpotCheck(m))).toEqual({ ok: true, value: m });
    expect(toHex(encodePlxSpotCheck(m)).slice(0, 14)).toBe('0F 5E 00 93 00');
  });

  it('reads flag bit 4 as "device clock not set"', () => {
    const r = decodePlxSpotCheck(hex('11 61 00 48 00 E8 07 01 01 00 00 00'));
    expect(r.ok && r.value.deviceClockNotSet).toBe(true);
    expect(r.ok && r.value.timestamp).toEqual({ year: 2024, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 });
  });

  it('names the missing field', () => {
    expect(decodePlxSpotCheck(hex('04 61 00 48 00 22 00'))).toEqual({
      ok: false,
      error: { field: 'deviceSensorStatus', reason: 'truncated: need 3 bytes at offset 5, have 2' },
    });
    const r = decodePlxSpotCheck(hex('00 61 00 48'));
    expect(!r.ok && r.error.field).toBe('pulseRate');
  });

  it('round-trips all 256 flag values', () => {
    for (let flags = 0; flags < 256; flags++) {
      const m: PlxSpotCheck = { spo2: num(97), pulseRate: { kind: 'nres' }, deviceClockNotSet: (flags & 0x10) !== 0 };
      if (flags & 1) m.timestamp = { year: 2024, month: 7, day: 14, hours: 10, minutes: 0, seconds: 0 };
      if (flags & 2) m.measurementStatus = 0xffff;
      if (flags & 4) m.deviceSensorStatus = 0xabcdef;
      if (flags & 8) m.pulseAmplitudeIndex = num(1.25);
      if (flags & 0xe0) m.reservedFlags = flags & 0xe0;
      const bytes = encodePlxSpotCheck(m);
      expect(bytes[0]).toBe(flags);
      expect(decodePlxSpotCheck(bytes)).toEqual({ ok: true, value: m });
    }
  });
});

describe('PLX Continuous 0x2A5F', () => {
  it('decodes the Spezi vector (flag bits differ from spot-check)', () => {
    const bytes = '1C 5F 00 5A 00 20 00 00 00 00 57 F0';
    const r = decodePlxContinuous(hex(bytes));
    expect(r).toEqual({
      ok: true,
      value: {
        normal: { spo2: num(95), pulseRate: num(90) },
        measurementStatus: 0x0020,
        deviceSensorStatus: 0,
        pulseAmplitudeIndex: num(8.7),
      },
    });
    if (r.ok) expect(toHex(encodePlxContinuous(r.value))).toBe(bytes);
    // The same bytes read as a spot-check would be something else entirely: the layouts must not be confused.
    const asSpot = decodePlxSpotCheck(hex(bytes));
    expect(asSpot.ok && asSpot.value.deviceClockNotSet).toBe(true);
  });

  it('accepts both encodings of the minimal vector', () => {
    const expected = { ok: true, value: { normal: { spo2: num(100), pulseRate: num(90) } } };
    expect(decodePlxContinuous(hex('00 E8 F3 84 F3'))).toEqual(expected);
    expect(decodePlxContinuous(hex('00 64 00 5A 00'))).toEqual(expected);
  });

  it('names the missing fast/slow fields', () => {
    const r = decodePlxContinuous(hex('03 64 00 5A 00 64 00 5A 00 64 00'));
    expect(!r.ok && r.error.field).toBe('slow.pulseRate');
  });

  it('round-trips all 256 flag values', () => {
    for (let flags = 0; flags < 256; flags++) {
      const m: PlxContinuous = { normal: { spo2: num(96), pulseRate: num(61) } };
      if (flags & 1) m.fast = { spo2: num(95), pulseRate: num(62) };
      if (flags & 2) m.slow = { spo2: num(97), pulseRate: { kind: 'nan' } };
      if (flags & 4) m.measurementStatus = 0x2000;
      if (flags & 8) m.deviceSensorStatus = 0x8000;
      if (flags & 16) m.pulseAmplitudeIndex = num(2.5);
      if (flags & 0xe0) m.reservedFlags = flags & 0xe0;
      const bytes = encodePlxContinuous(m);
      expect(bytes[0]).toBe(flags);
      expect(decodePlxContinuous(bytes)).toEqual({ ok: true, value: m });
    }
  });

  it('round-trips random values (fast-check)', () => {
    const sf = fc.integer({ min: -2045, max: 2045 }).chain((m) => fc.integer({ min: -3, max: 2 }).map((e) => num(Number(`${m}e${e}`))));
    const pair = fc.record({ spo2: sf, pulseRate: sf });
    const cont = fc.record(
      {
        normal: pair,
        fast: pair,
        slow: pair,
        measurementStatus: fc.nat(0xffff),
        deviceSensorStatus: fc.nat(0xffffff),
        pulseAmplitudeIndex: sf,
      },
      { requiredKeys: ['normal'] },
    );
    fc.assert(
      fc.property(cont, (m) => {
        expect(decodePlxContinuous(encodePlxContinuous(m))).toEqual({ ok: true, value: m });
      }),
    );
  });
});

describe('PLX Features 0x2A60', () => {
  it('decodes the Spezi vector A3 00 40 10 80 01 00', () => {
    const bytes = 'A3 00 40 10 80 01 00';
    const r = decodePlxFeatures(hex(bytes));
    expect(r).toEqual({
      ok: true,
      value: {
        measurementStatusSupported: true,
        deviceSensorStatusSupported: true,
        spotCheckStorage: false,
        spotCheckTimestamp: false,
        spo2prFast: false,
        spo2prSlow: true,
        pulseAmplitudeIndex: false,
        multipleBonds: true,
        raw: 0x00a3,
        measurementStatusSupport: 0x1040,
        deviceSensorStatusSupport: 0x000180,
      },
    });
    if (r.ok) {
      expect(plxMeasurementStatusNames(0x1040)).toEqual(['early-estimated-data', 'calibration-ongoing']);
      expect(plxDeviceSensorStatusNames(0x180)).toEqual(['non-pulsatile-signal', 'questionable-pulse']);
      expect(toHex(encodePlxFeatures(r.value))).toBe(bytes);
    }
  });

  it('requires the support words the flags announce', () => {
    const r = decodePlxFeatures(hex('02 00 80 01'));
    expect(!r.ok && r.error).toEqual({ field: 'deviceSensorStatusSupport', reason: 'truncated: need 3 bytes at offset 2, have 2' });
  });
});
