import type { Observation } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
// A test helper, not part of @telecart/protocol's exports.
import { sampleObservation } from '../../../protocol/src/testing/sample.js';
import { decodeCharacteristic } from '../codecs/registry.js';
import { VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { searchsetBundle } from './bundle.js';
import { draftToFhirObservation, toFhirDevice, toFhirId, toFhirObservation } from './observation.js';
import { SYSTEM, TELECART } from './systems.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

function drafts(characteristic: string, bytes: string): ObservationDraft[] {
  const r = decodeCharacteristic(characteristic, hex(bytes));
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
}

function observationFrom(d: ObservationDraft, seq: number, extra: Partial<Observation> = {}): Observation {
  const { deviceTime: _dt, userIndex: _ui, recordNumber: _rn, ...rest } = d;
  // Explicit `value` so the sample's default weight does not leak into a panel.
  return sampleObservation(seq, { ...rest, value: d.value, ...extra });
}

describe('toFhirObservation', () => {
  it('exports a BP panel with systolic/diastolic/mean components in mm[Hg] and LOINC + MDC codings', () => {
    const [panel] = drafts('2A35', '15 BD F0 0B 00 9F F0 3C 00 12 00');
    if (!panel) throw new Error('no panel');
    const obs = observationFrom(panel, 7, { contentKey: 'ble:C0:FF:EE:00:00:01|2024-05-01T08:15:30|85354-9' });
    const f = toFhirObservation(obs);
    expect(f.resourceType).toBe('Observation');
    expect(f.id).toBe(obs.id);
    expect(f.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bp']);
    expect(f.identifier).toEqual([
      { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${obs.id}` },
      { system: TELECART.contentKeySystem, value: obs.contentKey },
    ]);
    expect(f.category?.[0]?.coding?.[0]).toEqual({
      system: 'http://terminology.hl7.org/CodeSystem/observation-category',
      code: 'vital-signs',
      display: 'Vital Signs',
    });
    expect(f.code.coding).toEqual([
      { system: 'http://loinc.org', code: '85354-9', display: VITALS.bloodPressurePanel.display },
      { system: 'urn:iso:std:iso:11073:10101', code: '150020', display: VITALS.bloodPressurePanel.display },
    ]);
    expect(f.valueQuantity).toBeUndefined();
    expect(
      f.component?.map((c) => [c.code.coding?.[0]?.code, c.code.coding?.[1]?.code, c.valueQuantity?.value, c.valueQuantity?.code]),
    ).toEqual([
      ['8480-6', '150021', 141.8, 'mm[Hg]'],
      ['8462-4', '150022', 82.5, 'mm[Hg]'],
      ['8478-0', '150023', 119.3, 'mm[Hg]'],
    ]);
    expect(f.component?.[0]?.valueQuantity).toEqual({
      value: 141.8,
      unit: 'mmHg',
      system: 'http://unitsofmeasure.org',
      code: 'mm[Hg]',
      extension: [
        { url: TELECART.originalQuantityExtension, valueQuantity: { value: 18.9, unit: 'kPa', system: SYSTEM.ucum, code: 'kPa' } },
      ],
    });
    expect(f.effectiveDateTime).toBe(obs.time.effective);
    expect(f.issued).toBe(obs.time.received);
    expect(f.status).toBe('final');
    expect(f.note).toEqual([{ text: 'telecart flags: cuff-too-loose, pulse-rate-below-range' }]);
    expect(f.extension?.filter((e) => e.url === TELECART.flagExtension).map((e) => e.valueString)).toEqual([
      'cuff-too-loose',
      'pulse-rate-below-range',
    ]);
    expect(f.extension?.find((e) => e.url === TELECART.deviceTimeExtension)?.valueString).toBe(obs.time.device);
  });

  it('names the patient by reference and INS, and the device as a contained resource with identifier and display', () => {
    const f = toFhirObservation(sampleObservation(1));
    expect(f.subject).toEqual({
      reference: 'Patient/p-001',
      type: 'Patient',
      identifier: { use: 'official', system: 'urn:oid:1.2.250.1.213.1.4.10', value: '255081416802538' },
    });
    // The device travels inside the resource: no Device endpoint to resolve.
    expect(f.device).toEqual({
      reference: '#device',
      type: 'Device',
      identifier: { system: TELECART.deviceIdSystem, value: 'ble:C0:FF:EE:00:00:02' },
      display: 'telecart-sim SIM-SCALE (ble:C0:FF:EE:00:00:02)',
    });
    expect(f.contained).toEqual([
      expect.objectContaining({
        resourceType: 'Device',
        id: 'device',
        identifier: [{ system: TELECART.deviceIdSystem, value: 'ble:C0:FF:EE:00:00:02' }],
        manufacturer: 'telecart-sim',
      }),
    ]);
    const noIns = toFhirObservation(sampleObservation(2, { patient: { id: 'p 2', assignment: 'home-kit' } }), {
      baseUrl: 'http://127.0.0.1:8080/fhir/',
    });
    expect(noIns.subject).toEqual({ reference: 'http://127.0.0.1:8080/fhir/Patient/p-2', type: 'Patient' });
  });

  it('exports body weight with the bodyweight profile and UCUM quantity', () => {
    const f = toFhirObservation(sampleObservation(3));
    expect(f.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bodyweight']);
    expect(f.valueQuantity).toEqual({ value: 70.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' });
    expect(f.note).toBeUndefined();
    expect(f.extension?.map((e) => e.url)).toEqual([TELECART.deviceTimeExtension]);
  });

  it('exports SpO2 with both 2708-6 and 59408-5 and the oxygensat profile', () => {
    const [spo2, pulse] = drafts('2A5E', '0F AC F3 BE F5 E8 07 0B 1D 17 08 39 20 40 22 00 00 66 E3');
    if (!spo2 || !pulse) throw new Error('no drafts');
    const f = toFhirObservation(observationFrom(spo2, 4));
    expect(f.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/oxygensat']);
    expect(f.code.coding?.map((c) => [c.system, c.code])).toEqual([
      ['http://loinc.org', '2708-6'],
      ['http://loinc.org', '59408-5'],
      ['urn:iso:std:iso:11073:10101', '150456'],
    ]);
    expect(f.valueQuantity).toEqual({ value: 94, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    const p = toFhirObservation(observationFrom(pulse, 5));
    expect(p.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/heartrate']);
    expect(p.valueQuantity?.code).toBe('/min');
  });

  it('a stored reading keeps what its status bits meant: entered-in-error, a HI comparator, pulse H', () => {
    // This vector's Device and Sensor Status has "equipment malfunction": not a valid measurement.
    const [spo2] = drafts('2A5E', '0F AC F3 BE F5 E8 07 0B 1D 17 08 39 20 40 22 00 00 66 E3');
    if (!spo2) throw new Error('no drafts');
    expect(toFhirObservation(observationFrom(spo2, 6)).status).toBe('entered-in-error');
    const [hi] = drafts('2A18', '0A 07 00 EA 07 01 02 03 04 05 58 B2 11 20 00');
    if (!hi) throw new Error('no glucose');
    expect(toFhirObservation(observationFrom(hi, 7)).valueQuantity).toEqual({
      value: 600,
      comparator: '>',
      unit: 'mg/dL',
      system: 'http://unitsofmeasure.org',
      code: 'mg/dL',
      extension: [
        {
          url: TELECART.originalQuantityExtension,
          valueQuantity: { value: 0.006, unit: 'kg/L', system: 'http://unitsofmeasure.org', code: 'kg/L' },
        },
      ],
    });
    const [, pulse] = drafts('2A35', '14 78 00 50 00 5D 00 40 00 08 00');
    if (!pulse) throw new Error('no pulse');
    expect(toFhirObservation(observationFrom(pulse, 8)).interpretation?.[0]?.coding?.[0]?.code).toBe('H');
  });

  it('uses the profile per vital: bodytemp, bodyheight, bmi; preliminary status kept', () => {
    const [temp] = drafts('2A1C', '06 B0 0E 00 FE DC 07 0C 05 0B 32 1B 04');
    const [, bmi, height] = drafts('2A9D', '0E 14 37 E8 07 03 0F 07 1E 00 01 E2 00 E5 06');
    const [cuff] = drafts('2A36', '00 8C 00 FF 07 FF 07');
    if (!temp || !bmi || !height || !cuff) throw new Error('no drafts');
    const t = toFhirObservation(observationFrom(temp, 6));
    expect(t.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bodytemp']);
    expect(t.valueQuantity).toMatchObject({ value: 37.6, unit: '°C', code: 'Cel' });
    expect(t.bodySite).toEqual({ text: 'finger' });
    expect(toFhirObservation(observationFrom(bmi, 7)).meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bmi']);
    const h = toFhirObservation(observationFrom(height, 8));
    expect(h.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bodyheight']);
    expect(h.valueQuantity).toMatchObject({ value: 176.5, code: 'cm' });
    const c = toFhirObservation(observationFrom(cuff, 9));
    expect(c.status).toBe('preliminary');
    expect(c.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/vitalsigns']);
  });

  it('gives a BP panel missing systolic a component with dataAbsentReason', () => {
    const [panel] = drafts('2A35', '00 FF 07 50 00 5D 00');
    if (!panel) throw new Error('no panel');
    const f = toFhirObservation(observationFrom(panel, 10));
    expect(f.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value ?? c.dataAbsentReason?.coding?.[0]?.code])).toEqual([
      ['8480-6', 'error'],
      ['8462-4', 80],
      ['8478-0', 93],
    ]);
  });
});

describe('draftToFhirObservation', () => {
  it('omits id, subject and profile for a bare draft but stays a valid-looking Observation', () => {
    const [panel] = drafts('2A35', '06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00');
    if (!panel) throw new Error('no panel');
    const f = draftToFhirObservation(panel);
    expect(Object.keys(f)).toEqual(['resourceType', 'extension', 'status', 'category', 'code', 'component']);
    expect(f.extension).toEqual([{ url: TELECART.deviceTimeExtension, valueString: '2024-05-01T08:15:30' }]);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });

  it('adds subject, device, effective and profile when the context gives them', () => {
    const [weight] = drafts('2A9D', '01 B4 3C');
    if (!weight) throw new Error('no draft');
    const f = draftToFhirObservation(weight, {
      patient: { id: 'p-9' },
      device: { id: 'ble:AA:BB:CC:DD:EE:FF', model: 'UC-352BLE' },
      effective: '2026-01-01T10:00:00.000Z',
    });
    expect(f.subject?.reference).toBe('Patient/p-9');
    expect(f.device?.display).toBe('UC-352BLE (ble:AA:BB:CC:DD:EE:FF)');
    expect(f.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bodyweight']);
    expect(f.valueQuantity).toEqual({ value: 155.4, unit: 'lb', system: SYSTEM.ucum, code: '[lb_av]' });
  });
});

describe('searchsetBundle', () => {
  it('builds a searchset with total, self/next links, fullUrl and search mode', () => {
    const obs = [toFhirObservation(sampleObservation(1)), toFhirObservation(sampleObservation(2))];
    const b = searchsetBundle(obs, {
      total: 10,
      selfUrl: 'http://127.0.0.1:8080/fhir/Observation?_count=2',
      nextUrl: 'http://127.0.0.1:8080/fhir/Observation?_count=2&_cursor=2',
      baseUrl: 'http://127.0.0.1:8080/fhir/',
    });
    expect(b).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      total: 10,
      link: [
        { relation: 'self', url: 'http://127.0.0.1:8080/fhir/Observation?_count=2' },
        { relation: 'next', url: 'http://127.0.0.1:8080/fhir/Observation?_count=2&_cursor=2' },
      ],
      entry: obs.map((o) => ({ fullUrl: `http://127.0.0.1:8080/fhir/Observation/${o.id}`, resource: o, search: { mode: 'match' } })),
    });
  });

  it('omits total and next when not given', () => {
    const b = searchsetBundle([], { selfUrl: 'http://127.0.0.1/fhir/Observation', baseUrl: 'http://127.0.0.1/fhir' });
    expect(b).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: 'http://127.0.0.1/fhir/Observation' }],
      entry: [],
    });
  });
});

describe('toFhirDevice and ids', () => {
  it('builds a Device from DIS values', () => {
    expect(
      toFhirDevice({ id: 'ble:AA:BB', transport: 'ble', manufacturer: 'A&D', model: 'UA-651BLE', serial: 'S1', firmware: '1.2' }),
    ).toEqual({
      resourceType: 'Device',
      id: 'ble-AA-BB',
      identifier: [{ system: TELECART.deviceIdSystem, value: 'ble:AA:BB' }],
      status: 'active',
      manufacturer: 'A&D',
      deviceName: [
        { name: 'A&D', type: 'manufacturer-name' },
        { name: 'UA-651BLE', type: 'model-name' },
      ],
      modelNumber: 'UA-651BLE',
      serialNumber: 'S1',
      version: [{ type: { text: 'firmware' }, value: '1.2' }],
    });
  });

  it('makes FHIR-safe ids', () => {
    expect(toFhirId('serial:/dev/ttyUSB0')).toBe('serial--dev-ttyUSB0');
    expect(toFhirId('x'.repeat(80))).toHaveLength(64);
    expect(toFhirId('')).toBe('-');
  });
});
