/**
 * The GP's and the patient's links are enqueued after the signature's commit; a cloud stopped in
 * between sends them at its next start (catchUp), once, and not for a version whose links went out
 * already or is past its term. The patient gets theirs only with a date of birth on record (the link
 * asks it), by each configured channel their contact has; no message holds the report or a name of it.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_CONTENT, reportSha256 } from '../report/content.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { type PatientContact, ReportLinkMailer } from './report-link-mailer.js';

const GP = { name: 'Dr Paul Généraliste', email: 'gp@cabinet.test' };
const PATIENT: PatientContact = { name: 'Jeanne Martin', email: 'jeanne@famille.test', phone: '+33612345678', birthDate: '1938-04-02' };
let store: SqliteStore;
let now: Date;

function mailer(o: { channels?: ('email' | 'sms')[]; patient?: PatientContact } = {}): ReportLinkMailer {
  return new ReportLinkMailer({
    store,
    gpOf: (id) => (id === 'p-001' ? GP : undefined),
    patientOf: (id) => (id === 'p-003' ? (o.patient ?? PATIENT) : undefined),
    channels: o.channels ?? ['email', 'sms'],
    publicBaseUrl: () => 'https://cloud.test',
    audit: () => undefined,
    onEnqueued: () => undefined,
    lang: 'fr',
    timeZone: 'Europe/Paris',
    ttlMs: 7 * 86_400_000,
    now: () => now,
  });
}

async function signedVersion(patientId: string, at: Date): Promise<string> {
  const sessionId = randomUUID();
  await store.createReportDraft({
    id: randomUUID(),
    sessionId,
    patientId,
    authorId: 'dr-roux',
    content: { ...EMPTY_CONTENT, reason: 'dyspnée' },
    at: at.toISOString(),
  });
  const v = await store.signReport({
    sessionId,
    version: 1,
    vitals: [],
    by: 'dr-roux',
    name: 'Dr Anne Roux',
    at: at.toISOString(),
    hash: reportSha256,
  });
  return v.id;
}

const gpMails = async () => (await store.listOutbox({ limit: 100 })).filter((m) => m.topic.startsWith('report-gp:'));
const patientMessages = async () => (await store.listOutbox({ limit: 100 })).filter((m) => m.topic.startsWith('report-patient:'));

describe('the GP links of versions signed before a stop', () => {
  beforeEach(() => {
    store = new SqliteStore({ file: ':memory:' });
    now = new Date('2026-12-06T10:00:00Z');
  });
  afterEach(() => store.close());

  it('enqueues the missing link once, and none for a patient without GP or a version past the term', async () => {
    const recent = await signedVersion('p-001', new Date('2026-12-06T09:00:00Z'));
    await signedVersion('p-001', new Date('2026-11-20T09:00:00Z')); // older than the link's 7 days
    await signedVersion('p-002', new Date('2026-12-06T09:30:00Z')); // no referring GP
    expect(await mailer().catchUp()).toBe(1);
    const mails = await gpMails();
    expect(mails.map((m) => m.topic)).toEqual([`report-gp:${recent}`]);
    expect(mails[0]?.recipient).toBe(GP.email);
    // A second start finds the link and adds nothing.
    expect(await mailer().catchUp()).toBe(0);
    expect(await gpMails()).toHaveLength(1);
  });

  it('adds nothing for a version whose link went out when it was signed', async () => {
    const id = await signedVersion('p-001', new Date('2026-12-06T09:00:00Z'));
    const v = await store.getReportVersion(id);
    expect(v && (await mailer().signed(v))).toBe(1);
    expect(await mailer().catchUp()).toBe(0);
    expect(await gpMails()).toHaveLength(1);
  });

  it('sends the patient a link by e-mail and by SMS, each a link of its own, with nothing of the report', async () => {
    const id = await signedVersion('p-003', new Date('2026-12-06T09:00:00Z'));
    const v = await store.getReportVersion(id);
    expect(v && (await mailer().signed(v))).toBe(2);
    const sent = await patientMessages();
    expect(sent.map((m) => [m.recipient, m.payload.kind])).toEqual([
      ['jeanne@famille.test', 'email'],
      ['+33612345678', 'sms'],
    ]);
    const links = sent.map((m) =>
      m.payload.kind === 'email' || m.payload.kind === 'sms' ? /\/r\/([\w-]{43})/.exec(m.payload.text)?.[1] : null,
    );
    expect(links[0]).toBeTruthy();
    expect(links[1]).toBeTruthy();
    expect(links[0]).not.toBe(links[1]);
    const email = sent[0]?.payload;
    expect(email?.kind === 'email' && email.subject).toBe('[Telecart] Votre compte-rendu de téléconsultation');
    expect(email?.kind === 'email' && email.text).toContain('Bonjour Jeanne Martin,');
    const sms = sent[1]?.payload;
    expect(sms?.kind === 'sms' && sms.text).toMatch(
      /^Telecart : votre compte-rendu de téléconsultation \(version 1\) est disponible jusqu’au .+ https:\/\/cloud\.test\/r\/[\w-]{43}$/,
    );
    // Neither message names the patient's condition: the reason written in the report stays behind the link.
    for (const m of sent) expect(JSON.stringify(m.payload)).not.toContain('dyspnée');
    // Each link is kept for its recipient, as a patient's (it asks the date of birth).
    const stored = await store.latestReportLink(id, '+33612345678');
    expect(stored).toMatchObject({ audience: 'patient', recipient: '+33612345678', failedAttempts: 0, lockedAt: null });
    // Signed again (a replayed call): nothing more.
    expect(v && (await mailer().signed(v))).toBe(0);
    expect(await patientMessages()).toHaveLength(2);
  });

  it('sends the patient nothing without a date of birth on record, and only by the channels configured', async () => {
    const a = await store.getReportVersion(await signedVersion('p-003', new Date('2026-12-06T09:00:00Z')));
    expect(a && (await mailer({ patient: { ...PATIENT, birthDate: null } }).signed(a))).toBe(0);
    expect(await patientMessages()).toEqual([]);
    expect(a && (await mailer({ channels: ['sms'] }).signed(a))).toBe(1);
    expect((await patientMessages()).map((m) => m.payload.kind)).toEqual(['sms']);
  });

  it('catches up the patient’s link of a version signed before a stop', async () => {
    const id = await signedVersion('p-003', new Date('2026-12-06T09:00:00Z'));
    expect(await mailer({ channels: ['email'] }).catchUp()).toBe(1);
    expect((await patientMessages()).map((m) => m.recipient)).toEqual(['jeanne@famille.test']);
    // The SMS transport configured since: only the SMS is missing, and it goes.
    expect(await mailer().catchUp()).toBe(1);
    expect((await patientMessages()).map((m) => m.recipient)).toEqual(['jeanne@famille.test', '+33612345678']);
    expect(await mailer().catchUp()).toBe(0);
    expect(await store.latestReportLink(id, 'jeanne@famille.test')).not.toBeNull();
  });
});
