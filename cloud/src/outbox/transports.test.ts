/**
 * The e-mail transport against a real SMTP server (smtp-server, STARTTLS with a test CA, login)
 * read back with mailparser, and the Brevo SMS transport against a local stand-in of its API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, createCa } from '../security/pki.js';
import { type BrevoStandIn, startBrevoStandIn } from '../testing/brevo-stand-in.js';
import { type SmtpSink, startSmtpSink } from '../testing/smtp-sink.js';
import { brevoSmsSender } from './brevo-sms.js';
import { buildInvitation } from './ical.js';
import { smtpSender } from './smtp.js';
import { TransportError } from './transport.js';

describe('SMTP transport (nodemailer) against a real SMTP server', () => {
  let dir: string;
  let caFile: string;
  let sink: SmtpSink;
  let tls: { key: string; cert: string };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-smtp-'));
    const ca = await createCa('telecart test SMTP CA');
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    const server = await (await CertificateAuthority.load(ca)).issueWithNewKey('localhost', 'server', {
      altNames: ['localhost', '127.0.0.1'],
    });
    tls = { key: server.keyPem, cert: server.certPem };
    sink = await startSmtpSink({ tls, auth: { user: 'telecart', pass: 's3cret' } });
  });
  afterAll(async () => {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    sink.received.length = 0;
  });

  const config = () => ({
    host: '127.0.0.1',
    port: sink.port,
    tls: 'starttls' as const,
    caFile,
    user: 'telecart',
    passwordEnv: 'TEST_SMTP_PASSWORD',
    from: 'alertes@telecart.example',
  });

  it('sends over STARTTLS with a login: subject, text, sender and a Message-ID derived from the outbox id', async () => {
    const mailer = smtpSender(config(), { TEST_SMTP_PASSWORD: 's3cret' });
    try {
      const r = await mailer.send({
        id: 'b3f1c2d4-0000-4000-8000-000000000001',
        to: 'ide@example.org',
        subject: 'Alerte',
        text: 'Bonjour',
      });
      expect(r.providerRef).toBe('<b3f1c2d4-0000-4000-8000-000000000001@telecart.example>');
      const [m] = await sink.waitFor(1);
      expect(m?.messageId).toBe('<b3f1c2d4-0000-4000-8000-000000000001@telecart.example>');
      expect(m?.subject).toBe('Alerte');
      expect(m?.text?.trim()).toBe('Bonjour');
      expect(m?.from?.value[0]).toEqual({ address: 'alertes@telecart.example', name: 'Telecart' });
    } finally {
      mailer.close();
    }
  });

  it('carries an invitation as text/calendar with its METHOD', async () => {
    const ics = buildInvitation({
      uid: 'appt-1@telecart.example',
      sequence: 0,
      method: 'REQUEST',
      start: new Date('2026-12-08T09:30:00Z'),
      end: new Date('2026-12-08T09:50:00Z'),
      summary: 'Téléconsultation',
      organizer: { name: 'Dr Roux', email: 'roux@example.org' },
      attendee: { name: 'IDE', email: 'ide@example.org' },
      stamp: new Date('2026-12-06T05:00:00Z'),
    });
    const mailer = smtpSender(config(), { TEST_SMTP_PASSWORD: 's3cret' });
    try {
      await mailer.send({
        id: 'id-2',
        to: 'ide@example.org',
        subject: 'Invitation',
        text: 'Rendez-vous',
        calendar: { method: 'REQUEST', ics },
      });
      const [m] = await sink.waitFor(1);
      const cal = m?.attachments.find((a) => a.contentType === 'text/calendar');
      expect(cal?.content.toString('utf8')).toContain('UID:appt-1@telecart.example');
      expect(cal?.headers.get('content-type')).toMatchObject({ value: 'text/calendar', params: { method: 'REQUEST' } });
    } finally {
      mailer.close();
    }
  });

  it('a wrong password, an unknown CA and a 4xx are retried; a 5xx refusal is permanent', async () => {
    const wrong = smtpSender(config(), { TEST_SMTP_PASSWORD: 'nope' });
    const e1 = await wrong.send({ id: 'x', to: 'ide@example.org', subject: 's', text: 't' }).catch((e: unknown) => e);
    wrong.close();
    expect(e1).toBeInstanceOf(TransportError);
    expect(e1).toMatchObject({ permanent: false, message: expect.stringMatching(/^SMTP: .*535/) });

    const untrusted = smtpSender({ ...config(), caFile: undefined }, { TEST_SMTP_PASSWORD: 's3cret' });
    const e2 = await untrusted.send({ id: 'x', to: 'ide@example.org', subject: 's', text: 't' }).catch((e: unknown) => e);
    untrusted.close();
    expect(e2).toMatchObject({ permanent: false, message: expect.stringMatching(/certificate/i) });

    const mailer = smtpSender(config(), { TEST_SMTP_PASSWORD: 's3cret' });
    try {
      sink.refuseNext(451);
      expect(await mailer.send({ id: 'y', to: 'ide@example.org', subject: 's', text: 't' }).catch((e: unknown) => e)).toMatchObject({
        permanent: false,
      });
      sink.refuseNext(550);
      expect(await mailer.send({ id: 'z', to: 'ide@example.org', subject: 's', text: 't' }).catch((e: unknown) => e)).toMatchObject({
        permanent: true,
      });
      expect(sink.received).toEqual([]);
    } finally {
      mailer.close();
    }
  });

  it('refuses to start without the password variable it names', () => {
    expect(() => smtpSender(config(), {})).toThrow(/TEST_SMTP_PASSWORD is not set/);
  });
});

describe("SMS transport against a stand-in of Brevo's transactional SMS API", () => {
  let brevo: BrevoStandIn;
  beforeAll(async () => {
    brevo = await startBrevoStandIn('xkeysib-test');
  });
  afterAll(() => brevo.close());
  afterEach(() => {
    brevo.requests.length = 0;
  });
  const config = () => ({ provider: 'brevo' as const, apiKeyEnv: 'BREVO_KEY', sender: 'Telecart', url: brevo.url, timeoutSeconds: 5 });

  it('posts the documented JSON with the api-key header; the messageId is the provider reference', async () => {
    const sms = brevoSmsSender(config(), { BREVO_KEY: 'xkeysib-test' });
    const r = await sms.send({ id: 'row-1', to: '+33612345678', text: 'Telecart: alerte' });
    expect(r.providerRef).toBe('1511882900176220');
    expect(brevo.requests).toHaveLength(1);
    const [req] = brevo.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v3/transactionalSMS/send');
    expect(req?.headers['api-key']).toBe('xkeysib-test');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toEqual({
      sender: 'Telecart',
      recipient: '33612345678',
      content: 'Telecart: alerte',
      type: 'transactional',
      tag: 'row-1',
      unicodeEnabled: false,
    });
  });

  it('asks for unicode only when the text leaves the GSM alphabet', async () => {
    const sms = brevoSmsSender(config(), { BREVO_KEY: 'xkeysib-test' });
    await sms.send({ id: 'r', to: '+33612345678', text: 'Prise de poids à vérifier' });
    await sms.send({ id: 'r2', to: '+33612345678', text: 'Saturation ≤ 88' });
    expect(brevo.requests.map((q) => (q.body as { unicodeEnabled: boolean }).unicodeEnabled)).toEqual([false, true]);
  });

  it("Brevo's errors: 400 is permanent; 401, 402 and 5xx are retried; a number not in E.164 is refused before any request", async () => {
    const wrongKey = brevoSmsSender(config(), { BREVO_KEY: 'bad' });
    expect(await wrongKey.send({ id: 'a', to: '+33612345678', text: 't' }).catch((e: unknown) => e)).toMatchObject({
      permanent: false,
      message: 'SMS: Brevo answered 401 (unauthorized: Key not found)',
    });
    const sms = brevoSmsSender(config(), { BREVO_KEY: 'xkeysib-test' });
    brevo.failNext(402, 'not_enough_credits');
    expect(await sms.send({ id: 'b', to: '+33612345678', text: 't' }).catch((e: unknown) => e)).toMatchObject({ permanent: false });
    brevo.failNext(503, 'unavailable');
    expect(await sms.send({ id: 'c', to: '+33612345678', text: 't' }).catch((e: unknown) => e)).toMatchObject({ permanent: false });
    brevo.failNext(400, 'invalid_parameter');
    expect(await sms.send({ id: 'd', to: '+33612345678', text: 't' }).catch((e: unknown) => e)).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/400 \(invalid_parameter/),
    });
    const before = brevo.requests.length;
    expect(await sms.send({ id: 'e', to: '0612345678', text: 't' }).catch((e: unknown) => e)).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/not an E\.164 number/),
    });
    expect(brevo.requests.length).toBe(before);
  });
});
