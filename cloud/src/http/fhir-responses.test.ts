/**
 * The FHIR routes serialise through their response schemas (fhir/response-schemas.ts), and fastify
 * drops what a schema does not name: each answer is compared whole with what the FHIR mapping
 * builds from the stored reading, over resources that use every part of the model (blood-pressure
 * components, a converted value's extension, a HI comparator, flags as extensions and note, device
 * time, meta.profile, the contained Device, ECG sampledData, a recording's Media, a Patient's INS)
 * and the OperationOutcome of each error (whole cloud: embedded aedes, SQLite, real sockets).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchsetBundle, toFhirMedia, toFhirObservation, toFhirPatient } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../cloud.js';
import { operationOutcome } from '../fhir/operation-outcome.js';
import { testClinician } from '../testing/clinician.js';
import { batchOf, reading } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';

const dr = testClinician({ id: 'dr-fhir' });
const other = testClinician({ id: 'dr-other', gateways: ['cart-elsewhere'] });
const GW = 'cart-f';
const PATIENT = {
  id: 'p-f',
  family: 'FHIR',
  given: 'Fanny',
  birthDate: '1941-02-03',
  ins: '241022A12345678',
  insOid: '1.2.250.1.213.1.4.10',
};
let dir: string;
let cloud: Cloud;
let base: string;

const at = (m: number) => `2026-11-23T08:${String(m).padStart(2, '0')}:00.000Z`;
const patientRef = { id: PATIENT.id, ins: PATIENT.ins, insOid: PATIENT.insOid, assignment: 'nurse-selected' as const };
const bytes = Buffer.from('fLaC telecart fhir-responses test recording');
const RECORDING = '0190a3c4-0000-7000-8000-0000000000f1';

/** Readings that between them fill every element the Observation mapping can emit. */
function readings(): Observation[] {
  const bp = reading('bp', { seq: 1, gatewayId: GW, patientId: PATIENT.id, at: at(1), contentKey: 'bp-f-1', value: [142, 91] });
  const pulse = reading('pulse', { seq: 2, gatewayId: GW, patientId: PATIENT.id, at: at(2), status: 'entered-in-error' });
  const converted = reading('bp', { seq: 3, gatewayId: GW, patientId: PATIENT.id, at: at(3) });
  const first = converted.components?.[0];
  if (first) first.value = { value: 141.8, unit: 'mm[Hg]', original: { value: 18.9, unit: 'kPa' } };
  const hi = reading('temperature', { seq: 4, gatewayId: GW, patientId: PATIENT.id, at: at(4), value: 43 });
  hi.value = { value: 43, unit: 'Cel', comparator: '>' };
  const ecg = reading('pulse', { seq: 5, gatewayId: GW, patientId: PATIENT.id, at: at(5), lane: 'waveform' });
  const { value: _v, ...ecgBase } = ecg;
  const steth = reading('pulse', { seq: 6, gatewayId: GW, patientId: PATIENT.id, at: at(6), lane: 'waveform' });
  const { value: _w, ...stethBase } = steth;
  return [
    {
      ...bp,
      patient: patientRef,
      flags: ['irregular-pulse', 'body-site:left-arm'],
      device: {
        id: 'ble:C0:FF:EE:00:00:0B',
        transport: 'ble',
        manufacturer: 'telecart-sim',
        model: 'SIM-BPM',
        serial: 'SN-42',
        firmware: '1.2.3',
      },
      time: { ...bp.time, device: '2026-11-23T09:01:00', source: 'device' },
    },
    { ...pulse, patient: patientRef },
    { ...converted, patient: patientRef },
    { ...hi, patient: patientRef },
    {
      ...ecgBase,
      patient: patientRef,
      code: { loinc: '11524-6', display: 'EKG study' },
      device: { id: 'serial:ttyUSB0', transport: 'serial' },
      sampledData: {
        origin: { value: 0, unit: 'mV' },
        periodMs: 4,
        factor: 0.005,
        lowerLimit: -10,
        upperLimit: 10,
        dimensions: 1,
        channels: ['II'],
        data: '0 12 40 E 3',
      },
      segment: { recordingId: RECORDING, index: 2, last: true },
    },
    {
      ...stethBase,
      patient: patientRef,
      code: { loinc: '8702-3', display: 'Heart sounds (auscultation recording)' },
      flags: ['body-site:aortic'],
      device: { id: 'audio:stethoscope', transport: 'audio', model: 'SIM-STETH' },
      attachment: {
        contentType: 'audio/flac',
        data: bytes.toString('base64'),
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        durationMs: 10_000,
        sampleRateHz: 16_000,
        title: 'Auscultation aortic 1',
      },
      segment: { recordingId: RECORDING, index: 0 },
    },
  ];
}

const fetchFhir = async (path: string, headers: Record<string, string> = dr.headers) => {
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers });
  expect(res.headers.get('content-type'), path).toMatch(/^application\/fhir\+json/);
  return { status: res.status, body: (await res.json()) as unknown };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-fhir-responses-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    publicBaseUrl: 'https://cloud.example.test',
    patients: [{ ...PATIENT, gateways: [GW] }],
    teleconsult: { specialists: [dr.account, other.account] },
  });
  base = 'https://cloud.example.test/fhir';
  const gw = await TestGateway.connect(cloud.mqttUrl, GW);
  const all = readings();
  for (const lane of ['spot', 'waveform'] as const) {
    const ack = await gw.send(
      batchOf(
        all.filter((o) => o.lane === lane),
        { gatewayId: GW, lane },
      ),
    );
    expect(ack.rejected, `${lane} batch`).toEqual([]);
  }
  await gw.close();
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('FHIR response schemas drop nothing', () => {
  it('GET /fhir/Observation/:id answers the whole mapped Observation, for every kind of reading', async () => {
    const stored = await cloud.store.getObservations({ patientId: PATIENT.id, limit: 100, offset: 0 });
    expect(stored.length).toBe(6);
    const mapped = stored.map((o) => toFhirObservation(o, { baseUrl: base }));
    // The set really covers the model: each of these elements is present somewhere.
    const used = new Set(mapped.flatMap((f) => Object.keys(f)));
    for (const element of ['meta', 'contained', 'extension', 'valueSampledData', 'component', 'derivedFrom', 'bodySite', 'note', 'method'])
      expect(used, element).toContain(element);
    expect(JSON.stringify(mapped)).toContain('"comparator":">"');
    expect(JSON.stringify(mapped)).toContain('original-quantity');
    for (const [i, o] of stored.entries()) {
      const r = await fetchFhir(`/fhir/Observation/${o.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(mapped[i]);
    }
  });

  it('GET /fhir/Observation?patient= answers the whole searchset Bundle', async () => {
    const r = await fetchFhir(`/fhir/Observation?patient=${PATIENT.id}&_count=4`);
    expect(r.status).toBe(200);
    const page = await cloud.store.getObservations({ patientId: PATIENT.id, limit: 4, offset: 0 });
    const links = (r.body as { link: { relation: string; url: string }[] }).link;
    const expected = searchsetBundle(
      page.map((o) => toFhirObservation(o, { baseUrl: base })),
      { total: 6, selfUrl: links[0]?.url ?? '', nextUrl: links[1]?.url ?? '', baseUrl: base },
    );
    expect(links.map((l) => l.relation)).toEqual(['self', 'next']);
    expect(r.body).toEqual(expected);
  });

  it('GET /fhir/Media/:id answers the whole Media', async () => {
    const [steth] = await cloud.store.getObservations({ patientId: PATIENT.id, loinc: '8702-3', limit: 1, offset: 0 });
    if (!steth) throw new Error('the recording was not stored');
    const r = await fetchFhir(`/fhir/Media/${steth.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      toFhirMedia(steth, { baseUrl: base, attachmentUrl: `https://cloud.example.test/api/observations/${steth.id}/attachment` }),
    );
  });

  it('GET /fhir/Patient/:id and GET /fhir/Patient?identifier= answer the whole Patient and Bundle', async () => {
    const stored = await cloud.store.getPatient(PATIENT.id);
    if (!stored) throw new Error('the patient was not stored');
    const patient = toFhirPatient(stored);
    expect(patient.identifier?.length).toBe(2);
    const read = await fetchFhir(`/fhir/Patient/${PATIENT.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(patient);
    const search = await fetchFhir(`/fhir/Patient?identifier=${encodeURIComponent(`urn:oid:${PATIENT.insOid}|${PATIENT.ins}`)}`);
    expect(search.status).toBe(200);
    const self = (search.body as { link: { url: string }[] }).link[0]?.url ?? '';
    expect(search.body).toEqual(searchsetBundle([patient], { total: 1, selfUrl: self, baseUrl: base }));
  });

  it('every error answers its whole OperationOutcome', async () => {
    const cases: [string, Record<string, string>, number, unknown][] = [
      ['/fhir/Observation?colour=red', dr.headers, 400, operationOutcome('invalid', "unknown search parameter 'colour'", 'colour')],
      ['/fhir/Observation', other.headers, 403, expect.objectContaining({ resourceType: 'OperationOutcome' })],
      ['/fhir/Observation/0190a0b0-0000-7000-8000-00000000dead', dr.headers, 404, expect.anything()],
      ['/fhir/Media/0190a0b0-0000-7000-8000-00000000dead', dr.headers, 404, expect.anything()],
      ['/fhir/Patient/nobody', dr.headers, 404, operationOutcome('not-found', 'Patient/nobody is not known')],
      ['/fhir/Patient?_count=-1', dr.headers, 400, expect.anything()],
      ['/fhir/Patient/p-f', {}, 401, expect.anything()],
    ];
    for (const [path, headers, status, body] of cases) {
      const r = await fetchFhir(path, headers);
      expect(r.status, path).toBe(status);
      expect(r.body, path).toEqual(body);
      // Nothing of the outcome is lost: severity, code and diagnostics, as the routes build them.
      expect((r.body as { issue: unknown[] }).issue, path).toEqual([
        expect.objectContaining({ severity: 'error', code: expect.any(String), diagnostics: expect.any(String) }),
      ]);
    }
  });
});
