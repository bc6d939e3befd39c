/**
 * Who reads patient data: the whole cloud on real sockets (embedded aedes, SQLite, fastify), two
 * carts, clinicians who see every cart or only some, a password login and API tokens.
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud.js';
import type { AuditEvent } from '../../store/teleconsult-records.js';
import { hashPassword } from '../../teleconsult/passwords.js';
import { testClinician } from '../../testing/clinician.js';
import { batchOf, reading } from '../../testing/observations.js';
import { TestGateway } from '../../testing/test-gateway.js';
import { safeNext } from './data-access.js';

const all = testClinician({ id: 'dr-all', gateways: ['*'] });
const cartA = testClinician({ id: 'dr-a', gateways: ['cart-a*'], audit: false });
const PASSWORD = 'access-test-password';

let dir: string;
let cloud: Cloud;
let obsA: Observation;
let obsB: Observation;

function from(gatewayId: string, obs: Observation[]) {
  return batchOf(
    obs.map((o) => ({ ...o, gatewayId })),
    { gatewayId },
  );
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

async function auditOf(actor: string): Promise<AuditEvent[]> {
  return cloud.store.listAudit({ actor, limit: 100 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-access-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [
      { id: 'p-quiet', family: 'SANS', given: 'Mesure', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10' },
      // Each cart's patient, assigned by the configuration (readings never assign).
      { id: 'p-a', family: 'ALPHA', given: 'Anne', gateways: ['cart-a1'] },
      { id: 'p-b', family: 'BETA', given: 'Bruno', gateways: ['cart-b1'] },
    ],
    teleconsult: {
      specialists: [
        all.account,
        cartA.account,
        { id: 'dr-pw', name: 'Dr Mot de Passe', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['cart-b1'] },
      ],
    },
  });
  obsA = { ...reading('pulse', { seq: 1, patientId: 'p-a', value: 71 }), gatewayId: 'cart-a1' };
  obsB = { ...reading('pulse', { seq: 1, patientId: 'p-b', value: 88 }), gatewayId: 'cart-b1' };
  const a = await TestGateway.connect(cloud.mqttUrl, 'cart-a1');
  const b = await TestGateway.connect(cloud.mqttUrl, 'cart-b1');
  await a.send(from('cart-a1', [obsA]));
  await b.send(from('cart-b1', [obsB]));
  await a.close();
  await b.close();
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('patient data needs a logged-in clinician', () => {
  const uuid = randomUUID();
  const routes = [
    '/api/patients',
    '/api/patients/p-a/observations',
    '/api/patients/p-a/trends',
    '/api/events',
    '/api/gateways',
    `/api/recordings/${uuid}`,
    `/api/recordings/${uuid}/wfdb`,
    `/api/observations/${uuid}/attachment`,
    '/dashboard/patients',
    '/dashboard/gateways',
    '/fhir/Observation?patient=p-a',
    `/fhir/Observation/${uuid}`,
    `/fhir/Media/${uuid}`,
    '/fhir/Patient/p-a',
    '/fhir/Patient?identifier=p-a',
  ];

  it.each(routes)('GET %s: 401 without a login, and with an unknown token', async (path) => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }];
    for (const headers of attempts) {
      const r = await get(path, headers);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(r.text).not.toContain('p-a');
      if (path.startsWith('/fhir/')) {
        expect(r.headers.get('content-type')).toContain('application/fhir+json');
        expect(r.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
      }
    }
  });

  it('sends a browser to the sign-in page and back; health, metrics and the sign-in page stay open', async () => {
    const page = await get('/?lang=en');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/?lang=en')}`);
    const patientPage = await get('/patients/p-a?days=7');
    expect(patientPage.status).toBe(303);
    expect(patientPage.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/patients/p-a?days=7')}`);
    const login = await get('/login?next=%2F%3Flang%3Den&lang=en');
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    expect(login.text).toContain('data-next="/?lang=en"');
    expect((await get('/login?next=//evil.example/')).text).toContain('data-next="/"');
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/api/metrics/ingest')).status).toBe(200);
  });

  it('logs in with a password (HttpOnly cookie), then logs out', async () => {
    const res = await fetch(`${cloud.httpUrl}/api/specialist/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'dr-pw', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    const cookie = setCookie.split(';')[0] ?? '';
    const patients = await get('/api/patients', { cookie });
    expect(patients.status).toBe(200);
    expect((patients.json().patients as { id: string }[]).map((p) => p.id)).toEqual(['p-b']);
    // Signed in: the sign-in page sends straight on.
    expect((await get('/login?next=%2F', { cookie })).headers.get('location')).toBe('/');
    const dashboard = await get('/', { cookie });
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('Dr Mot de Passe');
    await fetch(`${cloud.httpUrl}/api/specialist/logout`, { method: 'POST', headers: { cookie } });
    expect((await get('/api/patients', { cookie })).status).toBe(401);
  });
});

describe('a clinician sees the patients of their carts only', () => {
  it('lists and reads only the patients the configuration assigns to their carts', async () => {
    const mine = await get('/api/patients', cartA.headers);
    expect((mine.json().patients as { id: string }[]).map((p) => p.id)).toEqual(['p-a']);
    const everyone = await get('/api/patients', all.headers);
    expect((everyone.json().patients as { id: string }[]).map((p) => p.id).sort()).toEqual(['p-a', 'p-b', 'p-quiet']);

    expect((await get('/api/patients/p-a/observations', cartA.headers)).status).toBe(200);
    // Another cart's patient answers exactly like an unknown one.
    const other = await get('/api/patients/p-b/observations', cartA.headers);
    const unknown = await get('/api/patients/p-zzz/observations', cartA.headers);
    expect([other.status, unknown.status]).toEqual([404, 404]);
    expect(other.text.replace('p-b', 'X')).toBe(unknown.text.replace('p-zzz', 'X'));

    const gateways = await get('/api/gateways', cartA.headers);
    expect((gateways.json().gateways as { gatewayId: string }[]).map((g) => g.gatewayId)).toEqual(['cart-a1']);
    const dashboard = await get('/dashboard/patients', cartA.headers);
    expect(dashboard.text).toContain('p-a');
    expect(dashboard.text).not.toContain('p-b');
  });

  it('FHIR: reads by id and searches by patient within the carts; a cross-patient search needs every cart', async () => {
    expect((await get(`/fhir/Observation/${obsA.id}`, cartA.headers)).status).toBe(200);
    expect((await get(`/fhir/Observation/${obsB.id}`, cartA.headers)).status).toBe(404);
    expect((await get(`/fhir/Media/${obsB.id}`, cartA.headers)).status).toBe(404);
    expect((await get(`/api/observations/${obsB.id}/attachment`, cartA.headers)).json().message).toBe(`no observation ${obsB.id}`);
    expect((await get('/fhir/Observation?patient=p-a', cartA.headers)).json()).toMatchObject({ total: 1 });
    expect((await get('/fhir/Observation?patient=p-b', cartA.headers)).json()).toMatchObject({ total: 0 });
    const across = await get('/fhir/Observation?code=8867-4', cartA.headers);
    expect(across.status).toBe(403);
    expect(across.json()).toMatchObject({ issue: [{ code: 'forbidden' }] });
    expect((await get('/fhir/Observation?code=8867-4', all.headers)).json()).toMatchObject({ total: 2 });
  });

  it('FHIR Patient: the subject of an exported Observation resolves, within the carts; INS search', async () => {
    const obs = (await get(`/fhir/Observation/${obsA.id}`, cartA.headers)).json() as { subject: { reference: string } };
    const subject = await fetch(obs.subject.reference, { headers: cartA.headers });
    expect(subject.status).toBe(200);
    expect(subject.headers.get('content-type')).toContain('application/fhir+json');
    expect(await subject.json()).toMatchObject({
      resourceType: 'Patient',
      id: 'p-a',
      identifier: [{ system: 'urn:telecart:patient-id', value: 'p-a' }],
    });
    expect((await get('/fhir/Patient/p-b', cartA.headers)).status).toBe(404);
    expect((await get('/fhir/Patient', cartA.headers)).json()).toMatchObject({ total: 1, entry: [{ resource: { id: 'p-a' } }] });
    const ins = await get(`/fhir/Patient?identifier=${encodeURIComponent('urn:oid:1.2.250.1.213.1.4.10|255081416802538')}`, all.headers);
    expect(ins.json()).toMatchObject({
      total: 1,
      entry: [{ fullUrl: expect.stringMatching(/\/fhir\/Patient\/p-quiet$/), resource: { name: [{ family: 'SANS', given: ['Mesure'] }] } }],
    });
    expect(
      (await get(`/fhir/Patient?identifier=${encodeURIComponent('urn:oid:1.2.250.1.213.1.4.8|255081416802538')}`, all.headers)).json(),
    ).toMatchObject({
      total: 0,
    });
    expect((await get('/fhir/Patient?gender=x', all.headers)).status).toBe(400);
  });

  it('streams live readings of their patients only', async () => {
    expect((await get('/api/events?patient=p-b', cartA.headers)).status).toBe(404);
    const ac = new AbortController();
    const res = await fetch(`${cloud.httpUrl}/api/events`, { headers: cartA.headers, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const gwB = await TestGateway.connect(cloud.mqttUrl, 'cart-b1');
    const gwA = await TestGateway.connect(cloud.mqttUrl, 'cart-a1');
    try {
      // p-b's reading first: had it been sent, it would arrive before p-a's.
      await gwB.send(from('cart-b1', [{ ...reading('pulse', { seq: 2, patientId: 'p-b', value: 90 }), gatewayId: 'cart-b1' }]));
      await gwA.send(from('cart-a1', [{ ...reading('pulse', { seq: 2, patientId: 'p-a', value: 72 }), gatewayId: 'cart-a1' }]));
      while (!text.includes('"p-a"')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).not.toContain('"p-b"');
    } finally {
      ac.abort();
      await gwA.close();
      await gwB.close();
    }
  });
});

describe('every read of patient data is in the audit trail', () => {
  it('records who read which patient, once per quarter of an hour per patient and action', async () => {
    await get('/api/patients/p-a/observations?limit=1', cartA.headers);
    await get('/api/patients/p-a/observations?limit=2', cartA.headers);
    await expect
      .poll(async () => (await auditOf('dr-a')).filter((e) => e.action === 'read-observations').map((e) => [e.patientId, e.actorRole]))
      .toEqual([['p-a', 'specialist']]);
    const actions = new Set((await auditOf('dr-a')).map((e) => e.action));
    for (const a of ['read-patient-list', 'fhir-read', 'fhir-search', 'watch-events']) expect(actions).toContain(a);
    // A refused read (another cart's patient) reads nothing and so is no read in the trail.
    expect((await auditOf('dr-a')).some((e) => e.patientId === 'p-b')).toBe(false);
  });
});

describe('a login survives a restart of the cloud', () => {
  it('keeps a signed-in cookie valid after a restart, and a signed-out one refused', async () => {
    const restartDir = mkdtempSync(join(tmpdir(), 'telecart-access-restart-'));
    const opts = {
      dataDir: restartDir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [{ id: 'dr-pw', name: 'Dr Mot de Passe', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['*'] }],
      },
    };
    const signIn = async (url: string) => {
      const res = await fetch(`${url}/api/specialist/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'dr-pw', password: PASSWORD }),
      });
      return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    };
    let c = await startCloud(opts);
    try {
      const kept = await signIn(c.httpUrl);
      const ended = await signIn(c.httpUrl);
      await fetch(`${c.httpUrl}/api/specialist/logout`, { method: 'POST', headers: { cookie: ended } });
      await c.teleconsult.logins.flushed();
      await c.stop();
      c = await startCloud(opts);
      expect((await fetch(`${c.httpUrl}/api/patients`, { headers: { cookie: kept } })).status).toBe(200);
      expect((await fetch(`${c.httpUrl}/api/patients`, { headers: { cookie: ended } })).status).toBe(401);
    } finally {
      await c.stop();
      rmSync(restartDir, { recursive: true, force: true });
    }
  });
});

describe("dataAccess: 'open'", () => {
  it('serves patient data without a login, and the trail names the reader anonymous', async () => {
    const openDir = mkdtempSync(join(tmpdir(), 'telecart-access-open-'));
    const open = await startCloud({ dataDir: openDir, mqttPort: 0, httpPort: 0, logger: pino({ level: 'silent' }), dataAccess: 'open' });
    try {
      const res = await fetch(`${open.httpUrl}/api/patients`);
      expect(res.status).toBe(200);
      expect((await fetch(`${open.httpUrl}/`, { redirect: 'manual' })).status).toBe(200);
      await expect
        .poll(async () => (await open.store.listAudit({ actor: 'anonymous', limit: 10 })).map((e) => e.action))
        .toContain('read-patient-list');
    } finally {
      await open.stop();
      rmSync(openDir, { recursive: true, force: true });
    }
  });
});

describe('safeNext', () => {
  it('keeps a path of this site and turns anything else into /', () => {
    expect(safeNext('/?lang=en')).toBe('/?lang=en');
    expect(safeNext('/dashboard/patients')).toBe('/dashboard/patients');
    for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '', '/a b', undefined, 42])
      expect(safeNext(bad)).toBe('/');
  });
});
