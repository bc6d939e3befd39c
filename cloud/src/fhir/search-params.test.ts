import { describe, expect, it } from 'vitest';
import { parseCodeParam, parseDateParam, parseDateParams, parsePatientParam } from './search-params.js';

const iso = (d: Date | undefined) => d?.toISOString();

describe('FHIR date parameter', () => {
  it('covers the range a partial date stands for, per prefix', () => {
    const day = parseDateParam('2026-11-23');
    expect(day.ok && [iso(day.value.from), iso(day.value.to)]).toEqual(['2026-11-23T00:00:00.000Z', '2026-11-23T23:59:59.999Z']);
    const month = parseDateParam('ge2026-02');
    expect(month.ok && [iso(month.value.from), iso(month.value.to)]).toEqual(['2026-02-01T00:00:00.000Z', undefined]);
    const year = parseDateParam('gt2025');
    expect(year.ok && iso(year.value.from)).toBe('2026-01-01T00:00:00.000Z');
    const lt = parseDateParam('lt2026-11-23T10:00+01:00');
    expect(lt.ok && [iso(lt.value.from), iso(lt.value.to)]).toEqual([undefined, '2026-11-23T08:59:59.999Z']);
    const le = parseDateParam('le2026-11-23T10:00:00Z');
    expect(le.ok && iso(le.value.to)).toBe('2026-11-23T10:00:00.999Z');
    const exact = parseDateParam('2026-11-23T10:00:00.250Z');
    expect(exact.ok && [iso(exact.value.from), iso(exact.value.to)]).toEqual(['2026-11-23T10:00:00.250Z', '2026-11-23T10:00:00.250Z']);
  });

  it('intersects repeated values', () => {
    const r = parseDateParams(['ge2026-11-01', 'lt2026-12-01', 'ge2026-11-10']);
    expect(r.ok && [iso(r.value.from), iso(r.value.to)]).toEqual(['2026-11-10T00:00:00.000Z', '2026-11-30T23:59:59.999Z']);
  });

  it('explains what is wrong', () => {
    for (const [value, message] of [
      ['yesterday', /is not \[prefix\]YYYY/],
      ['ne2026-11-23', /prefix 'ne' is not supported/],
      ['2026-13-01', /month 13 out of range/],
      ['2026-02-30', /day 30 out of range/],
      ['2026-11-23T10:00', /needs a time zone/],
      ['2026-11-23T25:00Z', /time out of range/],
    ] as const) {
      const r = parseDateParam(value);
      expect(r.ok ? 'accepted' : r.error).toMatch(message);
    }
  });
});

describe('FHIR code parameter', () => {
  it('reads LOINC and MDC tokens, lists and the SpO2 pulse-oximetry alias', () => {
    expect(parseCodeParam('8867-4')).toEqual({ ok: true, value: { loinc: ['8867-4'] } });
    expect(parseCodeParam('http://loinc.org|8480-6,|85354-9')).toEqual({ ok: true, value: { loinc: ['8480-6', '85354-9'] } });
    expect(parseCodeParam('59408-5')).toEqual({ ok: true, value: { loinc: ['59408-5', '2708-6'] } });
    expect(parseCodeParam('urn:iso:std:iso:11073:10101|150456')).toEqual({ ok: true, value: { mdc: [150456] } });
  });

  it('refuses unknown systems, empty codes and mixed systems', () => {
    expect(parseCodeParam('http://snomed.info/sct|123')).toMatchObject({ ok: false, error: expect.stringMatching(/not supported/) });
    expect(parseCodeParam('8867-4,')).toMatchObject({ ok: false });
    expect(parseCodeParam('http://loinc.org|')).toMatchObject({ ok: false });
    expect(parseCodeParam('8867-4,urn:iso:std:iso:11073:10101|150456')).toMatchObject({ ok: false, error: expect.stringMatching(/mixed/) });
  });
});

describe('FHIR patient parameter', () => {
  it('accepts an id, a relative or an absolute reference', () => {
    expect(parsePatientParam('p-001')).toEqual({ ok: true, value: 'p-001' });
    expect(parsePatientParam('Patient/p-001')).toEqual({ ok: true, value: 'p-001' });
    expect(parsePatientParam('http://127.0.0.1:8080/fhir/Patient/p-001')).toEqual({ ok: true, value: 'p-001' });
    expect(parsePatientParam('Device/x')).toMatchObject({ ok: false });
  });
});
