/**
 * The patient directory part of the store contract (migration 18), run on every CloudStore
 * (SQLite, PostgreSQL) from its test file next to the other suites.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../testing/observations.js';
import type { CloudStore } from './cloud-store.js';
import type { IdentityFields, NewDirectoryPatient } from './directory-records.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const at = (h: number, min = 0) => new Date(Date.UTC(2026, 11, 7, h, min)).toISOString();
const NIR_A = '295109912611193';
const NIR_B = '253072A07300443';
const OID = '1.2.250.1.213.1.4.8';

function patient(id: string, over: Partial<IdentityFields> = {}): NewDirectoryPatient {
  return {
    id,
    family: 'MARTIN',
    given: 'Jeanne',
    birthDate: '1938-04-02',
    ins: null,
    insOid: null,
    identityStatus: 'provisional',
    by: 'dr-roux',
    at: at(8),
    ...over,
  };
}

export function directoryStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: patient directory`, () => {
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

    it('keeps the referring GP of a patient (migration 27): set, changed, removed', async () => {
      await store.createDirectoryPatient(patient('p-gp'));
      expect(await store.referringGps.get('p-gp')).toBeNull();
      const gp = { name: 'Dr Anne Leroy', rpps: '10003456786', email: 'a.leroy@cabinet.example' };
      expect(await store.referringGps.set('p-gp', gp, 'admin-a', at(9))).toEqual({ ...gp, updatedAt: at(9), updatedBy: 'admin-a' });
      await store.referringGps.set('p-gp', { ...gp, rpps: null, email: 'secretariat@cabinet.example' }, 'admin-b', at(10));
      expect(await store.referringGps.get('p-gp')).toEqual({
        name: 'Dr Anne Leroy',
        rpps: null,
        email: 'secretariat@cabinet.example',
        updatedAt: at(10),
        updatedBy: 'admin-b',
      });
      // Only a patient the directory has.
      await expect(store.referringGps.set('p-none', gp, 'admin-a', at(9))).rejects.toThrow();
      expect(await store.referringGps.set('p-gp', null, 'admin-a', at(11))).toBeNull();
      expect(await store.referringGps.get('p-gp')).toBeNull();
    });

    it("reads several patients' referring GPs at once (a FHIR search's page), each as get() reads it", async () => {
      for (const id of ['p-g1', 'p-g2', 'p-g3']) await store.createDirectoryPatient(patient(id));
      await store.referringGps.set('p-g1', { name: 'Dr Anne Leroy', rpps: '10003456786', email: null }, 'admin-a', at(9));
      await store.referringGps.set(
        'p-g3',
        { name: 'Dr Paul Marchand', rpps: null, email: 'p.marchand@cabinet.example' },
        'admin-b',
        at(10),
      );
      const many = await store.referringGps.getMany(['p-g1', 'p-g2', 'p-g3', 'p-g1', 'p-unknown']);
      expect([...many.keys()].sort()).toEqual(['p-g1', 'p-g3']);
      expect(many.get('p-g1')).toEqual(await store.referringGps.get('p-g1'));
      expect(many.get('p-g3')).toEqual(await store.referringGps.get('p-g3'));
      expect((await store.referringGps.getMany([])).size).toBe(0);
    });

    it("keeps the patient's own contact (migration 32): set, seeded, removed without the seed coming back", async () => {
      await store.createDirectoryPatient(patient('p-ct'));
      await store.createDirectoryPatient(patient('p-ct2'));
      expect(await store.patientContacts.get('p-ct')).toBeNull();
      // The configuration's seed: written while no one changed it, and follows the file's edits.
      const seed = (email: string, when: string) => store.patientContacts.seed([{ patientId: 'p-ct', email, phone: null }], when);
      expect(await seed('jeanne@example.org', at(8))).toBe(1);
      expect(await seed('jeanne@example.org', at(8, 5))).toBe(0);
      expect(await seed('j.martin@example.org', at(8, 10))).toBe(1);
      expect(await store.patientContacts.get('p-ct')).toEqual({
        email: 'j.martin@example.org',
        phone: null,
        updatedAt: at(8, 10),
        updatedBy: 'configuration',
      });
      const set = { email: 'jeanne.martin@example.org', phone: '+33612345678' };
      expect(await store.patientContacts.set('p-ct', set, 'admin-a', at(9))).toEqual({ ...set, updatedAt: at(9), updatedBy: 'admin-a' });
      // Changed by someone: the seed no longer writes it.
      expect(await seed('old@example.org', at(10))).toBe(0);
      expect(await store.patientContacts.get('p-ct')).toMatchObject(set);
      // Several in one statement: a new one written, one changed by someone left.
      expect(
        await store.patientContacts.seed(
          [
            { patientId: 'p-ct2', email: 'louis@example.org', phone: null },
            { patientId: 'p-ct', email: 'other@example.org', phone: null },
          ],
          at(9),
        ),
      ).toBe(1);
      await store.patientContacts.set('p-ct2', { email: null, phone: '+33798765432' }, 'admin-b', at(9));
      const both = await store.patientContacts.getMany(['p-ct', 'p-ct2', 'p-none']);
      expect([...both.keys()].sort()).toEqual(['p-ct', 'p-ct2']);
      // With the names that greet the patient.
      expect(both.get('p-ct2')).toEqual({
        email: null,
        phone: '+33798765432',
        updatedAt: at(9),
        updatedBy: 'admin-b',
        family: 'MARTIN',
        given: 'Jeanne',
      });
      expect((await store.patientContacts.getMany([])).size).toBe(0);
      // Removed: the row stays with nothing in it, and the seed does not bring the old one back.
      await store.patientContacts.set('p-ct', { email: null, phone: null }, 'admin-a', at(11));
      expect(await seed('j.martin@example.org', at(12))).toBe(0);
      expect(await store.patientContacts.get('p-ct')).toEqual({ email: null, phone: null, updatedAt: at(11), updatedBy: 'admin-a' });
      // Only a patient the directory has.
      await expect(store.patientContacts.set('p-none', set, 'admin-a', at(9))).rejects.toThrow();
    });

    it("keeps a cart's device-user mappings (migration 29): set, moved to another patient, removed, per cart", async () => {
      await store.createDirectoryPatient(patient('p-du1'));
      await store.createDirectoryPatient(patient('p-du2'));
      expect(await store.deviceUsers.list('cart-du')).toEqual([]);
      const scale = { gatewayId: 'cart-du', deviceId: 'ble:C4:7C:8D:6A:00:02', userIndex: 2 };
      expect(await store.deviceUsers.set(scale, 'p-du1', 'admin-a', at(9))).toEqual({
        ...scale,
        patientId: 'p-du1',
        setAt: at(9),
        setBy: 'admin-a',
      });
      await store.deviceUsers.set({ ...scale, userIndex: 1 }, 'p-du2', 'admin-a', at(9));
      await store.deviceUsers.set({ ...scale, gatewayId: 'cart-other' }, 'p-du2', 'admin-a', at(9));
      // The same user given to another patient replaces the mapping.
      await store.deviceUsers.set(scale, 'p-du2', 'admin-b', at(10));
      expect(await store.deviceUsers.list('cart-du')).toEqual([
        { ...scale, userIndex: 1, patientId: 'p-du2', setAt: at(9), setBy: 'admin-a' },
        { ...scale, patientId: 'p-du2', setAt: at(10), setBy: 'admin-b' },
      ]);
      // Only a patient the directory has; the user index a device can put on a reading (0–254).
      await expect(store.deviceUsers.set(scale, 'p-none', 'admin-a', at(11))).rejects.toThrow();
      await expect(store.deviceUsers.set({ ...scale, userIndex: 255 }, 'p-du1', 'admin-a', at(11))).rejects.toThrow();
      expect(await store.deviceUsers.set(scale, null, 'admin-a', at(11))).toBeNull();
      expect((await store.deviceUsers.list('cart-du')).map((m) => m.userIndex)).toEqual([1]);
      expect((await store.deviceUsers.list('cart-other')).map((m) => m.patientId)).toEqual(['p-du2']);
    });

    it('creates, admits, transfers and discharges a patient, each movement with who and when', async () => {
      const created = await store.createDirectoryPatient(patient('p-1', { ins: NIR_A, insOid: OID, identityStatus: 'qualified' }));
      expect(created).toMatchObject({ ok: true, carts: [] });
      expect(await store.createDirectoryPatient(patient('p-1'))).toMatchObject({ ok: false, error: 'conflict' });

      const admitted = await store.admitPatient({
        patientId: 'p-1',
        gatewayId: 'cart-a',
        siteId: 'ehpad-1',
        localId: 'r12',
        by: 'dr-roux',
        at: at(9),
      });
      expect(admitted).toMatchObject({ ok: true, carts: ['cart-a'] });
      expect(await store.getDirectoryPatient('p-1')).toEqual({
        id: 'p-1',
        family: 'MARTIN',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        ins: NIR_A,
        insOid: OID,
        identityStatus: 'qualified',
        siteId: 'ehpad-1',
        gatewayId: 'cart-a',
        localId: 'r12',
        admittedAt: at(9),
        dischargedAt: null,
        mergedInto: null,
      });
      // The cart's readings of "r12" are now stored under p-1: the ingest's own lookup.
      expect(await store.servedPatients('cart-a', ['r12'])).toEqual(new Map([['r12', 'p-1']]));
      expect((await store.cartPatients('cart-a')).map((p) => [p.localId, p.id])).toEqual([['r12', 'p-1']]);
      expect(await store.admitPatient({ patientId: 'p-1', gatewayId: 'cart-b', siteId: null, by: 'x', at: at(9) })).toMatchObject({
        ok: false,
        error: 'refused',
        message: 'p-1 is already on cart-a: transfer it instead',
      });

      const moved = await store.transferPatient({ patientId: 'p-1', gatewayId: 'cart-b', siteId: 'ehpad-2', by: 'dr-roux', at: at(10) });
      expect(moved).toMatchObject({
        ok: true,
        carts: ['cart-a', 'cart-b'],
        patient: { gatewayId: 'cart-b', localId: 'r12', siteId: 'ehpad-2' },
      });
      expect(await store.cartPatients('cart-a')).toEqual([]);
      expect((await store.cartPatients('cart-b')).map((p) => p.id)).toEqual(['p-1']);
      expect(await store.servedPatients('cart-a', ['r12'])).toEqual(new Map());
      expect(await store.patientGateways('p-1')).toEqual(['cart-b']);

      const out = await store.dischargePatient('p-1', 'dr-roux', at(11), 'retour à domicile');
      expect(out).toMatchObject({ ok: true, carts: ['cart-b'], patient: { gatewayId: null, dischargedAt: at(11) } });
      expect(await store.cartPatients('cart-b')).toEqual([]);
      expect(await store.dischargePatient('p-1', 'dr-roux', at(11), null)).toMatchObject({ ok: false, error: 'refused' });

      const history = await store.patientMovements('p-1');
      expect(history.map((m) => [m.kind, m.by, m.at, m.fromGateway, m.toGateway])).toEqual([
        ['create', 'dr-roux', at(8), null, null],
        ['admit', 'dr-roux', at(9), null, 'cart-a'],
        ['transfer', 'dr-roux', at(10), 'cart-a', 'cart-b'],
        ['discharge', 'dr-roux', at(11), 'cart-b', null],
      ]);
      expect(history[3]?.detail).toBe('retour à domicile');
    });

    it("refuses a cart's local id another patient holds, and changes nothing", async () => {
      await store.createDirectoryPatient(patient('p-1'));
      await store.createDirectoryPatient(patient('p-2', { family: 'LEROY' }));
      await store.admitPatient({ patientId: 'p-1', gatewayId: 'cart-a', siteId: null, localId: 'r1', by: 'x', at: at(9) });
      const r = await store.admitPatient({ patientId: 'p-2', gatewayId: 'cart-a', siteId: null, localId: 'r1', by: 'x', at: at(9) });
      expect(r).toMatchObject({ ok: false, error: 'conflict', message: 'cart-a already calls p-1 "r1": give another local id' });
      expect((await store.getDirectoryPatient('p-2'))?.gatewayId).toBeNull();
      expect(await store.patientMovements('p-2')).toHaveLength(1);
    });

    it('updates the identity; lists likely duplicates by INS or by names and birth date', async () => {
      await store.createDirectoryPatient(patient('p-1'));
      await store.createDirectoryPatient(patient('p-2', { family: 'Martin', given: 'JEANNE' }));
      await store.createDirectoryPatient(patient('p-3', { family: 'LEROY', given: 'Anne', ins: NIR_B, insOid: OID }));
      await store.createDirectoryPatient(
        patient('p-4', { family: 'LEROY', given: 'Annie', birthDate: '1940-01-01', ins: NIR_B, insOid: OID }),
      );
      await store.createDirectoryPatient(patient('p-5', { family: 'DUBOIS', given: 'Paul' }));
      expect(await store.likelyDuplicates()).toEqual([
        { a: 'p-1', b: 'p-2', reason: 'same-name-birth-date' },
        { a: 'p-3', b: 'p-4', reason: 'same-ins' },
      ]);
      const r = await store.updateDirectoryPatient(
        'p-5',
        { family: 'DUBOIS', given: 'Paul', birthDate: '1941-02-03', ins: NIR_A, insOid: OID, identityStatus: 'validated' },
        'dr-roux',
        at(12),
      );
      expect(r).toMatchObject({ ok: true, patient: { birthDate: '1941-02-03', ins: NIR_A, identityStatus: 'validated' } });
      expect((await store.patientMovements('p-5')).map((m) => m.kind)).toEqual(['create', 'update']);
      expect(await store.updateDirectoryPatient('nobody', { ...patient('x') }, 'x', at(12))).toMatchObject({
        ok: false,
        error: 'not-found',
      });
    });

    it('merges a duplicate: its readings, alerts and cart link go to the survivor, the duplicate stays as merged', async () => {
      await store.createDirectoryPatient(patient('p-1', { ins: NIR_A, insOid: OID, identityStatus: 'qualified' }));
      await store.createDirectoryPatient(patient('p-2'));
      await store.admitPatient({ patientId: 'p-1', gatewayId: 'cart-a', siteId: null, by: 'x', at: at(9) });
      await store.admitPatient({ patientId: 'p-2', gatewayId: 'cart-b', siteId: null, by: 'x', at: at(9) });
      await store.storeBatch(batchOf([reading('pulse', { seq: 1, patientId: 'p-2', gatewayId: 'cart-b' })]));
      await store.storeBatch(batchOf([reading('pulse', { seq: 1, patientId: 'p-1', gatewayId: 'cart-a' })]));
      const trigger = (patientId: string, rule: string) => ({
        patientId,
        rule,
        severity: 'warning' as const,
        at: new Date(at(9, 30)),
        observationIds: [],
        textKey: 'alert.test',
        values: {},
      });
      // The same rule open on both (p-2's is resolved by the merge), another only on the duplicate.
      await store.upsertOpenAlert(trigger('p-1', 'pulse-high'));
      await store.upsertOpenAlert(trigger('p-2', 'pulse-high'));
      await store.upsertOpenAlert(trigger('p-2', 'spo2-low'));

      const r = await store.mergePatients('p-1', 'p-2', 'dr-roux', at(10));
      expect(r).toMatchObject({ ok: true, carts: ['cart-a', 'cart-b'], patient: { id: 'p-1', gatewayId: 'cart-a' } });
      expect(await store.getDirectoryPatient('p-2')).toMatchObject({ mergedInto: 'p-1', gatewayId: null });
      expect(await store.countObservations({ patientId: 'p-1' })).toBe(2);
      expect(await store.countObservations({ patientId: 'p-2' })).toBe(0);
      const alerts = (await store.listAlerts({ patientId: 'p-1' })).alerts;
      expect(alerts.map((a) => [a.rule, a.status]).sort()).toEqual([
        ['pulse-high', 'open'],
        ['pulse-high', 'resolved'],
        ['spo2-low', 'open'],
      ]);
      expect(await store.cartPatients('cart-b')).toEqual([]);
      expect(await store.likelyDuplicates()).toEqual([]);
      expect((await store.patientMovements('p-2')).map((m) => [m.kind, m.otherPatientId])).toEqual([
        ['create', null],
        ['admit', null],
        ['merge', 'p-1'],
      ]);
      expect(await store.mergePatients('p-1', 'p-2', 'dr-roux', at(11))).toMatchObject({
        ok: false,
        error: 'refused',
        message: 'p-2 was already merged into p-1',
      });
    });

    it("moves the duplicate's enrolments to the survivor, or refuses the merge when both are enrolled in one programme over the same days", async () => {
      await store.createDirectoryPatient(patient('p-1'));
      await store.createDirectoryPatient(patient('p-2'));
      await store.createDirectoryPatient(patient('p-3'));
      const enrol = async (patientId: string, programme: 'heart-failure' | 'hypertension', start: string, end: string | null) => {
        const r = await store.enrol({
          patientId,
          programme,
          start,
          end,
          prescriber: null,
          consent: null,
          thresholds: null,
          createdBy: 'dr-roux',
        });
        if (r.outcome !== 'enrolled') throw new Error(`not enrolled: ${r.outcome}`);
        return r.enrolment.id;
      };
      const hf1 = await enrol('p-1', 'heart-failure', '2026-11-01T00:00:00.000Z', null);
      // p-2: an ended heart-failure enrolment before p-1's, and a hypertension one: both move.
      const hf2 = await enrol('p-2', 'heart-failure', '2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z');
      const bp2 = await enrol('p-2', 'hypertension', '2026-11-15T00:00:00.000Z', null);
      // p-3: heart failure over p-1's days: which prescription stands is the prescriber's call.
      const hf3 = await enrol('p-3', 'heart-failure', '2026-11-20T00:00:00.000Z', null);

      const refused = await store.mergePatients('p-1', 'p-3', 'dr-roux', at(10));
      expect(refused).toEqual({
        ok: false,
        error: 'conflict',
        message: `p-3 and p-1 are both enrolled in heart-failure over the same days (enrolments ${hf3} and ${hf1}): end one of them, then merge`,
      });
      expect(await store.getDirectoryPatient('p-3')).toMatchObject({ mergedInto: null });
      expect((await store.patientEnrolments('p-3')).map((e) => e.id)).toEqual([hf3]);

      expect(await store.mergePatients('p-1', 'p-2', 'dr-roux', at(10))).toMatchObject({ ok: true });
      expect((await store.patientEnrolments('p-1')).map((e) => e.id).sort()).toEqual([hf1, hf2, bp2].sort());
      expect(await store.patientEnrolments('p-2')).toEqual([]);
      const merge = (await store.patientMovements('p-1')).find((m) => m.kind === 'merge');
      expect(merge?.detail).toBe(`p-2 merged into this one (enrolments moved: ${[hf2, bp2].sort().join(', ')})`);
    });

    it("gives the survivor of a merge the duplicate's contact only when it has none (migration 32)", async () => {
      for (const id of ['p-s1', 'p-d1', 'p-s2', 'p-d2']) await store.createDirectoryPatient(patient(id));
      await store.patientContacts.set('p-d1', { email: 'rose@example.org', phone: '+33612345678' }, 'admin-a', at(9));
      expect((await store.mergePatients('p-s1', 'p-d1', 'admin-b', at(10))).ok).toBe(true);
      expect(await store.patientContacts.get('p-s1')).toEqual({
        email: 'rose@example.org',
        phone: '+33612345678',
        updatedAt: at(10),
        updatedBy: 'admin-b',
      });
      // The survivor's own contact is kept.
      await store.patientContacts.set('p-s2', { email: null, phone: '+33798765432' }, 'admin-a', at(9));
      await store.patientContacts.set('p-d2', { email: 'other@example.org', phone: null }, 'admin-a', at(9));
      expect((await store.mergePatients('p-s2', 'p-d2', 'admin-b', at(10))).ok).toBe(true);
      expect(await store.patientContacts.get('p-s2')).toMatchObject({ email: null, phone: '+33798765432', updatedBy: 'admin-a' });
    });

    it('refuses to merge two patients with different qualified INS, and changes nothing', async () => {
      await store.createDirectoryPatient(patient('p-1', { ins: NIR_A, insOid: OID, identityStatus: 'qualified' }));
      await store.createDirectoryPatient(patient('p-2', { ins: NIR_B, insOid: OID, identityStatus: 'qualified' }));
      await store.storeBatch(batchOf([reading('pulse', { seq: 1, patientId: 'p-2' })]));
      const r = await store.mergePatients('p-1', 'p-2', 'dr-roux', at(10));
      expect(r).toEqual({
        ok: false,
        error: 'refused',
        message: `p-1 and p-2 have different qualified INS (${NIR_A}, ${NIR_B}): two people, not duplicates`,
      });
      expect(await store.getDirectoryPatient('p-2')).toMatchObject({ mergedInto: null });
      expect(await store.countObservations({ patientId: 'p-2' })).toBe(1);
      // A provisional INS does not prove two people: that merge is allowed (the survivor keeps its own INS).
      await store.updateDirectoryPatient('p-2', { ...patient('p-2'), ins: NIR_B, insOid: OID, identityStatus: 'provisional' }, 'x', at(11));
      expect(await store.mergePatients('p-1', 'p-2', 'dr-roux', at(12))).toMatchObject({ ok: true, patient: { ins: NIR_A } });
    });
  });
}
