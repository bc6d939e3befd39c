import { describe, expect, it } from 'vitest';
import {
  decodeBloodPressureMeasurement,
  decodeIntermediateCuffPressure,
  encodeBloodPressureMeasurement,
} from '../codecs/blood-pressure.js';
import type { Medfloat } from '../codecs/ieee11073.js';
import { decodePlxContinuous, decodePlxSpotCheck, encodePlxSpotCheck } from '../codecs/plx.js';
import { decodeCharacteristic } from '../codecs/registry.js';
import { decodeTemperatureMeasurement, encodeTemperatureMeasurement } from '../codecs/temperature.js';
import { decodeWeightMeasurement, encodeWeightMeasurement } from '../codecs/weight.js';
import { MMHG_PER_KPA, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { bloodPressureToDrafts, intermediateCuffPressureToDrafts } from './blood-pressure.js';
import { finishFlags } from './common.js';
import { applyPlausibility, plausibilityFlags } from './plausibility.js';
import { plxContinuousToDrafts, plxSpotCheckToDrafts } from './plx.js';
import { temperatureToDrafts } from './temperature.js';
import { weightToDrafts } from './weight.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const num = (value: number): Medfloat => ({ kind: 'number', value });

function decoded<T>(r: { ok: true; value: T } | { ok: false; error: { field: string; reason: string } }): T {
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.reason}`);
  return r.value;
}

describe('blood pressure → drafts', () => {
  it('maps the home-cuff vector to a panel and a pulse draft with device time', () => {
    const drafts = bloodPressureToDrafts(decoded(decodeBloodPressureMeasurement(hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00'))));
    const deviceTime = { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 };
    expect(drafts).toEqual<ObservationDraft[]>([
      {
        code: VITALS.bloodPressurePanel,
        components: [
          { code: VITALS.systolic, value: { value: 120, unit: 'mm[Hg]' } },
          { code: VITALS.diastolic, value: { value: 80, unit: 'mm[Hg]' } },
          { code: VITALS.meanArterial, value: { value: 93, unit: 'mm[Hg]' } },
        ],
        status: 'final',
        flags: [],
        deviceTime,
        lane: 'spot',
      },
      { code: VITALS.pulseRateNonInvasive, value: { value: 64, unit: '/min' }, status: 'final', flags: [], deviceTime, lane: 'spot' },
    ]);
  });

  it('converts kPa to mm[Hg] rounded to 0.1 and keeps the original on each Quantity', () => {
    const [panel, pulse] = bloodPressureToDrafts(decoded(decodeBloodPressureMeasurement(hex('15 BD F0 0B 00 9F F0 3C 00 12 00'))));
    expect(panel?.components?.map((c) => c.value)).toEqual([
      { value: 141.8, unit: 'mm[Hg]', original: { value: 18.9, unit: 'kPa' } },
      { value: 82.5, unit: 'mm[Hg]', original: { value: 11, unit: 'kPa' } },
      { value: 119.3, unit: 'mm[Hg]', original: { value: 15.9, unit: 'kPa' } },
    ]);
    expect(Math.round(18.9 * MMHG_PER_KPA * 10) / 10).toBe(141.8);
    expect(panel?.flags).toEqual(['cuff-too-loose', 'pulse-rate-below-range']);
    expect(pulse?.flags).toEqual(['cuff-too-loose', 'pulse-rate-below-range']);
    expect(pulse?.value).toEqual({ value: 60, unit: '/min' });
  });

  it('maps status bits to flags, user id to userIndex, and an unknown year to no device time', () => {
    const [panel] = bloodPressureToDrafts(
      decoded(decodeBloodPressureMeasurement(hex('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00'))),
    );
    expect(panel?.flags).toEqual(['body-movement', 'cuff-too-loose', 'irregular-pulse', 'improper-position', 'device-time-unknown']);
    expect(panel?.userIndex).toBe(1);
    expect(panel?.deviceTime).toBeUndefined();
  });

  it('leaves user 0xFF undefined and flags pulse above range', () => {
    const bytes = encodeBloodPressureMeasurement({
      unit: 'mmHg',
      systolic: num(130),
      diastolic: num(85),
      meanArterialPressure: num(100),
      userId: 0xff,
      status: {
        bodyMovement: false,
        cuffTooLoose: false,
        irregularPulse: false,
        pulseRateRange: 'above-upper-limit',
        improperPosition: false,
      },
    });
    const [panel] = bloodPressureToDrafts(decoded(decodeBloodPressureMeasurement(bytes)));
    expect(panel?.userIndex).toBeUndefined();
    expect(panel && 'userIndex' in panel).toBe(false);
    expect(panel?.flags).toEqual(['pulse-rate-above-range']);
  });

  it('skips SFLOAT specials with a value-unavailable flag, never NaN', () => {
    const m = decoded(decodeBloodPressureMeasurement(hex('04 78 00 50 00 FF 07 00 08')));
    const drafts = bloodPressureToDrafts(m);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]?.components?.map((c) => c.code.loinc)).toEqual(['8480-6', '8462-4']);
    expect(drafts[0]?.flags).toEqual(['value-unavailable:meanArterialPressure', 'value-unavailable:pulseRate']);
    // All pressures unavailable: no panel; the pulse draft carries the flags.
    const none = bloodPressureToDrafts({
      unit: 'mmHg',
      systolic: { kind: 'nan' },
      diastolic: { kind: 'nres' },
      meanArterialPressure: { kind: '-inf' },
      pulseRate: num(70),
    });
    expect(none.map((d) => d.code.loinc)).toEqual(['8867-4']);
    expect(none[0]?.flags).toEqual(['value-unavailable:systolic', 'value-unavailable:diastolic', 'value-unavailable:meanArterialPressure']);
  });

  it('flags implausible pressures without dropping them', () => {
    const [panel] = bloodPressureToDrafts({ unit: 'mmHg', systolic: num(320), diastolic: num(330), meanArterialPressure: num(325) });
    expect(panel?.flags).toEqual(['implausible:systolic<=diastolic', 'implausible:systolic']);
    expect(panel?.components?.[0]?.value.value).toBe(320);
  });

  it('maps intermediate cuff pressure to a preliminary draft', () => {
    expect(intermediateCuffPressureToDrafts(decoded(decodeIntermediateCuffPressure(hex('00 8C 00 FF 07 FF 07'))))).toEqual([
      { code: VITALS.cuffPressure, value: { value: 140, unit: 'mm[Hg]' }, status: 'preliminary', flags: [], lane: 'spot' },
    ]);
    const [kpa] = intermediateCuffPressureToDrafts({ unit: 'kPa', cuffPressure: num(20) });
    expect(kpa?.value).toEqual({ value: 150, unit: 'mm[Hg]', original: { value: 20, unit: 'kPa' } });
    expect(intermediateCuffPressureToDrafts({ unit: 'mmHg', cuffPressure: { kind: 'nan' } })).toEqual([]);
  });
});

describe('weight → drafts', () => {
  it('maps weight, BMI and height (m → cm, original kept) with user and time', () => {
    const drafts = weightToDrafts(decoded(decodeWeightMeasurement(hex('0E 14 37 E8 07 03 0F 07 1E 00 01 E2 00 E5 06'))));
    const deviceTime = { year: 2024, month: 3, day: 15, hours: 7, minutes: 30, seconds: 0 };
    expect(drafts).toEqual<ObservationDraft[]>([
      { code: VITALS.bodyWeight, value: { value: 70.5, unit: 'kg' }, status: 'final', flags: [], deviceTime, userIndex: 1, lane: 'spot' },
      { code: VITALS.bmi, value: { value: 22.6, unit: 'kg/m2' }, status: 'final', flags: [], deviceTime, userIndex: 1, lane: 'spot' },
      {
        code: VITALS.bodyHeight,
        value: { value: 176.5, unit: 'cm', original: { value: 1.765, unit: 'm' } },
        status: 'final',
        flags: [],
        deviceTime,
        userIndex: 1,
        lane: 'spot',
      },
    ]);
  });

  it('keeps imperial units as sent', () => {
    expect(weightToDrafts(decoded(decodeWeightMeasurement(hex('01 B4 3C'))))).toEqual([
      { code: VITALS.bodyWeight, value: { value: 155.4, unit: '[lb_av]' }, status: 'final', flags: [], lane: 'spot' },
    ]);
    const drafts = weightToDrafts(
      decoded(decodeWeightMeasurement(encodeWeightMeasurement({ unitSystem: 'imperial', weight: 155.4, bmi: 23, height: 69.5 }))),
    );
    expect(drafts[2]?.value).toEqual({ value: 69.5, unit: '[in_i]' });
  });

  it('flags an unsuccessful or implausible weight', () => {
    expect(weightToDrafts({ unitSystem: 'SI', weight: null })).toEqual([]);
    const [bmi] = weightToDrafts({ unitSystem: 'SI', weight: null, bmi: 20, height: 1.7 });
    expect(bmi?.flags).toEqual(['value-unavailable:weight']);
    expect(weightToDrafts({ unitSystem: 'SI', weight: 0 })[0]?.flags).toEqual(['implausible:weight']);
    expect(weightToDrafts({ unitSystem: 'imperial', weight: 1200 })[0]?.flags).toEqual(['implausible:weight']);
    expect(weightToDrafts({ unitSystem: 'imperial', weight: 1000 })[0]?.flags).toEqual([]);
  });
});

describe('pulse oximetry → drafts', () => {
  it('maps the spot-check vector with status flags and device time', () => {
    const drafts = plxSpotCheckToDrafts(decoded(decodePlxSpotCheck(hex('0F AC F3 BE F5 E8 07 0B 1D 17 08 39 20 40 22 00 00 66 E3'))));
    const flags = ['measurement-ongoing', 'questionable-measurement', 'equipment-malfunction', 'low-perfusion'];
    const deviceTime = { year: 2024, month: 11, day: 29, hours: 23, minutes: 8, seconds: 57 };
    // Equipment malfunction: the device says these are not valid measurements (docs/devices.md).
    const status = 'entered-in-error';
    expect(drafts).toEqual<ObservationDraft[]>([
      { code: VITALS.spo2, value: { value: 94, unit: '%' }, status, flags, deviceTime, lane: 'spot' },
      { code: VITALS.oximetryPulseRate, value: { value: 147, unit: '/min' }, status, flags, deviceTime, lane: 'spot' },
    ]);
  });

  it('flags device-clock-not-set and drops the device time', () => {
    const bytes = encodePlxSpotCheck({
      spo2: num(97),
      pulseRate: num(72),
      timestamp: { year: 2000, month: 1, day: 1, hours: 0, minutes: 0, seconds: 5 },
      deviceClockNotSet: true,
    });
    const drafts = plxSpotCheckToDrafts(decoded(decodePlxSpotCheck(bytes)));
    expect(drafts.map((d) => d.flags)).toEqual([['device-clock-not-set'], ['device-clock-not-set']]);
    expect(drafts.every((d) => d.deviceTime === undefined)).toBe(true);
  });

  it('maps continuous readings as preliminary, normal pair only', () => {
    const drafts = plxContinuousToDrafts(decoded(decodePlxContinuous(hex('1C 5F 00 5A 00 20 00 00 00 00 57 F0'))));
    expect(drafts).toEqual<ObservationDraft[]>([
      { code: VITALS.spo2, value: { value: 95, unit: '%' }, status: 'preliminary', flags: ['measurement-ongoing'], lane: 'spot' },
      {
        code: VITALS.oximetryPulseRate,
        value: { value: 90, unit: '/min' },
        status: 'preliminary',
        flags: ['measurement-ongoing'],
        lane: 'spot',
      },
    ]);
  });

  it('flags implausible SpO2 and pulse, and skips specials', () => {
    const drafts = plxContinuousToDrafts({ normal: { spo2: num(104), pulseRate: num(12) } });
    expect(drafts.map((d) => d.flags)).toEqual([['implausible:spo2'], ['implausible:pulse']]);
    const partial = plxSpotCheckToDrafts({ spo2: { kind: 'nan' }, pulseRate: num(80), deviceClockNotSet: false });
    expect(partial.map((d) => [d.code.loinc, d.flags])).toEqual([['8867-4', ['value-unavailable:spo2']]]);
  });
});

describe('temperature → drafts', () => {
  it('maps the Nordic vector with body site flag', () => {
    expect(temperatureToDrafts(decoded(decodeTemperatureMeasurement(hex('06 B0 0E 00 FE DC 07 0C 05 0B 32 1B 04'))))).toEqual([
      {
        code: VITALS.bodyTemperature,
        value: { value: 37.6, unit: 'Cel' },
        status: 'final',
        flags: ['body-site:finger'],
        deviceTime: { year: 2012, month: 12, day: 5, hours: 11, minutes: 50, seconds: 27 },
        lane: 'spot',
      },
    ]);
  });

  it('keeps Fahrenheit and checks plausibility in °C', () => {
    expect(temperatureToDrafts(decoded(decodeTemperatureMeasurement(hex('01 DA 03 00 FF'))))).toEqual([
      { code: VITALS.bodyTemperature, value: { value: 98.6, unit: '[degF]' }, status: 'final', flags: [], lane: 'spot' },
    ]);
    expect(temperatureToDrafts({ unit: 'fahrenheit', temperature: num(120) })[0]?.flags).toEqual(['implausible:temperature']);
    expect(temperatureToDrafts({ unit: 'celsius', temperature: num(24.9) })[0]?.flags).toEqual(['implausible:temperature']);
    expect(temperatureToDrafts({ unit: 'celsius', temperature: num(45) })[0]?.flags).toEqual([]);
  });

  it('names reserved sites and flags an invalid device time', () => {
    const bytes = encodeTemperatureMeasurement({ unit: 'celsius', temperature: num(36.6), temperatureType: 12 });
    expect(temperatureToDrafts(decoded(decodeTemperatureMeasurement(bytes)))[0]?.flags).toEqual(['body-site:reserved-12']);
    const bad = temperatureToDrafts({
      unit: 'celsius',
      temperature: num(36.6),
      timestamp: { year: 2024, month: 13, day: 1, hours: 0, minutes: 0, seconds: 0 },
    });
    expect(bad[0]?.flags).toEqual(['device-time-invalid']);
    expect(bad[0]?.deviceTime).toBeUndefined();
    expect(temperatureToDrafts({ unit: 'celsius', temperature: { kind: '+inf' } })).toEqual([]);
  });
});

describe('plausibility and flags', () => {
  it('does not flag plausible values and never removes existing flags', () => {
    const d: ObservationDraft = { code: VITALS.spo2, value: { value: 98, unit: '%' }, status: 'final', flags: ['x'], lane: 'spot' };
    expect(plausibilityFlags(d)).toEqual([]);
    expect(applyPlausibility({ ...d, value: { value: -1, unit: '%' } }).flags).toEqual(['x', 'implausible:spo2']);
  });

  it('caps flags at the protocol limit with a marker', () => {
    const many = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const out = finishFlags([...many, 'f1']);
    expect(out).toHaveLength(32);
    expect(out.at(-1)).toBe('flags-truncated');
  });

  it('keeps every draft on the spot lane through the registry', () => {
    const r = decodeCharacteristic('2A5F', hex('00 64 00 5A 00'));
    expect(r.ok && r.value.map((d) => [d.lane, d.status])).toEqual([
      ['spot', 'preliminary'],
      ['spot', 'preliminary'],
    ]);
  });
});
