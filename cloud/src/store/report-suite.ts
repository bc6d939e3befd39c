/**
 * The report part of the store contract (migration 13), run on every CloudStore (SQLite,
 * PostgreSQL) from its test file: drafts, signing, corrections, and signed versions frozen by the
 * store itself (the refusal comes from the store, and raw SQL is refused by the tables' triggers).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_CONTENT, reportSha256 } from '../report/content.js';
import type { VitalReading } from '../vitals/summary.js';
import type { CloudStore } from './cloud-store.js';
import { type ReportRefusal, ReportWriteRefused } from './report-records.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const at = (min: number) => new Date(Date.UTC(2026, 10, 23, 10, min)).toISOString();

const pulse: VitalReading = {
  key: 'pulse',
  values: [88],
  unit: '/min',
  unitDisplay: 'bpm',
  effective: at(3),
  observationId: randomUUID(),
  patientId: 'p-001',
  flags: [],
};

async function refused(p: Promise<unknown>): Promise<{ reason: ReportRefusal; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ReportWriteRefused) return { reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('the write was accepted');
}

export function reportStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: reports`, () => {
    let db: StoreTestDatabase;
    let store: CloudStore;
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });

    const sessionId = randomUUID();
    const draft = (content = { ...EMPTY_CONTENT, reason: 'dyspnée' }) =>
      store.createReportDraft({ id: randomUUID(), sessionId, patientId: 'p-001', authorId: 'dr-roux', content, at: at(5) });
    const sign = (version: number, min = 20) =>
      store.signReport({ sessionId, version, vitals: [pulse], by: 'dr-roux', name: 'Dr Anne Roux', at: at(min), hash: reportSha256 });

    describe(`${harness.name}: teleconsultation reports`, () => {
      it('keeps a draft editable, then signing freezes it with its signer, vitals and hash', async () => {
        const v1 = await draft();
        expect(v1).toMatchObject({ version: 1, status: 'draft', vitals: [], signature: null, content: { reason: 'dyspnée' } });
        const edited = await store.updateReportDraft(
          sessionId,
          1,
          { ...v1.content, conclusion: 'Œdème aigu, pas de signe de gravité' },
          at(10),
        );
        expect(edited.content.conclusion).toBe('Œdème aigu, pas de signe de gravité');
        expect(edited.updatedAt).toBe(at(10));

        const signed = await sign(1);
        expect(signed).toMatchObject({ status: 'signed', vitals: [pulse], content: edited.content });
        expect(signed.signature).toEqual({ by: 'dr-roux', name: 'Dr Anne Roux', at: at(20), contentSha256: reportSha256(signed) });
        expect(await store.listReports({ patientId: 'p-001' })).toEqual([signed]);
        expect(await store.listReports({ patientId: 'p-002' })).toEqual([]);
      });

      it('refuses any write to a signed version, with a message that says so, and keeps it as signed', async () => {
        await draft();
        const signed = await sign(1);
        const change = await refused(store.updateReportDraft(sessionId, 1, { ...EMPTY_CONTENT, conclusion: 'autre' }, at(30)));
        expect(change).toEqual({ reason: 'signed', message: expect.stringMatching(/version 1 .* is signed .*correction/) });
        expect((await refused(sign(1, 31))).reason).toBe('signed');
        expect(await store.getReportVersion(signed.id)).toEqual(signed);
      });

      it('refuses raw SQL that changes or deletes a signed version (triggers), while a draft can still be changed', async () => {
        const v1 = await draft();
        await db.exec(`UPDATE report_versions SET content_json = '{}' WHERE status = 'draft'`);
        await db.exec(`UPDATE report_versions SET content_json = '${JSON.stringify(v1.content)}' WHERE status = 'draft'`);
        const signed = await sign(1);
        await expect(db.exec(`UPDATE report_versions SET content_json = '{}'`)).rejects.toThrow(/signed report version is immutable/);
        await expect(db.exec('DELETE FROM report_versions')).rejects.toThrow(/signed report version is immutable/);
        expect(await store.getReportVersion(signed.id)).toEqual(signed);
      });

      it('corrects by a new version n+1 that supersedes n, which stays readable', async () => {
        await draft({ ...EMPTY_CONTENT, conclusion: 'première' });
        const v1 = await sign(1);
        const v2 = await store.correctReport(sessionId, randomUUID(), 'dr-roux', at(40));
        expect(v2).toMatchObject({ version: 2, status: 'draft', content: v1.content, signature: null });
        expect((await refused(store.correctReport(sessionId, randomUUID(), 'dr-roux', at(41)))).reason).toBe('draft-exists');
        await store.updateReportDraft(sessionId, 2, { ...v1.content, conclusion: 'corrigée' }, at(42));
        // The draft is no document yet: v1 is still the current one.
        expect((await store.listReports({ sessionId, currentOnly: true })).map((v) => v.version)).toEqual([1]);
        const signed2 = await sign(2, 45);
        expect(signed2.content.conclusion).toBe('corrigée');
        expect(await store.getReportVersion(v1.id)).toEqual(v1);
        expect((await store.reportVersions(sessionId)).map((v) => [v.version, v.status])).toEqual([
          [1, 'signed'],
          [2, 'signed'],
        ]);
        expect((await store.listReports({ sessionId, currentOnly: true })).map((v) => v.version)).toEqual([2]);
        expect((await store.listReports({ patientId: 'p-001' })).map((v) => v.version)).toEqual([2, 1]);
      });

      it('refuses a second first draft, a correction of nothing signed, and versions that do not exist', async () => {
        expect((await refused(store.correctReport(sessionId, randomUUID(), 'dr-roux', at(1)))).reason).toBe('nothing-signed');
        await draft();
        expect((await refused(draft())).reason).toBe('exists');
        expect((await refused(store.correctReport(sessionId, randomUUID(), 'dr-roux', at(1)))).reason).toBe('draft-exists');
        expect((await refused(store.updateReportDraft(sessionId, 7, EMPTY_CONTENT, at(2)))).reason).toBe('not-found');
        expect((await refused(store.updateReportDraft('not-a-uuid', 1, EMPTY_CONTENT, at(2)))).reason).toBe('not-found');
        expect(await store.reportVersions(sessionId)).toHaveLength(1);
        expect(await store.getReportVersion('not-a-uuid')).toBeNull();
      });

      it('keeps a download link by its token hash, to a signed version only', async () => {
        const d = await draft({ ...EMPTY_CONTENT, conclusion: 'ok' });
        const link = {
          tokenSha256: 'a'.repeat(64),
          versionId: d.id,
          audience: 'gp' as const,
          recipient: 'Dr Paul Médecin',
          createdBy: 'dr-roux',
          createdAt: at(30),
          expiresAt: at(50),
          failedAttempts: 0,
          lockedAt: null,
        };
        expect((await refused(store.saveReportLink(link))).reason).toBe('not-found');
        await sign(1);
        await store.saveReportLink(link);
        expect(await store.getReportLink(link.tokenSha256)).toEqual(link);
        expect(await store.getReportLink('b'.repeat(64))).toBeNull();
      });

      it('keeps a cart’s links (audience cart, migration 26) and finds the one that expires last for a recipient', async () => {
        const d = await draft({ ...EMPTY_CONTENT, conclusion: 'ok' });
        await sign(1);
        const cart = (hash: string, expiresAt: string, recipient = 'cart cart-1') => ({
          tokenSha256: hash.repeat(64),
          versionId: d.id,
          audience: 'cart' as const,
          recipient,
          createdBy: 'cloud',
          createdAt: at(30),
          expiresAt,
          failedAttempts: 0,
          lockedAt: null,
        });
        expect(await store.latestReportLink(d.id, 'cart cart-1')).toBeNull();
        const older = cart('c', at(40));
        const newer = cart('d', at(50));
        for (const l of [older, newer, cart('e', at(59), 'cart cart-2')]) await store.saveReportLink(l);
        expect(await store.getReportLink(older.tokenSha256)).toEqual(older);
        expect(await store.latestReportLink(d.id, 'cart cart-1')).toEqual(newer);
        expect(await store.latestReportLink(d.id, 'cart cart-9')).toBeNull();
        expect(await store.latestReportLink('not-a-uuid', 'cart cart-1')).toBeNull();
      });

      it('counts a patient link’s wrong dates of birth, two at once as two, and locks it at the fifth (migration 31)', async () => {
        const d = await draft({ ...EMPTY_CONTENT, conclusion: 'ok' });
        await sign(1);
        const link = {
          tokenSha256: 'f'.repeat(64),
          versionId: d.id,
          audience: 'patient' as const,
          recipient: '+33612345678',
          createdBy: 'cloud',
          createdAt: at(30),
          expiresAt: at(59),
          failedAttempts: 0,
          lockedAt: null,
        };
        await store.saveReportLink(link);
        const when = new Date(at(40));
        const twice = await Promise.all([store.missReportLink(link.tokenSha256, when, 5), store.missReportLink(link.tokenSha256, when, 5)]);
        expect(twice.map((r) => r?.failedAttempts).sort()).toEqual([1, 2]);
        expect(await store.missReportLink(link.tokenSha256, when, 5)).toEqual({ failedAttempts: 3, lockedAt: null });
        expect(await store.missReportLink(link.tokenSha256, when, 5)).toEqual({ failedAttempts: 4, lockedAt: null });
        expect(await store.missReportLink(link.tokenSha256, when, 5)).toEqual({ failedAttempts: 5, lockedAt: when.toISOString() });
        // Locked: nothing more is counted, and the link reads locked.
        expect(await store.missReportLink(link.tokenSha256, when, 5)).toBeNull();
        expect(await store.getReportLink(link.tokenSha256)).toEqual({ ...link, failedAttempts: 5, lockedAt: when.toISOString() });
        expect(await store.missReportLink('0'.repeat(64), when, 5)).toBeNull();
      });
    });
  });
}
