import { describe, expect, it } from 'vitest';
import { decodeTemperatureMeasurement, encodeTemperatureMeasurement, type TemperatureMeasurement } from './temperature.js';
import { hex, num, toHex } from './test-bytes.js';

describe('Temperature Measurement 0x2A1C', () => {
  it('decodes the Nordic vector: 37.60 °C, 2012-12-05 11:50:27, finger', () => {
    const bytes = '06 B0 0E 00 FE DC 07 0C 05 0B 32 1B 04';
    const r = decodeTemperatureMeasurement(hex(bytes));
    expect(r).toEqual({
      ok: true,
      value: {
        unit: 'celsius',
        temperature: num(37.6),
        timestamp: { year: 2012, month: 12, day: 5, hours: 11, minutes: 50, seconds: 27 },
        temperatureType: 4,
      },
    });
    // 37.6 re-encodes as 376 × 10^-1; with the device's exponent it is byte-identical.
    if (r.ok) {
      const again = encodeTemperatureMeasurement(r.value);
      expect(decodeTemperatureMeasurement(again)).toEqual(r);
      expect(toHex(again)).toBe('06 78 01 00 FF DC 07 0C 05 0B 32 1B 04');
    }
  });

  it('decodes the Fahrenheit example 01 DA 03 00 FF as 98.6 °F', () => {
    expect(decodeTemperatureMeasurement(hex('01 DA 03 00 FF'))).toEqual({
      ok: true,
      value: { unit: 'fahrenheit', temperature: num(98.6) },
    });
  });

  it('decodes FLOAT specials as specials', () => {
    const r = decodeTemperatureMeasurement(hex('00 FF FF 7F 00'));
    expect(r.ok && r.value.temperature).toEqual({ kind: 'nan' });
  });

  it('names the missing field', () => {
    expect(decodeTemperatureMeasurement(hex('04 B0 0E 00 FE'))).toEqual({
      ok: false,
      error: { field: 'temperatureType', reason: 'truncated: need 1 byte at offset 5, have 0' },
    });
    const r = decodeTemperatureMeasurement(hex('00 B0 0E'));
    expect(!r.ok && r.error.field).toBe('temperature');
  });

  it('round-trips all 256 flag values in both units', () => {
    for (let flags = 0; flags < 256; flags++) {
      const m: TemperatureMeasurement = { unit: flags & 1 ? 'fahrenheit' : 'celsius', temperature: num(flags & 1 ? 99.5 : 37.25) };
      if (flags & 2) m.timestamp = { year: 2026, month: 1, day: 31, hours: 22, minutes: 30, seconds: 15 };
      if (flags & 4) m.temperatureType = flags % 10;
      if (flags & 0xf8) m.reservedFlags = flags & 0xf8;
      const bytes = encodeTemperatureMeasurement(m);
      expect(bytes[0]).toBe(flags);
      expect(decodeTemperatureMeasurement(bytes)).toEqual({ ok: true, value: m });
    }
  });
});
