import { UCUM } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { reading } from '../testing/observations.js';
import { EnrollmentError, enrollmentsOf, resolveEnrollment } from './config.js';
import { bloodPressure, glucoseMgdl, type Point, spo2Percent, weightKg } from './readings.js';
import { median, spo2Drop, spo2Low } from './rules/copd.js';
import { glucoseOutOfRange } from './rules/diabetes.js';
import { weightGain1d, weightGain3d } from './rules/heart-failure.js';
import { bpAboveTarget, bpSevere } from './rules/hypertension.js';
import { nonTransmission } from './rules/non-transmission.js';
import { PROGRAMME_EVALUATION } from './rules/programmes.js';
import { DAY_MS, HOUR_MS } from './rules/types.js';

const T0 = Date.parse('2026-11-20T08:00:00Z');
let n = 0;
const pt = (hoursBefore: number, value: number): Point => ({ observationId: `o${++n}`, at: T0 - hoursBefore * HOUR_MS, value });
const HF = resolveEnrollment('p', { programme: 'heart-failure' }).rules;

function glucose(value: number, unit: string, loinc = unit === UCUM.mmolPerL ? '15074-8' : '2339-0'): Observation {
  const base = reading('pulse', { seq: 1 });
  return { ...base, code: { loinc, display: 'Glucose', mdc: 160184 }, value: { value, unit } };
}

describe('heart failure rules', () => {
  const g3 = HF['hf-weight-gain-3d'] ?? { enabled: true, kg: 2 };
  const g1 = HF['hf-weight-gain-1d'] ?? { enabled: true, kg: 1 };

  it('+2.0 kg vs the lowest weight of the previous 3 days alerts; +1.99 does not', () => {
    const history = [pt(70, 68.4), pt(48, 68.1), pt(24, 69.0)];
    expect(weightGain3d({ ...pt(0, 70.1), observationId: 't' }, history, g3)).toMatchObject({
      rule: 'hf-weight-gain-3d',
      severity: 'critical',
      values: { gainKg: 2, fromKg: 68.1, toKg: 70.1 },
      observationIds: [history[1]?.observationId, 't'],
    });
    expect(weightGain3d(pt(0, 70.09), history, g3)).toBeNull();
  });

  it('ignores weights older than 72 h and later than the reading (a late reading is judged at its own time)', () => {
    expect(weightGain3d(pt(0, 71), [pt(73, 60), pt(-5, 60)], g3)).toBeNull();
    expect(weightGain3d(pt(0, 71), [], g3)).toBeNull();
    expect(weightGain3d(pt(0, 71), [pt(72, 68.9)], g3)?.values.gainKg).toBe(2.1);
  });

  it('+1 kg vs the previous day: the latest weight 12 to 36 h before', () => {
    expect(weightGain1d(pt(0, 70), [pt(30, 68), pt(24, 69)], g1)?.values).toMatchObject({ gainKg: 1, fromKg: 69 });
    // Two weighings the same morning are not "yesterday".
    expect(weightGain1d(pt(0, 70), [pt(2, 68)], g1)).toBeNull();
    expect(weightGain1d(pt(0, 70), [pt(37, 68)], g1)).toBeNull();
    expect(weightGain1d(pt(0, 69.95), [pt(24, 69)], g1)).toBeNull();
  });

  it('reads pounds as pounds, and ignores unknown units and preliminary weights', () => {
    const lb = { ...reading('weight', { seq: 1, value: 154.32 }), value: { value: 154.32, unit: UCUM.lb } };
    expect(weightKg(lb)?.value).toBeCloseTo(70.0, 2);
    expect(weightKg({ ...lb, value: { value: 70, unit: 'stone' } })).toBeNull();
    expect(weightKg(reading('weight', { seq: 1, status: 'preliminary' }))).toBeNull();
    expect(weightKg(reading('pulse', { seq: 1 }))).toBeNull();
  });

  it('turned off rules raise nothing', () => {
    expect(weightGain3d(pt(0, 80), [pt(24, 60)], { enabled: false, kg: 2 })).toBeNull();
  });
});

describe('hypertension rules', () => {
  const r = resolveEnrollment('p', { programme: 'hypertension' }).rules;
  const severe = r['bp-severe'] ?? { enabled: true, systolic: 180, diastolic: 110 };
  const target = r['bp-above-target'] ?? { enabled: true, systolic: 135, diastolic: 85, days: 3, minReadings: 6 };
  const bp = (h: number, systolic: number, diastolic: number) => ({ observationId: `b${++n}`, at: T0 - h * HOUR_MS, systolic, diastolic });

  it('a reading ≥ 180 systolic or ≥ 110 diastolic is severe; 179/109 is not', () => {
    expect(bpSevere(bp(0, 180, 90), severe)?.severity).toBe('critical');
    expect(bpSevere(bp(0, 150, 110), severe)?.values).toMatchObject({ systolic: 150, diastolic: 110 });
    expect(bpSevere(bp(0, 179, 109), severe)).toBeNull();
  });

  it('the 3-day mean ≥ 135/85 alerts only with at least 6 readings', () => {
    const five = [bp(60, 140, 80), bp(48, 138, 80), bp(36, 136, 80), bp(24, 134, 80), bp(12, 137, 80)];
    expect(bpAboveTarget(bp(0, 135, 80), five.slice(0, 4), target)).toBeNull();
    expect(bpAboveTarget(bp(0, 135, 80), five, target)?.values).toMatchObject({ meanSystolic: 136.7, readings: 6 });
    // Readings older than 3 days do not count.
    expect(bpAboveTarget(bp(0, 135, 80), [...five.slice(1), bp(73, 200, 120)], target)).toBeNull();
    expect(
      bpAboveTarget(bp(0, 120, 85), [bp(1, 120, 85), bp(2, 120, 85), bp(3, 120, 85), bp(4, 120, 85), bp(5, 120, 85)], target)?.values,
    ).toMatchObject({
      meanDiastolic: 85,
    });
    expect(
      bpAboveTarget(bp(0, 134, 84), [bp(1, 134, 84), bp(2, 134, 84), bp(3, 134, 84), bp(4, 134, 84), bp(5, 134, 84)], target),
    ).toBeNull();
  });

  it('converts kPa to mmHg', () => {
    const o = reading('bp', { seq: 1, value: [24, 14.67] });
    const kpa = {
      ...o,
      components: o.components?.map((c) => ({ ...c, value: c.value ? { ...c.value, unit: UCUM.kPa } : c.value })),
    } as Observation;
    expect(bloodPressure(kpa)?.systolic).toBeCloseTo(180.0, 0);
    expect(bloodPressure(reading('bp', { seq: 1, value: [142, 91] }))).toMatchObject({ systolic: 142, diastolic: 91 });
  });
});

describe('COPD rules', () => {
  const low = { enabled: true, percent: 88 };
  const drop = { enabled: true, points: 4, baselineDays: 7, minBaselineReadings: 3 };

  it('SpO2 below 88 % alerts; 88 % does not', () => {
    expect(spo2Low(pt(0, 87.9), low)?.severity).toBe('critical');
    expect(spo2Low(pt(0, 88), low)).toBeNull();
  });

  it('a drop of 4 points from the median of the previous 7 days alerts, with at least 3 baseline readings', () => {
    const base = [pt(24, 95), pt(48, 96), pt(72, 97), pt(96, 60)];
    expect(median(base.map((b) => b.value))).toBe(95.5);
    expect(spo2Drop(pt(0, 91.5), base, drop)?.values).toMatchObject({ baseline: 95.5, drop: 4 });
    expect(spo2Drop(pt(0, 91.6), base, drop)).toBeNull();
    expect(spo2Drop(pt(0, 80), base.slice(0, 2), drop)).toBeNull();
    expect(spo2Drop(pt(0, 80), [pt(24 * 8, 99), pt(24 * 9, 99), pt(24 * 10, 99)], drop)).toBeNull();
  });

  it('reads SpO2 in % only', () => {
    expect(spo2Percent(reading('spo2', { seq: 1, value: 93 }))?.value).toBe(93);
    const ratio = reading('spo2', { seq: 1, value: 0.93 });
    expect(spo2Percent({ ...ratio, value: { value: 0.93, unit: '1' } })).toBeNull();
  });
});

describe('diabetes rules', () => {
  const r = resolveEnrollment('p', { programme: 'diabetes' }).rules;

  it('< 54 severe (critical), < 70 hypo, > 250 hyper; the edges do not alert', () => {
    expect(glucoseOutOfRange(pt(0, 53.9), r)).toMatchObject({ rule: 'glucose-severe-hypo', severity: 'critical' });
    expect(glucoseOutOfRange(pt(0, 54), r)).toMatchObject({ rule: 'glucose-hypo', severity: 'warning' });
    expect(glucoseOutOfRange(pt(0, 70), r)).toBeNull();
    expect(glucoseOutOfRange(pt(0, 250), r)).toBeNull();
    expect(glucoseOutOfRange(pt(0, 251), r)).toMatchObject({ rule: 'glucose-hyper' });
  });

  it('the severe threshold is the physician’s', () => {
    const own = resolveEnrollment('p', { programme: 'diabetes', thresholds: { 'glucose-severe-hypo': { mgdl: 60 } } }).rules;
    expect(glucoseOutOfRange(pt(0, 58), own)?.rule).toBe('glucose-severe-hypo');
  });

  it('converts mmol/L to mg/dL (2.9 mmol/L is below 54 mg/dL)', () => {
    expect(glucoseMgdl(glucose(2.9, UCUM.mmolPerL))?.value).toBeCloseTo(52.2, 1);
    expect(glucoseMgdl(glucose(100, UCUM.mgPerDl))?.value).toBe(100);
    expect(glucoseMgdl(glucose(5, 'g/L'))).toBeNull();
    const found = PROGRAMME_EVALUATION.diabetes.evaluate(glucose(2.9, UCUM.mmolPerL), [], r);
    expect(found).toMatchObject([{ rule: 'glucose-severe-hypo', values: { mgdl: 52, mmoll: 2.9 } }]);
  });

  it('a meter HI / LO (comparator) fires only what the bound proves', () => {
    const hi = (value: number) => ({ ...glucose(value, UCUM.mgPerDl), value: { value, unit: UCUM.mgPerDl, comparator: '>' as const } });
    const lo = (value: number) => ({ ...glucose(value, UCUM.mgPerDl), value: { value, unit: UCUM.mgPerDl, comparator: '<' as const } });
    expect(PROGRAMME_EVALUATION.diabetes.evaluate(hi(600), [], r)).toMatchObject([{ rule: 'glucose-hyper' }]);
    expect(PROGRAMME_EVALUATION.diabetes.evaluate(lo(20), [], r)).toMatchObject([{ rule: 'glucose-severe-hypo' }]);
    // '> 40' says nothing about a hypo; '< 300' nothing about a hyper.
    expect(PROGRAMME_EVALUATION.diabetes.evaluate(hi(40), [], r)).toEqual([]);
    expect(PROGRAMME_EVALUATION.diabetes.evaluate(lo(300), [], r)).toEqual([]);
  });

  it('a glucose the meter marked entered-in-error is no rule input', () => {
    expect(glucoseMgdl({ ...glucose(30, UCUM.mgPerDl), status: 'entered-in-error' })).toBeNull();
    expect(PROGRAMME_EVALUATION.diabetes.accepts({ ...glucose(30, UCUM.mgPerDl), status: 'entered-in-error' })).toBe(false);
  });
});

describe('non-transmission', () => {
  it('counts silence from the newest reading or the start of the follow-up, whichever is later', () => {
    const base = { rule: 'hf-no-weight' as const, days: 2, followedSince: T0 - 10 * DAY_MS };
    expect(nonTransmission({ ...base, lastAt: T0 - 2 * DAY_MS, now: T0 })?.values).toMatchObject({ silentDays: 2, days: 2 });
    expect(nonTransmission({ ...base, lastAt: T0 - 2 * DAY_MS + 1, now: T0 })).toBeNull();
    expect(nonTransmission({ ...base, lastAt: null, now: T0 })?.values).toMatchObject({ silentDays: 10, lastAt: '' });
    expect(nonTransmission({ ...base, lastAt: null, followedSince: T0 - DAY_MS, now: T0 })).toBeNull();
  });
});

describe('enrollment', () => {
  it('applies overrides to the programme defaults', () => {
    const e = resolveEnrollment('p-1', { programme: 'copd', since: '2026-11-01', thresholds: { 'spo2-low': { percent: 90 } } });
    expect(e.rules['spo2-low']).toEqual({ enabled: true, percent: 90 });
    expect(e.rules['spo2-drop']).toMatchObject({ points: 4, baselineDays: 7 });
    expect(e.sinceMs).toBe(Date.parse('2026-11-01T00:00:00Z'));
  });

  it('refuses to turn off a mandatory non-transmission alert, naming the patient and the key', () => {
    // The schema allows only `true` there; a caller that bypasses it still gets the clear error.
    const off = { enabled: false } as unknown as { enabled: true };
    expect(() => resolveEnrollment('p-hf', { programme: 'heart-failure', thresholds: { 'hf-no-weight': off } })).toThrow(
      /patient p-hf: telemonitoring\.thresholds\.hf-no-weight\.enabled: the non-transmission alert of programme heart-failure is mandatory/,
    );
    expect(() =>
      enrollmentsOf([{ id: 'd', telemonitoring: { programme: 'diabetes', thresholds: { 'diabetes-no-glucose': off } } }]),
    ).toThrow(EnrollmentError);
    // Its window may be adjusted; COPD's may be turned off (not required by the arrêté).
    expect(
      resolveEnrollment('p', { programme: 'heart-failure', thresholds: { 'hf-no-weight': { days: 1 } } }).rules['hf-no-weight'],
    ).toEqual({
      enabled: true,
      days: 1,
    });
    expect(
      resolveEnrollment('p', { programme: 'copd', thresholds: { 'copd-no-spo2': { enabled: false } } }).rules['copd-no-spo2']?.enabled,
    ).toBe(false);
  });

  it('refuses a rule of another programme and a severe-hypo threshold above the hypo one', () => {
    expect(() => resolveEnrollment('p', { programme: 'copd', thresholds: { 'hf-weight-gain-3d': { kg: 3 } } })).toThrow(
      /hf-weight-gain-3d is not a rule of programme copd/,
    );
    expect(() => resolveEnrollment('p', { programme: 'diabetes', thresholds: { 'glucose-severe-hypo': { mgdl: 80 } } })).toThrow(
      /above glucose-hypo/,
    );
  });
});
