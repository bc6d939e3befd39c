import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHARACTERISTIC_CODECS, decodeCharacteristic, findCodec, normalizeCharacteristic } from './registry.js';
import type { CodecResult } from './result.js';
import { hex } from './test-bytes.js';

function isTypedOutcome(r: CodecResult<unknown>): boolean {
  if (r.ok) return true;
  return typeof r.error.field === 'string' && r.error.field.length > 0 && typeof r.error.reason === 'string' && r.error.reason.length > 0;
}

describe('registry entries never throw (per-codec properties: properties.test.ts)', () => {
  it.each(Object.keys(CHARACTERISTIC_CODECS))('registry %s: decode and toDrafts never throw, drafts carry no NaN', (uuid) => {
    const c = CHARACTERISTIC_CODECS[uuid];
    if (!c) throw new Error(uuid);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        expect(isTypedOutcome(c.decode(bytes))).toBe(true);
        const r = c.toDrafts(bytes);
        expect(isTypedOutcome(r)).toBe(true);
        if (r.ok) {
          for (const d of r.value) {
            const values = [d.value?.value, ...(d.components ?? []).map((x) => x.value.value)].filter((v) => v !== undefined);
            for (const v of values) expect(Number.isFinite(v)).toBe(true);
            expect(d.flags.length).toBeLessThanOrEqual(32);
            expect(d.lane).toBe('spot');
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('registry', () => {
  it('accepts short, 0x-prefixed and full 128-bit UUIDs', () => {
    expect(normalizeCharacteristic('2a35')).toBe('2A35');
    expect(normalizeCharacteristic('0x2A35')).toBe('2A35');
    expect(normalizeCharacteristic('00002a35-0000-1000-8000-00805f9b34fb')).toBe('2A35');
    expect(normalizeCharacteristic('233bf001-5a34-1b6d-975c-000d5690abe4')).toBeUndefined();
    expect(findCodec('0x2a9d')?.name).toBe('Weight Measurement');
  });

  it('lists the supported characteristics with their service', () => {
    expect(Object.fromEntries(Object.values(CHARACTERISTIC_CODECS).map((c) => [c.uuid, c.service]))).toMatchObject({
      '2A35': '1810',
      '2A36': '1810',
      '2A9D': '181D',
      '2A5E': '1822',
      '2A5F': '1822',
      '2A1C': '1809',
      '2A08': '1810',
      '2A37': '180D',
      '2A38': '180D',
      '2A18': '1808',
      '2A34': '1808',
      '2A51': '1808',
      '2A52': '1808',
    });
  });

  it('decodes a characteristic straight to drafts', () => {
    const r = decodeCharacteristic('00002a35-0000-1000-8000-00805f9b34fb', hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00'));
    expect(r.ok && r.value.map((d) => d.code.loinc)).toEqual(['85354-9', '8867-4']);
  });

  it('maps Intermediate Temperature 0x2A1E to preliminary drafts', () => {
    const r = decodeCharacteristic('2A1E', hex('00 6C 01 00 FF'));
    expect(r.ok && r.value.map((d) => [d.code.loinc, d.value?.value, d.status])).toEqual([['8310-5', 36.4, 'preliminary']]);
  });

  it('returns no drafts for feature and time characteristics', () => {
    expect(decodeCharacteristic('2A08', hex('E8 07 05 01 08 0F 1E'))).toEqual({ ok: true, value: [] });
    expect(decodeCharacteristic('2A60', hex('A3 00 40 10 80 01 00'))).toEqual({ ok: true, value: [] });
    expect(findCodec('2A60')?.measurement).toBe(false);
    expect(findCodec('2A35')?.measurement).toBe(true);
  });

  it('reports an unknown characteristic on field "characteristic"', () => {
    const r = decodeCharacteristic('2A99', hex('00 48'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.field).toBe('characteristic');
      expect(r.error.reason).toContain('2A35');
    }
    const bad = decodeCharacteristic('not-a-uuid', hex('00'));
    expect(!bad.ok && bad.error.field).toBe('characteristic');
  });

  it('applies the decode context: record number, weight resolution, sensor location, glucose context', () => {
    const bp = decodeCharacteristic('2A35', hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00'), { recordNumber: 12 });
    expect(bp.ok && bp.value.map((d) => d.recordNumber)).toEqual([12, 12]);
    const feature = {
      timestampSupported: false,
      multipleUsersSupported: false,
      bmiSupported: false,
      weightResolutionCode: 4,
      heightResolutionCode: 0,
    };
    const w = decodeCharacteristic('2A9D', hex('00 15 37'), {
      weightScaleFeature: { ...feature, weightResolution: { kg: 0.05, lb: 0.1 } },
    });
    expect(w.ok && w.value[0]?.value).toEqual({ value: 70.5, unit: 'kg' }); // raw 14101 = 70.505 kg at 0.05 kg
    const hr = decodeCharacteristic('2A37', hex('16 48 55 03'), { bodySensorLocation: 1 });
    expect(hr.ok && hr.value[0]?.flags).toEqual(['body-site:chest']);
    const g = decodeCharacteristic('2A18', hex('12 07 00 EA 07 01 02 03 04 05 6E B0 11'), {
      glucoseContext: { sequenceNumber: 7, meal: 3 },
    });
    expect(g.ok && g.value[0]?.flags).toContain('meal:fasting');
    expect(g.ok && g.value[0]?.recordNumber).toBe(7);
  });

  it('decodes RACP in both directions through the registry, without drafts', () => {
    expect(findCodec('2A52')?.decode(hex('01 03 01 05 00'))).toEqual({
      ok: true,
      value: { direction: 'request', request: { opCode: 'report-stored-records', filter: { operator: 'gte', sequenceNumber: 5 } } },
    });
    expect(decodeCharacteristic('2A52', hex('06 00 01 01'))).toEqual({ ok: true, value: [] });
  });

  it('passes the decoder error through', () => {
    expect(decodeCharacteristic('2A35', hex('00 78 00 50'))).toEqual({
      ok: false,
      error: { field: 'diastolic', reason: 'truncated: need 2 bytes at offset 3, have 1' },
    });
  });
});
