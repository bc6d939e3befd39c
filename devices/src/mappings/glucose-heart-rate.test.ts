import { describe, expect, it } from 'vitest';
import {
  decodeGlucoseMeasurement,
  encodeGlucoseMeasurement,
  type GlucoseMeasurement,
  type GlucoseMeasurementContext,
} from '../codecs/glucose.js';
import { decodeHeartRateMeasurement } from '../codecs/heart-rate.js';
import { hex, num } from '../codecs/test-bytes.js';
import { decodeWeightMeasurement, decodeWeightScaleFeature, encodeWeightMeasurement } from '../codecs/weight.js';
import { VITALS } from '../model/codes.js';
import { glucoseToDrafts } from './glucose.js';
import { GlucoseContextJoiner } from './glucose-joiner.js';
import { heartRateToDrafts } from './heart-rate.js';
import { weightToDrafts } from './weight.js';

function decoded<T>(r: { ok: true; value: T } | { ok: false; error: { field: string; reason: string } }): T {
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.reason}`);
  return r.value;
}

const meter = (seq: number, contextFollows: boolean, mgdl = 110): GlucoseMeasurement => ({
  sequenceNumber: seq,
  baseTime: { year: 2026, month: 3, day: 1, hours: 7, minutes: 58, seconds: 0 },
  timeOffsetMinutes: 5,
  unit: 'kg/L',
  concentration: { value: num(mgdl / 100_000), type: 1, sampleLocation: 1 },
  contextFollows,
});

describe('heart rate → drafts', () => {
  it('maps the rate, flags lost contact and implausible RR intervals, never drops', () => {
    expect(heartRateToDrafts(decoded(decodeHeartRateMeasurement(hex('16 48 55 03'))))).toEqual([
      { code: VITALS.heartRate, value: { value: 72, unit: '/min' }, status: 'final', flags: [], lane: 'spot' },
    ]);
    const [noContact] = heartRateToDrafts(decoded(decodeHeartRateMeasurement(hex('04 FF'))));
    expect(noContact?.flags).toEqual(['sensor-no-contact']);
    // RR 65535/1024 = 64 s and 1/1024 s; HR 257 is fine (≤ 300).
    const [nordic] = heartRateToDrafts(decoded(decodeHeartRateMeasurement(hex('1F 01 01 32 01 01 00 02 01 FF FF'))));
    expect(nordic?.flags).toEqual(['implausible:rr-interval']);
    const [fast] = heartRateToDrafts({ heartRate: 320, format: 'uint16', sensorContact: 'contact' }, { sensorLocation: 1 });
    expect(fast?.flags).toEqual(['body-site:chest', 'implausible:pulse']);
    expect(fast?.value?.value).toBe(320);
  });
});

describe('glucose → drafts', () => {
  it('maps mg/dL with sequence number, base time + offset, specimen and site', () => {
    const drafts = glucoseToDrafts(decoded(decodeGlucoseMeasurement(encodeGlucoseMeasurement(meter(42, false)))));
    expect(drafts).toEqual([
      {
        code: { ...VITALS.glucoseMass, mdc: 160184 },
        value: { value: 110, unit: 'mg/dL', original: { value: 0.0011, unit: 'kg/L' } },
        status: 'final',
        flags: ['specimen:capillary-whole-blood', 'body-site:finger'],
        deviceTime: { year: 2026, month: 3, day: 1, hours: 8, minutes: 3, seconds: 0 },
        recordNumber: 42,
        lane: 'spot',
      },
    ]);
  });

  it('maps mmol/L, the Nordic vector (status flags, implausible 30 kg/L kept), and control solution', () => {
    const [mmol] = glucoseToDrafts({
      ...meter(1, false),
      unit: 'mol/L',
      concentration: { value: num(0.0062), type: 2, sampleLocation: 2 },
    });
    expect([mmol?.code.loinc, mmol?.code.mdc, mmol?.value]).toEqual([
      '15074-8',
      160188,
      { value: 6.2, unit: 'mmol/L', original: { value: 0.0062, unit: 'mol/L' } },
    ]);
    const [nordic] = glucoseToDrafts(decoded(decodeGlucoseMeasurement(hex('1B 01 00 E3 07 02 1B 0B 0A 1E FB FF 1E 00 12 05 01'))));
    expect(nordic?.flags).toEqual([
      'battery-low',
      'sample-size-insufficient',
      'sensor-temperature-too-low',
      'glucose-context-missing',
      'specimen:capillary-plasma',
      'body-site:finger',
      'implausible:glucose',
    ]);
    expect(nordic?.deviceTime).toEqual({ year: 2019, month: 2, day: 27, hours: 11, minutes: 5, seconds: 30 });
    const [control] = glucoseToDrafts({ ...meter(3, false), concentration: { value: num(0.001), type: 10, sampleLocation: 4 } });
    expect(control?.flags).toEqual(['control-solution']);
    expect(glucoseToDrafts({ ...meter(4, false), concentration: { value: num(0.00005), type: 1, sampleLocation: 15 } })[0]?.flags).toEqual([
      'specimen:capillary-whole-blood',
      'implausible:glucose',
    ]);
  });

  it('adds context flags and an HbA1c draft with the same record number', () => {
    const context: GlucoseMeasurementContext = {
      sequenceNumber: 9,
      meal: 1,
      tester: 1,
      health: 5,
      carbohydrate: { id: 2, amount: num(45) },
      exercise: { durationSeconds: 1800, intensityPercent: 60 },
      medication: { id: 1, amount: num(4), unit: 'kg' },
      hba1c: num(7.1),
    };
    const drafts = glucoseToDrafts(meter(9, true), { context });
    expect(drafts[0]?.flags).toEqual([
      'meal:preprandial',
      'tester:self',
      'health:none',
      'carbohydrate:lunch:45',
      'exercise:1800s:60%',
      'medication:rapid-acting-insulin:4kg',
      'specimen:capillary-whole-blood',
      'body-site:finger',
    ]);
    expect(drafts[1]).toMatchObject({ code: VITALS.hba1c, value: { value: 7.1, unit: '%' }, recordNumber: 9, flags: [] });
    // A context for another record is not applied.
    expect(glucoseToDrafts(meter(10, true), { context })[0]?.flags).toContain('glucose-context-missing');
  });

  it('flags an unknown base time and skips a NaN concentration', () => {
    const [d] = glucoseToDrafts({ ...meter(5, false), baseTime: { year: 0, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 } });
    expect(d?.flags).toContain('device-time-unknown');
    expect(d?.deviceTime).toBeUndefined();
    expect(glucoseToDrafts({ ...meter(6, false), concentration: { value: { kind: 'nan' }, type: 1, sampleLocation: 1 } })).toEqual([]);
  });
});

describe('GlucoseContextJoiner (pure)', () => {
  const ctx = (seq: number): GlucoseMeasurementContext => ({ sequenceNumber: seq, meal: 3 });

  it('holds a "context follows" measurement until its context', () => {
    const j = new GlucoseContextJoiner();
    expect(j.measurement(meter(1, true), 0)).toEqual([]);
    expect(j.waitingFor).toBe(1);
    expect(j.context(ctx(1), 10)).toEqual([{ kind: 'record', measurement: meter(1, true), context: ctx(1), contextMissing: false }]);
    expect(j.waitingFor).toBeUndefined();
    expect(j.measurement(meter(2, false), 20)).toEqual([{ kind: 'record', measurement: meter(2, false), contextMissing: false }]);
  });

  it('releases without context on the next measurement, a timeout tick or flush; orphans are reported', () => {
    const j = new GlucoseContextJoiner({ timeoutMs: 1000 });
    j.measurement(meter(1, true), 0);
    expect(j.measurement(meter(2, true), 5)).toEqual([{ kind: 'record', measurement: meter(1, true), contextMissing: true }]);
    expect(j.tick(999)).toEqual([]);
    expect(j.tick(1005)).toEqual([{ kind: 'record', measurement: meter(2, true), contextMissing: true }]);
    expect(j.context(ctx(2), 1100)).toEqual([{ kind: 'orphan-context', context: ctx(2) }]);
    j.measurement(meter(3, true), 2000);
    expect(j.context(ctx(4), 2001)).toEqual([{ kind: 'orphan-context', context: ctx(4) }]);
    expect(j.flush()).toEqual([{ kind: 'record', measurement: meter(3, true), contextMissing: true }]);
    expect(j.flush()).toEqual([]);
  });
});

describe('weight: feature resolution and multiple users', () => {
  it('rounds weight and height to the declared resolution', () => {
    const feature = decoded(decodeWeightScaleFeature(Uint8Array.of(0x0f | (3 << 3), 0x01, 0, 0))); // 0.1 kg, height code 2 (0.005 m)
    expect(feature.weightResolution).toEqual({ kg: 0.1, lb: 0.2 });
    expect(feature.heightResolution).toEqual({ m: 0.005, in: 0.5 });
    const m = decoded(decodeWeightMeasurement(encodeWeightMeasurement({ unitSystem: 'SI', weight: 70.545, bmi: 22.6, height: 1.767 })));
    const [w, , h] = weightToDrafts(m, { feature });
    expect(w?.value).toEqual({ value: 70.5, unit: 'kg' });
    expect(h?.value).toEqual({ value: 176.5, unit: 'cm', original: { value: 1.765, unit: 'm' } });
    expect(weightToDrafts(m)[0]?.value).toEqual({ value: 70.545, unit: 'kg' });
    const lb = weightToDrafts({ unitSystem: 'imperial', weight: 155.43 }, { feature });
    expect(lb[0]?.value).toEqual({ value: 155.4, unit: '[lb_av]' });
  });

  it('keeps each user index of a multi-user scale; 0xFF stays unknown', () => {
    const users = [1, 2, 3, 0xff].map((userId) =>
      weightToDrafts(decoded(decodeWeightMeasurement(encodeWeightMeasurement({ unitSystem: 'SI', weight: 60 + userId / 10, userId })))),
    );
    expect(users.map((d) => d[0]?.userIndex)).toEqual([1, 2, 3, undefined]);
  });
});
