import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeCommand } from './decode.js';

// Body Composition Measurement as the simulator's encoder writes it (firmware-sim encoders test checks the same
// bytes): time stamp and user present, body fat 23.4 %, 2026-12-05 08:30:00, user 1.
const BODY_COMPOSITION = '06 00 EA 00 EA 07 0C 05 08 1E 00 01';

const BODY_FAT = {
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ code: 'exam' }] }],
  code: {
    coding: [
      { system: 'http://loinc.org', code: '41982-0', display: 'Percentage of body fat Measured' },
      { system: 'urn:iso:std:iso:11073:10101', code: '188748' },
    ],
  },
  valueQuantity: { value: 23.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  extension: [{ url: 'urn:telecart:fhir:extension:device-time', valueString: '2026-12-05T08:30:00' }],
};

describe('telecart decode 2A9C (body composition, the vitals catalogue proof)', () => {
  it('prints the body fat Observation: LOINC, MDC and UCUM from the catalogue, category exam', () => {
    const r = decodeCommand('2A9C', [BODY_COMPOSITION]);
    expect(r.ok).toBe(true);
    expect(r.ok && JSON.parse(r.json)).toMatchObject([BODY_FAT]);
    expect(decodeCommand('2A9C', ['00 00 FF FF'])).toEqual({ ok: true, json: '[]' });
  });

  it('the built CLI prints it too, and one line for a truncated PDU', async () => {
    const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
    const run = promisify(execFile);
    const good = await run(process.execPath, [cli, 'decode', '2A9C', ...BODY_COMPOSITION.split(' ')]);
    expect(JSON.parse(good.stdout)).toMatchObject([BODY_FAT]);
    const bad = await run(process.execPath, [cli, 'decode', '2A9C', '02 00 EA 00 EA 07']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad?.code).toBe(1);
    expect(bad?.stderr).toBe('telecart decode: timestamp: truncated: need 7 bytes at offset 4, have 2\n');
  });
});
