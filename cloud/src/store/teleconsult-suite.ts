/**
 * The teleconsultation and audit part of the store contract, run on every CloudStore (SQLite,
 * PostgreSQL) from its test file next to cloudStoreSuite().
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from './cloud-store.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';
import type { TeleconsultationRecord } from './teleconsult-records.js';

const at = (min: number) => new Date(Date.UTC(2026, 10, 23, 9, min)).toISOString();

/** A waiting act on cart-1 (the other suites' too), with `over` changed. */
export function act(over: Partial<TeleconsultationRecord> = {}): TeleconsultationRecord {
  return {
    sessionId: randomUUID(),
    gatewayId: 'cart-1',
    patientId: 'p-001',
    patientIns: null,
    requestedSpecialistId: null,
    specialistId: null,
    specialistName: null,
    reason: null,
    consent: { by: 'patient', method: 'oral', representative: null, collectedAt: at(0), collectedBy: null },
    status: 'waiting',
    outcome: null,
    createdAt: at(0),
    joinedAt: null,
    connectedAt: null,
    endedAt: null,
    durationMs: null,
    updatedAt: at(0),
    ...over,
  };
}

export function teleconsultStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: teleconsultations and audit`, () => {
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

    describe(`${harness.name}: teleconsultations and audit`, () => {
      it('creates an act, then updates its status, specialist, times and outcome; the call facts stay', async () => {
        const a = act({ patientIns: '238016912304522', reason: 'dyspnée', requestedSpecialistId: 'dr-roux' });
        await store.upsertTeleconsultation(a);
        expect(await store.getTeleconsultation(a.sessionId)).toEqual(a);
        const done = {
          ...a,
          reason: 'changed?',
          status: 'completed' as const,
          specialistId: 'dr-roux',
          specialistName: 'Dr Anne Roux',
          joinedAt: at(2),
          connectedAt: at(3),
          endedAt: at(13),
          durationMs: 600_000,
          outcome: 'hangup-specialist',
          updatedAt: at(13),
        };
        await store.upsertTeleconsultation(done);
        expect(await store.getTeleconsultation(a.sessionId)).toEqual({ ...done, reason: 'dyspnée' });
        expect(await store.getTeleconsultation(randomUUID())).toBeNull();
        expect(await store.getTeleconsultation('not-a-uuid')).toBeNull();
      });

      it('records the consent with the act (patient or named representative), never changed by later updates', async () => {
        const own = act();
        const rep = act({
          consent: {
            by: 'representative',
            method: 'written',
            representative: { name: 'Mme Claire Martin', relation: 'fille, personne de confiance' },
            collectedAt: '2026-11-23T09:00:30.250Z',
            collectedBy: 'ide-dupont',
          },
        });
        // An act recorded before consent was modelled (migration 6): no consent, and it reads back as null.
        const legacy = act({ consent: null });
        for (const a of [own, rep, legacy]) await store.upsertTeleconsultation(a);
        expect(await store.getTeleconsultation(own.sessionId)).toEqual(own);
        expect(await store.getTeleconsultation(rep.sessionId)).toEqual(rep);
        expect((await store.getTeleconsultation(legacy.sessionId))?.consent).toBeNull();
        await store.upsertTeleconsultation({ ...rep, status: 'cancelled', consent: null, outcome: 'cancelled-by-nurse', updatedAt: at(5) });
        const after = await store.getTeleconsultation(rep.sessionId);
        expect(after).toMatchObject({ status: 'cancelled', consent: rep.consent });
        const listed = await store.listTeleconsultations({});
        expect(listed.find((r) => r.sessionId === rep.sessionId)?.consent).toEqual(rep.consent);
        expect(listed.find((r) => r.sessionId === legacy.sessionId)?.consent).toBeNull();
        // The columns refuse values outside the model.
        await expect(db.exec(`UPDATE teleconsultations SET consent_method = 'implied' WHERE consent_by IS NOT NULL`)).rejects.toThrow(
          /check/i,
        );
      });

      it('lists newest first, filtered by carts (ids or patterns), status, patient, specialist and time, with paging', async () => {
        const rows = [
          act({ gatewayId: 'cart-1', createdAt: at(1), status: 'completed', specialistId: 'dr-a' }),
          act({ gatewayId: 'cart-2', createdAt: at(2), status: 'waiting', patientId: 'p-002' }),
          act({ gatewayId: 'home_1', createdAt: at(3), status: 'cancelled' }),
          act({ gatewayId: 'cart-10', createdAt: at(4), status: 'not-done' }),
        ];
        for (const r of rows) await store.upsertTeleconsultation(r);
        const ids = (l: TeleconsultationRecord[]) => l.map((r) => r.gatewayId);
        expect(ids(await store.listTeleconsultations({}))).toEqual(['cart-10', 'home_1', 'cart-2', 'cart-1']);
        expect(ids(await store.listTeleconsultations({ gatewayIds: ['cart-1', 'home_1'] }))).toEqual(['home_1', 'cart-1']);
        expect(ids(await store.listTeleconsultations({ gatewayPatterns: ['cart-*'] }))).toEqual(['cart-10', 'cart-2', 'cart-1']);
        // An exact pattern is exact; `_` is no wildcard; `*` is everything; no pattern, nothing.
        expect(ids(await store.listTeleconsultations({ gatewayPatterns: ['cart-1'] }))).toEqual(['cart-1']);
        expect(ids(await store.listTeleconsultations({ gatewayPatterns: ['home_*', 'CART-*'] }))).toEqual(['home_1']);
        expect(await store.listTeleconsultations({ gatewayPatterns: ['*'] })).toHaveLength(4);
        expect(await store.listTeleconsultations({ gatewayPatterns: [] })).toEqual([]);
        expect(ids(await store.listTeleconsultations({ status: ['waiting', 'not-done'] }))).toEqual(['cart-10', 'cart-2']);
        expect(ids(await store.listTeleconsultations({ patientId: 'p-002' }))).toEqual(['cart-2']);
        expect(ids(await store.listTeleconsultations({ specialistId: 'dr-a' }))).toEqual(['cart-1']);
        expect(ids(await store.listTeleconsultations({ from: new Date(at(2)), to: new Date(at(3)) }))).toEqual(['home_1', 'cart-2']);
        expect(ids(await store.listTeleconsultations({ limit: 2, offset: 1 }))).toEqual(['home_1', 'cart-2']);
      });

      it('appends audit events in order, queries them, and refuses to change or delete one', async () => {
        const sid = randomUUID();
        await store.appendAudit({ at: at(0), actor: 'dr-roux', actorRole: 'specialist', action: 'login' });
        await store.appendAudit({
          at: at(1),
          actor: 'cart-1',
          actorRole: 'gateway',
          action: 'call',
          sessionId: sid,
          gatewayId: 'cart-1',
          patientId: 'p-001',
        });
        await store.appendAudit({
          at: at(2),
          actor: 'dr-roux',
          actorRole: 'specialist',
          action: 'join',
          sessionId: sid,
          gatewayId: 'cart-1',
          patientId: 'p-001',
          detail: 'x',
        });
        const all = await store.listAudit({});
        expect(all.map((e) => e.action)).toEqual(['login', 'call', 'join']);
        expect(all[0]).toMatchObject({
          actor: 'dr-roux',
          actorRole: 'specialist',
          sessionId: null,
          gatewayId: null,
          patientId: null,
          detail: null,
        });
        expect(all[1]?.id).toBeGreaterThan(all[0]?.id ?? Infinity);
        expect(all[2]).toMatchObject({ at: at(2), sessionId: sid, detail: 'x' });
        expect((await store.listAudit({ sessionId: sid })).map((e) => e.action)).toEqual(['call', 'join']);
        expect((await store.listAudit({ actor: 'dr-roux', from: new Date(at(1)) })).map((e) => e.action)).toEqual(['join']);
        expect(await store.listAudit({ gatewayId: 'cart-1', limit: 1, offset: 1 })).toHaveLength(1);
        expect(await store.listAudit({ sessionId: 'nope' })).toEqual([]);
        await expect(db.exec("UPDATE audit_events SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
        await expect(db.exec('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
        expect(await store.listAudit({})).toHaveLength(3);
      });
    });

    it('keeps the relay state of open acts (migration 16): written, read back for waiting and in-progress acts only, cleared', async () => {
      const waiting = act();
      const live = act({ status: 'in-progress', specialistId: 'dr-roux', specialistName: 'Dr Anne Roux', joinedAt: at(1) });
      const done = act({ status: 'completed', endedAt: at(9) });
      for (const a of [waiting, live, done]) await store.upsertTeleconsultation(a);
      expect(await store.openRelayStates()).toEqual(
        new Map([
          [waiting.sessionId, { link: null, lostAt: null, rejoinUntil: null, waitingUntil: null }],
          [live.sessionId, { link: null, lostAt: null, rejoinUntil: null, waitingUntil: null }],
        ]),
      );
      const away = { link: 'reconnecting' as const, lostAt: at(4), rejoinUntil: at(5), waitingUntil: null };
      await store.setRelayState(waiting.sessionId, { link: null, lostAt: null, rejoinUntil: null, waitingUntil: at(15) });
      await store.setRelayState(live.sessionId, away);
      await store.setRelayState(done.sessionId, away);
      // An update of the act's row (a status change) leaves the relay's columns as they are.
      await store.upsertTeleconsultation({ ...live, connectedAt: at(3), updatedAt: at(3) });
      const states = await store.openRelayStates();
      expect(states.get(waiting.sessionId)).toEqual({ link: null, lostAt: null, rejoinUntil: null, waitingUntil: at(15) });
      expect(states.get(live.sessionId)).toEqual(away);
      expect(states.has(done.sessionId)).toBe(false);
      await store.setRelayState(live.sessionId, null);
      expect((await store.openRelayStates()).get(live.sessionId)).toEqual({
        link: null,
        lostAt: null,
        rejoinUntil: null,
        waitingUntil: null,
      });
      // No row: nothing is written, nothing fails.
      await store.setRelayState(randomUUID(), away);
      expect((await store.openRelayStates()).size).toBe(2);
    });

    it('owner leases of acts (migration 23): one of two instances racing wins, renewals, take-over once lapsed, release', async () => {
      const sid = randomUUID();
      const t0 = new Date(Date.UTC(2026, 10, 23, 9, 0));
      const plus = (s: number) => new Date(t0.getTime() + s * 1000);
      const leases = store.actLeases;
      // Both instances see the call at once: exactly one takes it.
      const won = await Promise.all([leases.take(sid, 'A', t0, plus(15)), leases.take(sid, 'B', t0, plus(15))]);
      expect(won.filter(Boolean)).toHaveLength(1);
      const [owner, other] = won[0] ? ['A', 'B'] : ['B', 'A'];
      expect(await leases.list()).toEqual([{ sessionId: sid, owner, until: plus(15) }]);
      // The owner takes it again (a redelivered call) and renews it; the other cannot while it runs.
      expect(await leases.take(sid, owner, plus(1), plus(16))).toBe(true);
      expect(await leases.renew(owner, [sid, randomUUID()], plus(20))).toEqual(new Set([sid]));
      expect(await leases.take(sid, other, plus(19), plus(34))).toBe(false);
      expect(await leases.renew(other, [sid], plus(40))).toEqual(new Set());
      // Lapsed: the other takes it over, and the first one's renewal says it lost it.
      expect(await leases.take(sid, other, plus(20), plus(35))).toBe(true);
      expect(await leases.renew(owner, [sid], plus(40))).toEqual(new Set());
      expect(await leases.list()).toEqual([{ sessionId: sid, owner: other, until: plus(35) }]);
      expect(await leases.get(sid)).toEqual({ sessionId: sid, owner: other, until: plus(35) });
      expect(await leases.get(randomUUID())).toBeNull();
      // A release by whoever does not hold it changes nothing; the holder's frees the act at once.
      await leases.release(owner, [sid]);
      expect(await leases.list()).toHaveLength(1);
      await leases.release(other, [sid]);
      expect(await leases.list()).toEqual([]);
      expect(await leases.take(sid, owner, plus(21), plus(36))).toBe(true);
      // A hand-over: only from the lease as read; a renewal in between makes it fail.
      const seen = { sessionId: sid, owner, until: plus(36) };
      expect(await leases.renew(owner, [sid], plus(37))).toEqual(new Set([sid]));
      expect(await leases.handOver(seen, other, plus(40))).toBe(false);
      expect(await leases.handOver({ ...seen, until: plus(37) }, other, plus(40))).toBe(true);
      expect(await leases.list()).toEqual([{ sessionId: sid, owner: other, until: plus(40) }]);
    });
  });
}
