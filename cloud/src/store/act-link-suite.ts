/**
 * The join links part of the store contract (migrations 15 and 21), run on every CloudStore (SQLite,
 * PostgreSQL) from its test file next to the other suites.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActLinkRecord } from './act-link-records.js';
import type { CloudStore } from './cloud-store.js';
import type { LinkIdentityRecord } from './link-identity-records.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';
import { act as waitingAct } from './teleconsult-suite.js';

const link = (over: Partial<ActLinkRecord> = {}): ActLinkRecord => ({
  tokenSha256: 'a'.repeat(64),
  appointmentId: randomUUID(),
  patientId: 'pat-1',
  createdAt: '2026-12-06T08:00:00.000Z',
  expiresAt: '2026-12-08T15:00:00.000Z',
  deviceSha256: null,
  boundAt: null,
  role: 'patient',
  guestName: null,
  revokedAt: null,
  admittedAt: null,
  ...over,
});

export function actLinkStoreSuite(harness: StoreHarness): void {
  let db: StoreTestDatabase;
  let store: CloudStore;
  describe(`${harness.name}: act join links`, () => {
    // Inside the describe: at the top level they would run before every test of the file, every suite's.
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });
    it('saves a link once (saving it again changes nothing) and reads it back by the token’s hash', async () => {
      const l = link();
      await store.saveActLink(l);
      await store.saveActLink({ ...l, expiresAt: '2030-01-01T00:00:00.000Z' });
      expect(await store.getActLink(l.tokenSha256)).toEqual(l);
      expect(await store.getActLink('b'.repeat(64))).toBeNull();
    });

    it('binds the first device only: a second bind leaves the first, also from another connection', async () => {
      const l = link();
      await store.saveActLink(l);
      const at = new Date('2026-12-08T14:55:00Z');
      const first = await store.bindActLink(l.tokenSha256, 'd1'.repeat(32), at);
      expect(first).toEqual({ ...l, deviceSha256: 'd1'.repeat(32), boundAt: at.toISOString() });
      const other = await db.open();
      try {
        const second = await other.bindActLink(l.tokenSha256, 'd2'.repeat(32), new Date(at.getTime() + 1000));
        expect(second?.deviceSha256).toBe('d1'.repeat(32));
        expect(second?.boundAt).toBe(at.toISOString());
      } finally {
        await other.close();
      }
      expect(await store.bindActLink('c'.repeat(64), 'd3'.repeat(32), at)).toBeNull();
    });

    it('keeps a link’s identity state (migration 22) with a compare-and-set: of two writes from the same version, one wins', async () => {
      const l = link();
      await store.saveActLink(l);
      expect(await store.getLinkIdentity(l.tokenSha256)).toBeNull();
      const first: LinkIdentityRecord = {
        tokenSha256: l.tokenSha256,
        version: 1,
        codeHmac: 'f'.repeat(64),
        codeChannel: 'sms',
        codeSentAt: '2026-12-08T14:50:00.000Z',
        codeExpiresAt: '2026-12-08T15:00:00.000Z',
        codesSent: 1,
        attempts: 0,
        lockedAt: null,
        confirmedAt: null,
        confirmedBy: null,
      };
      expect(await store.putLinkIdentity(first)).toBe(true);
      // A second first write (another tab) loses.
      expect(await store.putLinkIdentity({ ...first, codeChannel: 'email' })).toBe(false);
      expect(await store.getLinkIdentity(l.tokenSha256)).toEqual(first);
      const wrong = { ...first, version: 2, attempts: 1 };
      const other = await db.open();
      try {
        expect(await other.putLinkIdentity(wrong)).toBe(true);
        expect(await store.putLinkIdentity({ ...first, version: 2, attempts: 1, codeHmac: null })).toBe(false);
      } finally {
        await other.close();
      }
      const done = { ...wrong, version: 3, codeHmac: null, confirmedAt: '2026-12-08T14:52:00.000Z', confirmedBy: 'code' as const };
      expect(await store.putLinkIdentity(done)).toBe(true);
      expect(await store.getLinkIdentity(l.tokenSha256)).toEqual(done);
    });

    it('keeps a guest’s role and name, lists an act’s guests only, and withdraws a link once', async () => {
      const act = randomUUID();
      const patient = link({ appointmentId: act });
      const gp = link({ tokenSha256: 'e'.repeat(64), appointmentId: act, role: 'guest', guestName: 'Dr Martin (médecin traitant)' });
      const interpreter = link({
        tokenSha256: 'f'.repeat(64),
        appointmentId: act,
        role: 'guest',
        guestName: 'Interprète',
        createdAt: '2026-12-06T08:05:00.000Z',
      });
      const elsewhere = link({ tokenSha256: '9'.repeat(64), role: 'guest', guestName: 'Autre acte' });
      for (const l of [interpreter, patient, elsewhere, gp]) await store.saveActLink(l);
      expect(await store.getActLink(gp.tokenSha256)).toEqual(gp);
      expect(await store.guestLinksOf(act)).toEqual([gp, interpreter]);
      expect(await store.guestLinksOf(randomUUID())).toEqual([]);
      const at = new Date('2026-12-06T08:20:00Z');
      expect(await store.revokeActLink(gp.tokenSha256, at)).toEqual({ ...gp, revokedAt: at.toISOString() });
      const again = await store.revokeActLink(gp.tokenSha256, new Date(at.getTime() + 60_000));
      expect(again?.revokedAt).toBe(at.toISOString());
      expect(await store.revokeActLink('c'.repeat(64), at)).toBeNull();
      expect((await store.getActLink(interpreter.tokenSha256))?.revokedAt).toBeNull();
    });

    it('keeps a guest’s admission (migration 30): the first time only, read back from another connection', async () => {
      const gp = link({ tokenSha256: 'e'.repeat(64), role: 'guest', guestName: 'Dr Martin' });
      await store.saveActLink(gp);
      const at = new Date('2026-12-06T08:21:00Z');
      expect(await store.admitActLink(gp.tokenSha256, at)).toEqual({ ...gp, admittedAt: at.toISOString() });
      expect((await store.admitActLink(gp.tokenSha256, new Date(at.getTime() + 5000)))?.admittedAt).toBe(at.toISOString());
      expect(await store.admitActLink('c'.repeat(64), at)).toBeNull();
      const other = await db.open();
      try {
        expect((await other.getActLink(gp.tokenSha256))?.admittedAt).toBe(at.toISOString());
      } finally {
        await other.close();
      }
    });

    it('keeps which acts have an open room (migration 30): opened once, read from another connection, gone when closed', async () => {
      const act = randomUUID();
      expect(await store.actRooms.get(act)).toBeNull();
      const room = { sessionId: act, gatewayId: 'cart-1', openedBy: 'dr-blanc', openedAt: '2026-12-06T08:20:00.000Z' };
      await store.actRooms.open(room);
      await store.actRooms.open({ ...room, openedBy: 'dr-other', openedAt: '2026-12-06T08:30:00.000Z' });
      const home = { sessionId: randomUUID(), gatewayId: null, openedBy: 'dr-blanc', openedAt: '2026-12-06T08:25:00.000Z' };
      await store.actRooms.open(home);
      const other = await db.open();
      try {
        expect(await other.actRooms.get(act)).toEqual(room);
        expect(await other.actRooms.get(home.sessionId)).toEqual(home);
      } finally {
        await other.close();
      }
      expect(await store.actRooms.close(act)).toEqual(room);
      expect(await store.actRooms.get(act)).toBeNull();
      expect(await store.actRooms.close(act)).toBeNull();
      expect(await store.actRooms.get(home.sessionId)).toEqual(home);
    });

    it('keeps a home act’s media halves (migration 33): each its first time with its line, read from another connection, gone when cleared', async () => {
      const sessionId = randomUUID();
      const line = (actor: string, at: string) => ({
        at,
        actor,
        actorRole: 'specialist' as const,
        action: 'media-received',
        sessionId,
        detail: 'half',
      });
      expect(await store.homeActMedia.get(sessionId)).toBeNull();
      expect(
        await store.homeActMedia.said(sessionId, 'specialist', '2026-12-06T08:20:00.000Z', line('dr-blanc', '2026-12-06T08:20:00.000Z')),
      ).toBe(true);
      // Said again (a page not told it was kept): its first time stays, no second line.
      expect(
        await store.homeActMedia.said(sessionId, 'specialist', '2026-12-06T08:21:00.000Z', line('dr-blanc', '2026-12-06T08:21:00.000Z')),
      ).toBe(false);
      const other = await db.open();
      try {
        expect(await other.homeActMedia.get(sessionId)).toEqual({ specialist: '2026-12-06T08:20:00.000Z', patient: null });
        await other.homeActMedia.said(sessionId, 'patient', '2026-12-06T08:22:00.000Z', line('link:patient', '2026-12-06T08:22:00.000Z'));
      } finally {
        await other.close();
      }
      expect(await store.homeActMedia.get(sessionId)).toEqual({
        specialist: '2026-12-06T08:20:00.000Z',
        patient: '2026-12-06T08:22:00.000Z',
      });
      expect((await store.listAudit({ sessionId })).map((e) => [e.actor, e.at])).toEqual([
        ['dr-blanc', '2026-12-06T08:20:00.000Z'],
        ['link:patient', '2026-12-06T08:22:00.000Z'],
      ]);
      await store.homeActMedia.clear(sessionId);
      expect(await store.homeActMedia.get(sessionId)).toBeNull();
    });

    it('writes a home act’s media up once: its connectedAt and its line, nothing when it was up already', async () => {
      const rec = waitingAct({ status: 'in-progress' });
      await store.upsertTeleconsultation(rec);
      const up = {
        at: '2026-12-06T08:23:00.000Z',
        actor: 'cloud',
        actorRole: 'system' as const,
        action: 'connected',
        sessionId: rec.sessionId,
      };
      expect(await store.homeActMedia.up(rec.sessionId, '2026-12-06T08:22:00.000Z', up)).toBe(true);
      expect(await store.homeActMedia.up(rec.sessionId, '2026-12-06T08:24:00.000Z', up)).toBe(false);
      expect((await store.getTeleconsultation(rec.sessionId))?.connectedAt).toBe('2026-12-06T08:22:00.000Z');
      expect((await store.listAudit({ sessionId: rec.sessionId })).map((e) => e.action)).toEqual(['connected']);
    });
  });
}
