import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VITALS } from '@telecart/devices';
import { describe, expect, it } from 'vitest';
import { DECODE_FORMATS, type DecodeFormat, decodeCommand, parseHex } from './decode.js';

type Json = Record<string, unknown>;
function ok(characteristic: string, hex: string): unknown {
  const r = decodeCommand(characteristic, [hex]);
  if (!r.ok) throw new Error(r.message);
  return JSON.parse(r.json);
}
function err(characteristic: string, hex: string): string {
  const r = decodeCommand(characteristic, [hex]);
  if (r.ok) throw new Error(`decoded: ${r.json}`);
  return r.message;
}
const codes = (obs: unknown) => (obs as { code: { coding: { code: string }[] } }[]).map((o) => o.code.coding[0]?.code);

describe('telecart decode', () => {
  it('prints FHIR Observations for measurement characteristics', () => {
    expect(codes(ok('2A35', '06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00'))).toEqual(['85354-9', '8867-4']);
    expect(codes(ok('2A37', '16 48 55 03'))).toEqual(['8867-4']);
    expect(codes(ok('0x2a18', '02 07 00 EA 07 01 02 03 04 05 6E B0 11'))).toEqual(['2339-0']);
    const [glucose] = ok('2A18', '02 07 00 EA 07 01 02 03 04 05 6E B0 11') as Json[];
    expect(glucose?.valueQuantity).toMatchObject({ value: 110, code: 'mg/dL' });
    expect(codes(ok('2A9D', '0E 14 37 E8 07 03 0F 07 1E 00 01 E2 00 E5 06'))).toEqual(['29463-7', '39156-5', '8302-2']);
  });

  it('prints the decoded structure for the other characteristics', () => {
    expect(ok('2A38', '01')).toEqual({ code: 1, name: 'chest' });
    expect(ok('2A34', '02 05 00 01')).toEqual({ sequenceNumber: 5, meal: 1 });
    expect(ok('2A51', 'F0 03')).toMatchObject({ timeFault: true, lowBatteryDetection: false, raw: 0x03f0 });
    expect(ok('2A52', '01 03 01 05 00')).toEqual({
      direction: 'request',
      request: { opCode: 'report-stored-records', filter: { operator: 'gte', sequenceNumber: 5 } },
    });
    expect(ok('2A52', '06 00 01 06')).toEqual({
      direction: 'indication',
      indication: { kind: 'response', requestOpCode: 'report-stored-records', code: 'no-records-found' },
    });
    expect(ok('2A52', '05000A00')).toEqual({ direction: 'indication', indication: { kind: 'number-of-records', count: 10 } });
    expect(ok('2A2B', 'E8 07 06 06 0C 04 2C 04 80 01')).toMatchObject({
      dateTime: { year: 2024, month: 6, day: 6, hours: 12, minutes: 4, seconds: 44 },
      dayOfWeek: 4,
      fractions256: 128,
      adjustReason: { manualUpdate: true },
    });
    expect(ok('2A9E', '0F 02 00 00')).toMatchObject({ multipleUsersSupported: true, weightResolutionCode: 1 });
  });

  it('one clear line for malformed input', () => {
    expect(err('2A37', '01 48')).toBe('heartRate: truncated: need 2 bytes at offset 1, have 1');
    expect(err('2A18', '00 01 00 E3')).toBe('baseTime: truncated: need 7 bytes at offset 3, have 1');
    expect(err('2A52', '07 01')).toBe('opCode: op code 0x07 is not a request');
    expect(err('2A2B', 'E8 07 0D 01 00 00 00 01 00 00')).toBe('dateTime.month: out of range: 13 (1..12, 0 = unknown)');
    expect(err('2A35', 'zz')).toBe('hex: not hexadecimal near "z"');
    expect(err('2A35', 'abc')).toBe('hex: odd number of digits (3)');
    expect(err('2A99', '00')).toMatch(/^characteristic: unsupported "2A99" \(supported: .*2A37.*2A52/);
    expect(err('nonin-none', '00')).toMatch(/^characteristic: unsupported/);
    for (const m of [err('2A34', '40 05 00 01'), err('2A38', '')]) expect(m.split('\n')).toHaveLength(1);
    expect(parseHex('0x01:02 03')).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('dispatches registered named formats (lower-case names, drafts or structures, one-line errors)', () => {
    for (const name of DECODE_FORMATS.keys()) expect(name).toBe(name.toLowerCase());
    const formats = new Map<string, DecodeFormat>([
      ['byte-sum', { description: 'test', decode: (b) => ({ ok: true, value: { decoded: { sum: b.reduce((a, x) => a + x, 0) } } }) }],
      [
        'spo2-byte',
        {
          description: 'test',
          decode: (b) =>
            b.length === 1
              ? {
                  ok: true,
                  value: {
                    drafts: [{ code: VITALS.spo2, value: { value: b[0] ?? 0, unit: '%' }, status: 'final', flags: [], lane: 'spot' }],
                  },
                }
              : { ok: false, error: { field: 'frame', reason: `need 1 byte, have ${b.length}` } },
        },
      ],
    ]);
    expect(decodeCommand('BYTE-SUM', ['01 02'], formats)).toEqual({ ok: true, json: JSON.stringify({ sum: 3 }, null, 2) });
    const spo2 = decodeCommand('spo2-byte', ['61'], formats);
    expect(spo2.ok && codes(JSON.parse(spo2.json))).toEqual(['2708-6']);
    expect(decodeCommand('spo2-byte', ['61 62'], formats)).toEqual({ ok: false, message: 'frame: need 1 byte, have 2' });
    const unknown = decodeCommand('nope', ['00'], formats);
    expect(!unknown.ok && unknown.message).toMatch(/byte-sum, spo2-byte\)$/);
  });

  describe('status bits that change what a value means (docs/devices.md)', () => {
    const status = (obs: unknown) => (obs as { status: string }[]).map((o) => o.status);
    it('glucose control solution is no Observation, only a note saying it is not recorded', () => {
      for (const hex of ['02 07 00 EA 07 01 02 03 04 05 6E B0 1A', '02 07 00 EA 07 01 02 03 04 05 6E B0 41']) {
        const r = decodeCommand('2A18', [hex]);
        expect(r).toEqual({
          ok: true,
          json: '[]',
          notes: ['not patient data (control-solution), not recorded: Glucose [Mass/volume] in Blood 2339-0 110 mg/dL'],
        });
      }
    });
    it('glucose above / below the meter range carries valueQuantity.comparator', () => {
      const [hi] = ok('2A18', '0A 07 00 EA 07 01 02 03 04 05 58 B2 11 20 00') as Json[];
      expect(hi?.valueQuantity).toMatchObject({ value: 600, comparator: '>', code: 'mg/dL' });
      expect(hi?.status).toBe('final');
      const [lo] = ok('2A18', '0A 07 00 EA 07 01 02 03 04 05 14 B0 11 40 00') as Json[];
      expect(lo?.valueQuantity).toMatchObject({ value: 20, comparator: '<' });
    });
    it('glucose strip / sensor errors give entered-in-error', () => {
      for (const word of ['02 00', '04 00', '08 00', '10 00', '00 02', '00 04'])
        expect(status(ok('2A18', `0A 07 00 EA 07 01 02 03 04 05 6E B0 11 ${word}`)), word).toEqual(['entered-in-error']);
      expect(status(ok('2A18', '0A 07 00 EA 07 01 02 03 04 05 6E B0 11 01 00'))).toEqual(['final']);
    });
    it('PLX invalid measurement and measurement unavailable give entered-in-error SpO2 and pulse', () => {
      expect(status(ok('2A5E', '02 61 00 48 00 00 80'))).toEqual(['entered-in-error', 'entered-in-error']);
      expect(status(ok('2A5E', '02 61 00 48 00 00 20'))).toEqual(['entered-in-error', 'entered-in-error']);
      expect(status(ok('2A5E', '04 61 00 48 00 00 08 00'))).toEqual(['entered-in-error', 'entered-in-error']);
      expect(status(ok('2A5E', '02 61 00 48 00 00 40'))).toEqual(['final', 'final']);
      expect(status(ok('2A5E', '02 61 00 48 00 20 00'))).toEqual(['preliminary', 'preliminary']);
    });
    it('PLX demonstration and testing data are not patient data', () => {
      for (const [word, reason] of [
        ['00 04', 'demonstration-data'],
        ['00 08', 'testing-data'],
      ]) {
        const r = decodeCommand('2A5E', [`02 61 00 48 00 ${word}`]);
        expect(r.ok && r.json).toBe('[]');
        expect(r.ok && r.notes).toEqual([
          `not patient data (${reason}), not recorded: Oxygen saturation in Arterial blood 2708-6 97 %`,
          `not patient data (${reason}), not recorded: Heart rate 8867-4 72 /min`,
        ]);
      }
    });
    it('heart rate with sensor contact not detected is entered-in-error, with contact final', () => {
      expect(status(ok('2A37', '04 00'))).toEqual(['entered-in-error']);
      expect(status(ok('2A37', '06 48'))).toEqual(['final']);
    });
    it('a cuff pulse above / below its range gets interpretation H / L', () => {
      const [panel, pulse] = ok('2A35', '14 78 00 50 00 5D 00 40 00 08 00') as Json[];
      expect(panel?.interpretation).toBeUndefined();
      expect(pulse?.interpretation).toMatchObject([{ coding: [{ code: 'H' }] }]);
      const [, low] = ok('2A35', '14 78 00 50 00 5D 00 40 00 10 00') as Json[];
      expect(low?.interpretation).toMatchObject([{ coding: [{ code: 'L' }] }]);
    });
  });

  const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
  it.runIf(existsSync(cli))('the built CLI exits 0 with JSON, 1 with one line on stderr', async () => {
    const run = promisify(execFile);
    const good = await run(process.execPath, [cli, 'decode', '2A37', '16', '48', '55', '03']);
    expect(codes(JSON.parse(good.stdout))).toEqual(['8867-4']);
    const bad = await run(process.execPath, [cli, 'decode', '2A18', '00 01']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(1);
    expect(bad?.stderr).toBe('telecart decode: sequenceNumber: truncated: need 2 bytes at offset 1, have 1\n');
    const control = await run(process.execPath, [cli, 'decode', '2A18', '02 07 00 EA 07 01 02 03 04 05 6E B0 1A']);
    expect(JSON.parse(control.stdout)).toEqual([]);
    expect(control.stderr).toBe(
      'telecart decode: not patient data (control-solution), not recorded: Glucose [Mass/volume] in Blood 2339-0 110 mg/dL\n',
    );
  });
});
