/**
 * Property tests for every codec in this folder: (a) any byte sequence gives ok or a typed error, never an
 * exception; (b) encode → decode gives back any generated valid value. Vectors live in each codec's own test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceDateTime } from '../model/draft.js';
import {
  decodeBloodPressureFeature,
  decodeBloodPressureMeasurement,
  decodeBloodPressureStatus,
  decodeIntermediateCuffPressure,
  encodeBloodPressureFeature,
  encodeBloodPressureMeasurement,
  encodeIntermediateCuffPressure,
} from './blood-pressure.js';
import { decodeCurrentTime, decodeDateTime, encodeCurrentTime, encodeDateTime } from './date-time.js';
import {
  decodeGlucoseFeature,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  encodeGlucoseFeature,
  encodeGlucoseMeasurement,
  encodeGlucoseMeasurementContext,
  type GlucoseMeasurementContext,
} from './glucose.js';
import {
  decodeBodySensorLocation,
  decodeHeartRateMeasurement,
  encodeBodySensorLocation,
  encodeHeartRateMeasurement,
} from './heart-rate.js';
import { decodeFloat, decodeSfloat, encodeFloat, encodeSfloat, MEDFLOAT_SPECIALS, type Medfloat } from './ieee11073.js';
import {
  decodePlxContinuous,
  decodePlxFeatures,
  decodePlxSpotCheck,
  encodePlxContinuous,
  encodePlxFeatures,
  encodePlxSpotCheck,
} from './plx.js';
import { decodeRacp, decodeRacpIndication, decodeRacpRequest, encodeRacpIndication, encodeRacpRequest, type RacpFilter } from './racp.js';
import type { CodecResult } from './result.js';
import { decodeTemperatureMeasurement, encodeTemperatureMeasurement } from './temperature.js';
import { decodeWeightMeasurement, decodeWeightScaleFeature, encodeWeightMeasurement, encodeWeightScaleFeature } from './weight.js';

const RUNS = { numRuns: 400 };

const DECODERS: Record<string, (b: Uint8Array) => CodecResult<unknown>> = {
  decodeSfloat: (b) => decodeSfloat(b),
  decodeFloat: (b) => decodeFloat(b),
  decodeDateTime: (b) => decodeDateTime(b),
  decodeCurrentTime,
  decodeBloodPressureMeasurement,
  decodeIntermediateCuffPressure,
  decodeBloodPressureFeature,
  decodeWeightMeasurement,
  decodeWeightScaleFeature,
  decodePlxSpotCheck,
  decodePlxContinuous,
  decodePlxFeatures,
  decodeTemperatureMeasurement,
  decodeHeartRateMeasurement,
  decodeBodySensorLocation,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  decodeGlucoseFeature,
  decodeRacpRequest,
  decodeRacpIndication,
  decodeRacp,
};

function typedOutcome(r: CodecResult<unknown>): boolean {
  return r.ok || (r.error.field.length > 0 && r.error.reason.length > 0);
}

describe('(a) decoders never throw', () => {
  it.each(Object.keys(DECODERS))('%s returns ok or a typed error for any bytes', (name) => {
    const decode = DECODERS[name];
    if (!decode) throw new Error(name);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(typedOutcome(decode(bytes))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});

// Generators of valid values.
const special = fc.constantFrom<Medfloat>(...MEDFLOAT_SPECIALS.map((kind) => ({ kind }) as Medfloat));
const sfloat: fc.Arbitrary<Medfloat> = fc.oneof(
  fc.record({ m: fc.integer({ min: -2045, max: 2045 }), e: fc.integer({ min: -8, max: 7 }) }).map(({ m, e }) => ({
    kind: 'number' as const,
    value: Number(`${m}e${e}`),
  })),
  special,
);
const float: fc.Arbitrary<Medfloat> = fc.oneof(
  fc.record({ m: fc.integer({ min: -8_388_605, max: 8_388_605 }), e: fc.integer({ min: -128, max: 127 }) }).map(({ m, e }) => ({
    kind: 'number' as const,
    value: Number(`${m}e${e}`),
  })),
  special,
);
const dateTime: fc.Arbitrary<DeviceDateTime> = fc.record({
  year: fc.oneof(fc.constant(0), fc.integer({ min: 1582, max: 9999 })),
  month: fc.integer({ min: 0, max: 12 }),
  day: fc.integer({ min: 0, max: 28 }),
  hours: fc.nat(23),
  minutes: fc.nat(59),
  seconds: fc.nat(59),
});
/** Any byte values: the measurement decoders keep time stamps as sent. */
const rawDateTime: fc.Arbitrary<DeviceDateTime> = fc.record({
  year: fc.nat(0xffff),
  month: fc.nat(255),
  day: fc.nat(255),
  hours: fc.nat(255),
  minutes: fc.nat(255),
  seconds: fc.nat(255),
});
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Drops undefined keys, as the decoders leave absent fields out. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function roundTrip<T extends object>(arb: fc.Arbitrary<T>, encode: (v: T) => Uint8Array, decode: (b: Uint8Array) => CodecResult<T>) {
  fc.assert(
    fc.property(arb, (v) => {
      expect(decode(encode(v))).toEqual({ ok: true, value: v });
    }),
    RUNS,
  );
}

/** For bit-field characteristics: raw word → value → bytes reproduces the word. */
function wordRoundTrip<T>(bytes: number, decode: (b: Uint8Array) => CodecResult<T>, encode: (v: T) => Uint8Array) {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: bytes, maxLength: bytes }), (b) => {
      const d = decode(b);
      if (!d.ok) throw new Error(d.error.reason);
      expect([...encode(d.value)].slice(0, bytes)).toEqual([...b]);
      expect(decode(encode(d.value))).toEqual(d);
    }),
    RUNS,
  );
}

describe('(b) encode → decode round trips', () => {
  it('SFLOAT and FLOAT', () => {
    roundTrip(
      fc.record({ v: sfloat }),
      ({ v }) => encodeSfloat(v),
      (b) => {
        const r = decodeSfloat(b);
        return r.ok ? { ok: true, value: { v: r.value } } : r;
      },
    );
    roundTrip(
      fc.record({ v: float }),
      ({ v }) => encodeFloat(v),
      (b) => {
        const r = decodeFloat(b);
        return r.ok ? { ok: true, value: { v: r.value } } : r;
      },
    );
  });

  it('Date Time 0x2A08 and Current Time 0x2A2B', () => {
    fc.assert(
      fc.property(dateTime, (t) => {
        const r = decodeDateTime(encodeDateTime(t));
        expect(r.ok && r.value.fields).toEqual(t);
      }),
      RUNS,
    );
    const complete = dateTime.filter((t) => t.year !== 0 && t.month !== 0 && t.day !== 0);
    const currentTime = fc.record({
      dateTime: complete,
      dayOfWeek: fc.nat(7),
      fractions256: fc.nat(255),
      adjustReason: fc.nat(255).map((r) =>
        defined({
          manualUpdate: (r & 1) !== 0,
          externalReference: (r & 2) !== 0,
          timeZoneChange: (r & 4) !== 0,
          dstChange: (r & 8) !== 0,
          reservedBits: r & 0xf0 ? r & 0xf0 : undefined,
        }),
      ),
    });
    roundTrip(currentTime, encodeCurrentTime, decodeCurrentTime);
  });

  it('Blood Pressure Measurement, Intermediate Cuff Pressure, Blood Pressure Feature', () => {
    const tail = {
      unit: fc.constantFrom<'mmHg' | 'kPa'>('mmHg', 'kPa'),
      timestamp: opt(rawDateTime),
      pulseRate: opt(sfloat),
      userId: opt(fc.nat(255)),
      status: opt(fc.nat(0xffff).map(decodeBloodPressureStatus)),
      reservedFlags: opt(fc.constantFrom(0x20, 0x40, 0x80, 0xe0)),
    };
    roundTrip(
      fc.record({ ...tail, systolic: sfloat, diastolic: sfloat, meanArterialPressure: sfloat }).map(defined),
      encodeBloodPressureMeasurement,
      decodeBloodPressureMeasurement,
    );
    roundTrip(fc.record({ ...tail, cuffPressure: sfloat }).map(defined), encodeIntermediateCuffPressure, decodeIntermediateCuffPressure);
    wordRoundTrip(2, decodeBloodPressureFeature, encodeBloodPressureFeature);
  });

  it('Weight Measurement and Weight Scale Feature', () => {
    const weight = fc
      .record({
        unitSystem: fc.constantFrom<'SI' | 'imperial'>('SI', 'imperial'),
        weightRaw: fc.oneof(fc.nat(0xfffe), fc.constant(0xffff)),
        timestamp: opt(rawDateTime),
        userId: opt(fc.nat(255)),
        bmiHeight: opt(fc.record({ bmi: fc.nat(0xffff), height: fc.nat(0xffff) })),
        reservedFlags: opt(fc.constantFrom(0x10, 0x20, 0x40, 0x80, 0xf0)),
      })
      .map(({ weightRaw, bmiHeight, ...m }) => {
        const res = m.unitSystem === 'SI' ? { w: 200, h: 1000 } : { w: 100, h: 10 };
        return defined({
          ...m,
          weight: weightRaw === 0xffff ? null : weightRaw / res.w,
          bmi: bmiHeight ? bmiHeight.bmi / 10 : undefined,
          height: bmiHeight ? bmiHeight.height / res.h : undefined,
        });
      });
    roundTrip(weight, encodeWeightMeasurement, decodeWeightMeasurement);
    wordRoundTrip(4, decodeWeightScaleFeature, encodeWeightScaleFeature);
  });

  it('PLX Spot-Check, Continuous and Features', () => {
    const pair = fc.record({ spo2: sfloat, pulseRate: sfloat });
    roundTrip(
      fc
        .record({
          spo2: sfloat,
          pulseRate: sfloat,
          timestamp: opt(rawDateTime),
          measurementStatus: opt(fc.nat(0xffff)),
          deviceSensorStatus: opt(fc.nat(0xffffff)),
          pulseAmplitudeIndex: opt(sfloat),
          deviceClockNotSet: fc.boolean(),
          reservedFlags: opt(fc.constantFrom(0x20, 0x40, 0x80, 0xe0)),
        })
        .map(defined),
      encodePlxSpotCheck,
      decodePlxSpotCheck,
    );
    roundTrip(
      fc
        .record({
          normal: pair,
          fast: opt(pair),
          slow: opt(pair),
          measurementStatus: opt(fc.nat(0xffff)),
          deviceSensorStatus: opt(fc.nat(0xffffff)),
          pulseAmplitudeIndex: opt(sfloat),
          reservedFlags: opt(fc.constantFrom(0x20, 0x40, 0x80, 0xe0)),
        })
        .map(defined),
      encodePlxContinuous,
      decodePlxContinuous,
    );
    fc.assert(
      fc.property(fc.nat(0xffff), fc.nat(0xffff), fc.nat(0xffffff), (raw, ms, ds) => {
        const bytes = Uint8Array.of(raw & 0xff, raw >> 8, ms & 0xff, ms >> 8, ds & 0xff, (ds >> 8) & 0xff, ds >> 16);
        const d = decodePlxFeatures(bytes);
        if (!d.ok) throw new Error(d.error.reason);
        expect(decodePlxFeatures(encodePlxFeatures(d.value))).toEqual(d);
      }),
      RUNS,
    );
  });

  it('Temperature Measurement', () => {
    roundTrip(
      fc
        .record({
          unit: fc.constantFrom<'celsius' | 'fahrenheit'>('celsius', 'fahrenheit'),
          temperature: float,
          timestamp: opt(rawDateTime),
          temperatureType: opt(fc.nat(255)),
          reservedFlags: opt(fc.constantFrom(0x08, 0x10, 0xf8)),
        })
        .map(defined),
      encodeTemperatureMeasurement,
      decodeTemperatureMeasurement,
    );
  });

  it('Heart Rate Measurement and Body Sensor Location', () => {
    const hr = fc
      .record({
        format: fc.constantFrom<'uint8' | 'uint16'>('uint8', 'uint16'),
        rate: fc.nat(0xffff),
        contact: fc.constantFrom(0, 1, 2, 3),
        energyExpended: opt(fc.nat(0xffff)),
        rrIntervals: opt(fc.array(fc.nat(0xffff), { minLength: 1, maxLength: 9 })),
        reservedFlags: opt(fc.constantFrom(0x20, 0x40, 0x80, 0xe0)),
      })
      .map(({ rate, contact, ...m }) =>
        defined({
          ...m,
          heartRate: m.format === 'uint8' ? rate & 0xff : rate,
          sensorContact: contact === 3 ? ('contact' as const) : contact === 2 ? ('no-contact' as const) : ('not-supported' as const),
          sensorContactRaw: contact === 1 ? (1 as const) : undefined,
        }),
      );
    roundTrip(hr, encodeHeartRateMeasurement, decodeHeartRateMeasurement);
    fc.assert(
      fc.property(fc.nat(255), (code) => {
        const r = decodeBodySensorLocation(encodeBodySensorLocation(code));
        expect(r.ok && r.value.code).toBe(code);
      }),
      RUNS,
    );
  });

  it('Glucose Measurement, Context and Feature', () => {
    roundTrip(
      fc
        .record({
          sequenceNumber: fc.nat(0xffff),
          baseTime: rawDateTime,
          timeOffsetMinutes: opt(fc.integer({ min: -32768, max: 32767 })),
          unit: fc.constantFrom<'kg/L' | 'mol/L'>('kg/L', 'mol/L'),
          concentration: opt(fc.record({ value: sfloat, type: fc.nat(15), sampleLocation: fc.nat(15) })),
          sensorStatus: opt(fc.nat(0xffff)),
          contextFollows: fc.boolean(),
          reservedFlags: opt(fc.constantFrom(0x20, 0x40, 0x80, 0xe0)),
        })
        .map(defined),
      encodeGlucoseMeasurement,
      decodeGlucoseMeasurement,
    );
    const context: fc.Arbitrary<GlucoseMeasurementContext> = fc
      .record({
        sequenceNumber: fc.nat(0xffff),
        extendedFlags: opt(fc.nat(255)),
        carbohydrate: opt(fc.record({ id: fc.nat(255), amount: sfloat })),
        meal: opt(fc.nat(255)),
        testerHealth: opt(fc.record({ tester: fc.nat(15), health: fc.nat(15) })),
        exercise: opt(fc.record({ durationSeconds: fc.nat(0xffff), intensityPercent: fc.nat(255) })),
        medication: opt(fc.record({ id: fc.nat(255), amount: sfloat, unit: fc.constantFrom<'kg' | 'L'>('kg', 'L') })),
        hba1c: opt(sfloat),
      })
      .map(({ testerHealth, ...c }) => defined({ ...c, tester: testerHealth?.tester, health: testerHealth?.health }));
    roundTrip(context, encodeGlucoseMeasurementContext, decodeGlucoseMeasurementContext);
    wordRoundTrip(2, decodeGlucoseFeature, encodeGlucoseFeature);
  });

  it('Record Access Control Point requests and indications', () => {
    const seq = fc.nat(0xffff);
    const filter: fc.Arbitrary<RacpFilter> = fc.oneof(
      fc.constantFrom<RacpFilter>({ operator: 'all' }, { operator: 'first' }, { operator: 'last' }),
      fc.record({ operator: fc.constantFrom<'gte' | 'lte'>('gte', 'lte'), sequenceNumber: seq }),
      fc.tuple(seq, seq).map(([a, b]): RacpFilter => ({ operator: 'range', from: Math.min(a, b), to: Math.max(a, b) })),
    );
    const request = fc.oneof(
      fc.record({
        opCode: fc.constantFrom(
          'report-stored-records' as const,
          'delete-stored-records' as const,
          'report-number-of-stored-records' as const,
        ),
        filter,
      }),
      fc.constant({ opCode: 'abort-operation' as const, filter: { operator: 'null' as const } }),
    );
    roundTrip(request, encodeRacpRequest, decodeRacpRequest);
    const indication = fc.oneof(
      fc.record({ kind: fc.constant('number-of-records' as const), count: seq }),
      fc.record({
        kind: fc.constant('response' as const),
        requestOpCode: fc.oneof(
          fc.constantFrom('report-stored-records' as const, 'delete-stored-records' as const, 'abort-operation' as const),
          fc.integer({ min: 5, max: 255 }),
        ),
        code: fc.oneof(
          fc.constantFrom('success' as const, 'no-records-found' as const, 'operand-not-supported' as const),
          fc.integer({ min: 10, max: 255 }),
        ),
      }),
    );
    roundTrip(indication, encodeRacpIndication, decodeRacpIndication);
  });
});
