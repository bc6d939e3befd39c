/**
 * Every status / annunciation bit of every profile, from raw bytes through decodeCharacteristic: what the
 * record becomes. The expectations are written out here (not read from STATUS_FLAG_MEANING), so a change
 * of meaning has to change this table and docs/devices.md together.
 */
import { describe, expect, it } from 'vitest';
import { GLUCOSE_SENSOR_STATUS } from '../codecs/glucose.js';
import { PLX_DEVICE_SENSOR_STATUS, PLX_MEASUREMENT_STATUS } from '../codecs/plx.js';
import { decodeCharacteristic } from '../codecs/registry.js';
import { hex } from '../codecs/test-bytes.js';
import { draftToFhirObservation } from '../fhir/observation.js';
import type { ObservationDraft } from '../model/draft.js';
import { applyStatusMeaning, STATUS_FLAG_MEANING } from './status-meaning.js';

/** What the record of a reading becomes. */
type Outcome = 'final' | 'entered-in-error' | 'preliminary' | 'not-patient-data' | '>' | '<' | 'H' | 'L';

function drafts(characteristic: string, bytes: string): ObservationDraft[] {
  const r = decodeCharacteristic(characteristic, hex(bytes));
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.reason}`);
  return r.value;
}

function outcomeOf(d: ObservationDraft): Outcome {
  if (d.notPatientData) return 'not-patient-data';
  if (d.status !== 'final') return d.status;
  if (d.value?.comparator === '>' || d.value?.comparator === '<') return d.value.comparator;
  const interpretation = draftToFhirObservation(d).interpretation?.[0]?.coding?.[0]?.code;
  if (interpretation === 'H' || interpretation === 'L') return interpretation;
  return 'final';
}

const le16 = (bit: number) => {
  const v = 1 << bit;
  return `${(v & 0xff).toString(16).padStart(2, '0')} ${(v >> 8).toString(16).padStart(2, '0')}`;
};
const le24 = (bit: number) => {
  const v = 1 << bit;
  return `${le16(bit)} ${((v >> 16) & 0xff).toString(16).padStart(2, '0')}`;
};

const PLX_MEASUREMENT: Record<keyof typeof PLX_MEASUREMENT_STATUS, Outcome> = {
  'measurement-ongoing': 'preliminary',
  'early-estimated-data': 'preliminary',
  'validated-data': 'final',
  'fully-qualified-data': 'final',
  'data-from-storage': 'final',
  'demonstration-data': 'not-patient-data',
  'testing-data': 'not-patient-data',
  'calibration-ongoing': 'preliminary',
  'measurement-unavailable': 'entered-in-error',
  'questionable-measurement': 'final',
  'invalid-measurement': 'entered-in-error',
};

const PLX_DEVICE: Record<keyof typeof PLX_DEVICE_SENSOR_STATUS, Outcome> = {
  'extended-display-update-ongoing': 'final',
  'equipment-malfunction': 'entered-in-error',
  'signal-processing-irregularity': 'final',
  'inadequate-signal': 'final',
  'poor-signal': 'final',
  'low-perfusion': 'final',
  'erratic-signal': 'final',
  'non-pulsatile-signal': 'final',
  'questionable-pulse': 'final',
  'signal-analysis-ongoing': 'preliminary',
  'sensor-interference': 'final',
  'sensor-unconnected-to-user': 'entered-in-error',
  'unknown-sensor-connected': 'final',
  'sensor-displaced': 'final',
  'sensor-malfunctioning': 'entered-in-error',
  'sensor-disconnected': 'entered-in-error',
};

const GLUCOSE: Record<keyof typeof GLUCOSE_SENSOR_STATUS, Outcome> = {
  'battery-low': 'final',
  'sensor-malfunction': 'entered-in-error',
  'sample-size-insufficient': 'entered-in-error',
  'strip-insertion-error': 'entered-in-error',
  'strip-type-incorrect': 'entered-in-error',
  'result-above-range': '>',
  'result-below-range': '<',
  'sensor-temperature-too-high': 'final',
  'sensor-temperature-too-low': 'final',
  'read-interrupted': 'entered-in-error',
  'general-device-fault': 'entered-in-error',
  'time-fault': 'final',
};

describe('status bits → what is recorded', () => {
  it('PLX spot-check Measurement Status, each bit alone (SpO2 and pulse alike)', () => {
    for (const [name, bit] of Object.entries(PLX_MEASUREMENT_STATUS)) {
      const out = drafts('2A5E', `02 61 00 48 00 ${le16(bit)}`);
      expect(
        out.map((d) => d.flags),
        name,
      ).toEqual([[name], [name]]);
      expect(out.map(outcomeOf), name).toEqual([
        PLX_MEASUREMENT[name as keyof typeof PLX_MEASUREMENT],
        PLX_MEASUREMENT[name as keyof typeof PLX_MEASUREMENT],
      ]);
    }
  });

  it('PLX spot-check Device and Sensor Status, each bit alone', () => {
    for (const [name, bit] of Object.entries(PLX_DEVICE_SENSOR_STATUS)) {
      const out = drafts('2A5E', `04 61 00 48 00 ${le24(bit)}`);
      const want = PLX_DEVICE[name as keyof typeof PLX_DEVICE];
      expect(out.map(outcomeOf), name).toEqual([want, want]);
    }
  });

  it('PLX continuous stays live (preliminary) unless it is not patient data', () => {
    for (const [name, bit] of Object.entries(PLX_MEASUREMENT_STATUS)) {
      const out = drafts('2A5F', `04 61 00 48 00 ${le16(bit)}`);
      const want = PLX_MEASUREMENT[name as keyof typeof PLX_MEASUREMENT] === 'not-patient-data' ? 'not-patient-data' : 'preliminary';
      expect(out.map(outcomeOf), name).toEqual([want, want]);
    }
  });

  it('glucose Sensor Status Annunciation, each bit alone', () => {
    for (const [name, bit] of Object.entries(GLUCOSE_SENSOR_STATUS)) {
      const [g, ...rest] = drafts('2A18', `0A 07 00 EA 07 01 02 03 04 05 6E B0 11 ${le16(bit)}`);
      expect(rest, name).toEqual([]);
      expect(g && outcomeOf(g), name).toBe(GLUCOSE[name as keyof typeof GLUCOSE]);
      expect(g?.value?.value, name).toBe(110);
    }
  });

  it('glucose HI / LO keep the number as a bound, and say so in FHIR valueQuantity.comparator', () => {
    const [hi] = drafts('2A18', `0A 07 00 EA 07 01 02 03 04 05 58 B2 11 ${le16(5)}`);
    expect(hi?.value).toMatchObject({ value: 600, comparator: '>', unit: 'mg/dL' });
    expect(hi && draftToFhirObservation(hi).valueQuantity).toMatchObject({ value: 600, comparator: '>', code: 'mg/dL' });
    const [lo] = drafts('2A18', `0A 07 00 EA 07 01 02 03 04 05 14 B0 11 ${le16(6)}`);
    expect(lo && draftToFhirObservation(lo).valueQuantity).toMatchObject({ value: 20, comparator: '<' });
    // Both at once contradict each other: not a value to keep as the patient's.
    const [both] = drafts('2A18', `0A 07 00 EA 07 01 02 03 04 05 6E B0 11 60 00`);
    expect(both?.status).toBe('entered-in-error');
    expect(both?.value?.comparator).toBeUndefined();
  });

  it('glucose control solution (type 10 or sample location 4) is not patient data', () => {
    const [byType] = drafts('2A18', '02 07 00 EA 07 01 02 03 04 05 6E B0 1A');
    expect(byType?.notPatientData).toBe('control-solution');
    const [byLocation] = drafts('2A18', '02 07 00 EA 07 01 02 03 04 05 6E B0 41');
    expect(byLocation?.notPatientData).toBe('control-solution');
    const [patient] = drafts('2A18', '02 07 00 EA 07 01 02 03 04 05 6E B0 11');
    expect(patient && outcomeOf(patient)).toBe('final');
    expect(patient?.notPatientData).toBeUndefined();
  });

  it('heart rate: sensor contact not detected makes the value entered-in-error; not supported or detected stay final', () => {
    const [none] = drafts('2A37', '04 00');
    expect(none && outcomeOf(none)).toBe('entered-in-error');
    expect(none?.flags).toContain('sensor-no-contact');
    expect(drafts('2A37', '06 48').map(outcomeOf)).toEqual(['final']);
    expect(drafts('2A37', '00 48').map(outcomeOf)).toEqual(['final']);
    expect(drafts('2A37', '02 48').map(outcomeOf)).toEqual(['final']);
  });

  it('blood pressure Measurement Status, each bit (panel, pulse)', () => {
    const cases: [string, string, Outcome, Outcome][] = [
      ['body movement', '01 00', 'final', 'final'],
      ['cuff too loose', '02 00', 'final', 'final'],
      ['irregular pulse', '04 00', 'final', 'final'],
      ['pulse above range', '08 00', 'final', 'H'],
      ['pulse below range', '10 00', 'final', 'L'],
      ['pulse range reserved', '18 00', 'final', 'final'],
      ['improper position', '20 00', 'final', 'final'],
    ];
    for (const [name, status, panel, pulse] of cases) {
      expect(drafts('2A35', `14 78 00 50 00 5D 00 40 00 ${status}`).map(outcomeOf), name).toEqual([panel, pulse]);
    }
    const [p] = drafts('2A35', '14 78 00 50 00 5D 00 40 00 08 00').slice(1);
    expect(p && draftToFhirObservation(p).interpretation).toEqual([
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H', display: 'High' }],
        text: 'High',
      },
    ]);
  });

  it('weight "measurement unsuccessful" (0xFFFF) records no weight', () => {
    expect(drafts('2A9D', '00 FF FF')).toEqual([]);
  });

  it('a preliminary draft is never made entered-in-error, and unknown flags change nothing', () => {
    const base: ObservationDraft = {
      code: { loinc: '2708-6', display: 'SpO2' },
      value: { value: 97, unit: '%' },
      status: 'preliminary',
      flags: ['invalid-measurement'],
      lane: 'spot',
    };
    expect(applyStatusMeaning(base).status).toBe('preliminary');
    const other = { ...base, status: 'final' as const, flags: ['implausible:spo2', 'body-site:finger'] };
    expect(applyStatusMeaning(other)).toBe(other);
  });

  it('the meaning table covers every named status bit of PLX and glucose', () => {
    const named = [...Object.keys(PLX_MEASUREMENT_STATUS), ...Object.keys(PLX_DEVICE_SENSOR_STATUS), ...Object.keys(GLUCOSE_SENSOR_STATUS)];
    for (const n of named) expect(Object.keys(STATUS_FLAG_MEANING), n).toContain(n);
  });
});
