import { describe, expect, it } from 'vitest';
import {
  outside,
  SUMMARY_VITALS,
  TREND_VITALS,
  toVitalUnit,
  VITAL_CATALOGUE,
  VITAL_IDS,
  VITALS,
  type VitalEntry,
  vitalIdOfLoinc,
} from './catalogue.js';
import { CONVERSIONS, UCUM, UNIT_DISPLAY } from './units.js';

const entries = VITAL_IDS.map((id) => [id, VITAL_CATALOGUE[id] as VitalEntry] as const);

/** LOINC's check digit: the mod-10 (Luhn) digit of the number before the hyphen. */
function loincCheckDigit(num: string): number {
  let sum = 0;
  [...num].reverse().forEach((ch, i) => {
    const d = Number(ch) * (i % 2 === 0 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  });
  return (10 - (sum % 10)) % 10;
}

function isLoinc(code: string): boolean {
  const m = /^(\d{1,7})-(\d)$/.exec(code);
  return m !== null && loincCheckDigit(m[1] ?? '') === Number(m[2]);
}

const UCUM_CODES = new Set<string>(Object.values(UCUM));

describe('vitals catalogue', () => {
  it('the LOINC check digit is the one LOINC computes (8867-4, 29463-7; 8867-5 is refused)', () => {
    expect(isLoinc('8867-4')).toBe(true);
    expect(isLoinc('29463-7')).toBe(true);
    expect(isLoinc('8867-5')).toBe(false);
  });

  it.each(entries)('%s: codes have the LOINC shape and check digit; MDC codes are context-free (partition × 65536 + term)', (_, e) => {
    expect(e.loinc.length).toBeGreaterThan(0);
    expect(e.loinc[0]).toBe(e.code.loinc);
    for (const l of e.loinc) expect(isLoinc(l), l).toBe(true);
    for (const c of [e.code, ...(e.components ?? []).map((x) => x.code)]) {
      expect(isLoinc(c.loinc), c.loinc).toBe(true);
      expect(c.display.length).toBeGreaterThan(0);
      if (c.mdc !== undefined) expect(Number.isInteger(c.mdc) && c.mdc >= 65536 && c.mdc < 16 * 65536, String(c.mdc)).toBe(true);
    }
  });

  it.each(entries)('%s: UCUM units with a display form, both labels, digits', (_, e) => {
    expect(UCUM_CODES.has(e.unit), e.unit).toBe(true);
    expect(UNIT_DISPLAY[e.unit]).toBeDefined();
    for (const u of Object.keys(e.convert ?? {})) {
      expect(UCUM_CODES.has(u), u).toBe(true);
      expect(UNIT_DISPLAY[u]).toBeDefined();
    }
    expect(e.labels.fr.trim().length).toBeGreaterThan(0);
    expect(e.labels.en.trim().length).toBeGreaterThan(0);
    expect(Number.isInteger(e.digits) && e.digits >= 0 && e.digits <= 3).toBe(true);
  });

  it.each(entries)('%s: limits are ordered; alarms lie inside the plausible range', (_, e) => {
    const p = e.plausible;
    if (p) {
      expect(p.flag).toMatch(/^implausible:[a-z0-9-]+$/);
      if (p.min !== undefined && p.max !== undefined) expect(p.min).toBeLessThan(p.max);
      for (const [unit, l] of Object.entries(p.in ?? {})) {
        expect(e.convert?.[unit], unit).toBeDefined();
        expect(l.min ?? Number.NEGATIVE_INFINITY).toBeLessThan(l.max ?? Number.POSITIVE_INFINITY);
      }
      if (p.component !== undefined) expect(e.components?.map((c) => c.name)).toContain(p.component);
    }
    const lows: number[] = [];
    const highs: number[] = [];
    for (const a of e.alarms ?? []) {
      expect(a.flag).toMatch(/^alarm:[a-z0-9-]+$/);
      if (a.component !== undefined) expect(e.components?.map((c) => c.name)).toContain(a.component);
      const bounds = [a.below, a.above, a.atOrAbove].filter((x) => x !== undefined);
      expect(bounds).toHaveLength(1);
      if (a.below !== undefined) lows.push(a.below);
      else highs.push(a.above ?? a.atOrAbove ?? Number.NaN);
      // A critical value is still a plausible one: the alarm must be reachable.
      if (p && p.component === a.component) expect(outside(p, bounds[0] ?? Number.NaN)).toBe(false);
    }
    for (const lo of lows) for (const hi of highs) expect(lo).toBeLessThan(hi);
  });

  it.each(entries)('%s: every conversion round-trips, and its unit is not the vital unit', (_, e) => {
    for (const [unit, c] of Object.entries(e.convert ?? {})) {
      expect(unit).not.toBe(e.unit);
      for (const v of [0.5, 1, 37, 72.5, 180]) {
        expect(c.fromUnit(c.toUnit(v))).toBeCloseTo(v, 9);
        expect(c.toUnit(c.fromUnit(v))).toBeCloseTo(v, 9);
      }
    }
  });

  it('conversions are the standard factors', () => {
    expect(CONVERSIONS.lbToKg.toUnit(1)).toBe(0.45359237);
    expect(CONVERSIONS.fahrenheitToCelsius.toUnit(98.6)).toBeCloseTo(37, 9);
    expect(CONVERSIONS.kPaToMmHg.toUnit(13.3322387415)).toBeCloseTo(100, 9);
    expect(toVitalUnit(VITAL_CATALOGUE.glucose, 5.5, UCUM.mmolPerL)).toBeCloseTo(99.088, 9);
    expect(toVitalUnit(VITAL_CATALOGUE.weight, 154, 'furlong')).toBeNull();
  });

  it('each LOINC names one vital; every vital code of the mappings is in the catalogue or a panel component', () => {
    const seen = new Map<string, string>();
    for (const [id, e] of entries)
      for (const l of e.loinc) {
        expect(seen.get(l), `${l} in ${id} and ${seen.get(l)}`).toBeUndefined();
        seen.set(l, id);
        expect(vitalIdOfLoinc(l)).toBe(id);
      }
    const components = new Set(entries.flatMap(([, e]) => (e.components ?? []).map((c) => c.code.loinc)));
    for (const [name, c] of Object.entries(VITALS)) {
      if (name === 'meanArterial') continue; // a BP component shown with the panel, not a series of its own
      expect(seen.has(c.loinc) || components.has(c.loinc), name).toBe(true);
    }
  });

  it('summary and trend vitals are catalogue vitals, in the order the pages show them', () => {
    expect(SUMMARY_VITALS).toEqual(['bp', 'pulse', 'spo2', 'weight', 'temperature']);
    expect(TREND_VITALS).toEqual(['weight', 'bp', 'pulse', 'spo2', 'temperature', 'glucose', 'respiratoryRate']);
  });
});
