/**
 * The GP's link is enqueued after the signature's commit; a cloud stopped in between sends it at its
 * next start (catchUp), once, and not for a version whose link went out already or is past its term.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_CONTENT, reportSha256 } from '../report/content.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ReportGpMailer } from './report-gp-mailer.js';

const GP = { name: 'Dr Paul Généraliste', email: 'gp@cabinet.test' };
let store: SqliteStore;
let now: Date;

function mailer(): ReportGpMailer {
  return new ReportGpMailer({
    store,
    gpOf: (id) => (id === 'p-001' ? GP : undefined),
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
    expect(v && (await mailer().signed(v))).toBe(true);
    expect(await mailer().catchUp()).toBe(0);
    expect(await gpMails()).toHaveLength(1);
  });
});
