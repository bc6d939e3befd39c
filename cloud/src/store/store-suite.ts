/**
 * The one test suite every CloudStore implementation passes (SQLite, PostgreSQL): call
 * `cloudStoreSuite(harness)` from a store's test file. Each test gets a fresh empty database.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Observation } from '@telecart/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { type AlertTrigger, type CloudStore, MAX_PAGE_SIZE } from './cloud-store.js';

export interface StoreTestDatabase {
  /** A new store (its own connection or pool) on this database: several of them are concurrent writers. */
  open(): Promise<CloudStore>;
  /** Runs SQL both dialects accept, outside any store. */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export interface StoreHarness {
  name: string;
  fresh(): Promise<StoreTestDatabase>;
}

/**
 * Wraps a store test file's harness (call it at the file's top level) so that every test of the file
 * checks it opened at most one fresh database: a suite whose hooks sit outside its describe runs them
 * before every test of the file, every suite's (six migrated databases a test instead of one).
 */
export function oneDatabasePerTest(harness: StoreHarness): StoreHarness {
  let opened = 0;
  beforeEach(() => {
    opened = 0;
  });
  afterEach(() => {
    expect(opened, 'fresh databases this test opened (a suite with its hooks outside its describe?)').toBeLessThanOrEqual(1);
  });
  return {
    name: harness.name,
    fresh: () => {
      opened++;
      return harness.fresh();
    },
  };
}

/** A reading carrying a recording: an attachment near the protocol's 3 MB base64 limit and a waveform. */
function bigReading(seq: number): Observation {
  const bytes = randomBytes(2_240_000);
  const samples = Array.from({ length: 250_000 }, (_, i) => String((i * 37) % 2048)).join(' ');
  return {
    ...reading('pulse', { seq }),
    attachment: {
      contentType: 'audio/flac',
      data: bytes.toString('base64'),
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      durationMs: 30_000,
      sampleRateHz: 4000,
    },
    sampledData: {
      origin: { value: 0, unit: 'mV' },
      periodMs: 2,
      factor: 0.005,
      dimensions: 1,
      channels: ['II'],
      data: samples.slice(0, 1_999_000),
    },
    segment: { recordingId: randomUUID(), index: seq, last: false },
  };
}

export function cloudStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: readings, patients, alerts`, () => {
    let db: StoreTestDatabase;
    let store: CloudStore;
    const extra: CloudStore[] = [];
    /** Another connection to the same database, closed after the test. */
    const connect = async () => {
      const s = await db.open();
      extra.push(s);
      return s;
    };

    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await Promise.all([store, ...extra.splice(0)].map((s) => s.close()));
      await db.drop();
    });

    describe(`${harness.name}: storeBatch`, () => {
      it('stores a batch once; the same batch again is all duplicates', async () => {
        const batch = batchOf([reading('pulse', { seq: 1 }), reading('spo2', { seq: 2 })]);
        const first = await store.storeBatch(batch);
        expect(first).toMatchObject({ storedSeqs: [1, 2], duplicates: 0, rejected: [] });
        expect(first.inserted.map((o) => o.seq)).toEqual([1, 2]);

        const again = await store.storeBatch(batch);
        expect(again).toMatchObject({ storedSeqs: [1, 2], duplicates: 2, rejected: [], inserted: [] });
        expect(await store.countObservations({})).toBe(2);
      });

      it('treats a known content key under a new id and seq as a duplicate, stored once', async () => {
        await store.storeBatch(batchOf([reading('weight', { seq: 1, contentKey: 'ble:scale|rec:17|29463-7' })]));
        const reread = await store.storeBatch(batchOf([reading('weight', { seq: 2, contentKey: 'ble:scale|rec:17|29463-7' })]));
        expect(reread).toMatchObject({ storedSeqs: [2], duplicates: 1, rejected: [], inserted: [] });
        expect(await store.countObservations({})).toBe(1);
      });

      it('rejects the same gateway seq under another id, and an id reused with another seq', async () => {
        const original = reading('pulse', { seq: 5 });
        await store.storeBatch(batchOf([original]));
        const r = await store.storeBatch(batchOf([reading('pulse', { seq: 5 }), { ...original, seq: 6 }, reading('spo2', { seq: 7 })]));
        expect(r.storedSeqs).toEqual([7]);
        expect(r.rejected).toEqual([
          { seq: 5, reason: expect.stringMatching(/seq 5 is already stored under another id/) },
          { seq: 6, reason: expect.stringMatching(/already stored as gateway cart-1 seq 5/) },
        ]);
        expect(await store.countObservations({})).toBe(2);
      });

      it('decides readings that collide inside one batch as a one-by-one loop would', async () => {
        const a = reading('weight', { seq: 1, contentKey: 'K' });
        const e = reading('weight', { seq: 4, contentKey: 'K2' });
        const r = await store.storeBatch(
          batchOf([
            a,
            reading('weight', { seq: 2, contentKey: 'K' }), // same content key as a: duplicate
            reading('pulse', { seq: 1 }), // a's seq under another id
            a, // a again: duplicate
            { ...a, seq: 3, contentKey: undefined }, // a's id with another seq
            e,
          ]),
        );
        expect(r.storedSeqs).toEqual([1, 2, 1, 4]);
        expect(r.duplicates).toBe(2);
        expect(r.rejected).toEqual([
          { seq: 1, reason: `seq 1 is already stored under another id (${a.id})` },
          { seq: 3, reason: `id ${a.id} is already stored as gateway cart-1 seq 1` },
        ]);
        expect(r.inserted).toEqual([a, e]);

        // f is a duplicate (content key K is stored), so g, sharing only f's id, is new.
        const f = reading('weight', { seq: 10, contentKey: 'K' });
        const g = { ...reading('pulse', { seq: 11 }), id: f.id };
        const r2 = await store.storeBatch(batchOf([f, g]));
        expect(r2).toMatchObject({ storedSeqs: [10, 11], duplicates: 1, rejected: [] });
        expect(r2.inserted).toEqual([g]);
        expect(await store.countObservations({})).toBe(3);
      });

      it('storeIntake: one round decides each batch as storeBatch would, in order, with the statuses', async () => {
        const b1 = batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-2' }), reading('spo2', { seq: 2, gatewayId: 'cart-2' })]);
        const b2 = batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-1' })]);
        const reread = batchOf([reading('pulse', { seq: 3, gatewayId: 'cart-2' }), b1.observations[1] as Observation]);
        const results = await store.storeIntake([b1, b2, b1, reread], [statusOf('cart-1', true), statusOf('cart-2', false, 7)]);
        expect(results.map((r) => [r.storedSeqs, r.duplicates, r.rejected.length, r.inserted.length])).toEqual([
          [[1, 2], 0, 0, 2],
          [[1], 0, 0, 1],
          [[1, 2], 2, 0, 0], // the same batch later in the round: all duplicates
          [[3, 2], 1, 0, 1],
        ]);
        expect(await store.countObservations({})).toBe(4);
        const gws = new Map((await store.listGateways()).map((g) => [g.gatewayId, g]));
        expect(gws.get('cart-1')).toMatchObject({ online: true });
        expect(gws.get('cart-2')).toMatchObject({ online: false, backlog: { readings: 7 } });
        expect(gws.get('cart-2')?.lastBatchAt).not.toBeNull();
      });

      it('keeps seqs per gateway: two gateways may both send seq 1', async () => {
        await store.storeBatch(batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-1' })]));
        const r = await store.storeBatch(batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-2' })]));
        expect(r.rejected).toEqual([]);
        expect(await store.countObservations({})).toBe(2);
      });

      it('stores one row when several workers store the same batch at once', async () => {
        const workers = [store, ...(await Promise.all([connect(), connect(), connect()]))];
        const batch = batchOf(Array.from({ length: 300 }, (_, i) => reading('pulse', { seq: i + 1 })));
        const results = await Promise.all(workers.map((w) => w.storeBatch(batch)));
        const seqs = batch.observations.map((o) => o.seq);
        for (const r of results) {
          expect(r.storedSeqs).toEqual(seqs);
          expect(r.rejected).toEqual([]);
          expect(r.inserted.length + r.duplicates).toBe(300);
        }
        expect(results.reduce((n, r) => n + r.inserted.length, 0)).toBe(300);
        expect(await store.countObservations({})).toBe(300);
      });

      it('stores each reading once when workers store overlapping, differently ordered batches at once', async () => {
        const workers = [store, ...(await Promise.all([connect(), connect(), connect()]))];
        const pool = Array.from({ length: 300 }, (_, i) => reading('weight', { seq: i + 1, contentKey: `rec:${i}` }));
        // A deterministic shuffle per worker and round: each takes 200 of the 300 in its own order.
        const pick = (salt: number) =>
          pool
            .map((o, i) => ({ o, k: (i * 7919 + salt * 104_729) % 300 }))
            .sort((a, b) => a.k - b.k)
            .slice(0, 200)
            .map((x) => x.o);
        let inserted = 0;
        for (const round of [1, 2]) {
          const results = await Promise.all(workers.map((w, i) => w.storeBatch(batchOf(pick(round * 10 + i)))));
          for (const r of results) {
            expect(r.rejected).toEqual([]);
            expect(r.storedSeqs).toHaveLength(200);
            inserted += r.inserted.length;
          }
        }
        expect(await store.countObservations({})).toBe(inserted);
        expect(inserted).toBeLessThanOrEqual(300);
      });

      it('stores one row per content key when workers store re-reads of the same records at once', async () => {
        const workers = [store, ...(await Promise.all([connect(), connect(), connect()]))];
        const batches = workers.map((_, w) =>
          batchOf(
            Array.from({ length: 150 }, (_, i) =>
              reading('weight', { seq: i + 1, gatewayId: `cart-${w + 1}`, contentKey: `ble:scale|rec:${i}|29463-7` }),
            ),
          ),
        );
        const results = await Promise.all(workers.map((w, i) => w.storeBatch(batches[i] ?? batchOf([]))));
        for (const r of results) {
          expect(r.storedSeqs).toHaveLength(150);
          expect(r.rejected).toEqual([]);
        }
        expect(results.reduce((n, r) => n + r.inserted.length, 0)).toBe(150);
        expect(await store.countObservations({})).toBe(150);
        expect((await store.listGateways()).map((g) => g.gatewayId)).toEqual(['cart-1', 'cart-2', 'cart-3', 'cart-4']);
      });

      it('keeps recordings whole: ~3 MB base64 attachments and long waveforms', async () => {
        const big = [bigReading(1), bigReading(2)];
        const r = await store.storeBatch(batchOf(big));
        expect(r.inserted).toHaveLength(2);
        const back = await store.getObservation(big[1]?.id ?? '');
        expect(back).toEqual(big[1]);
        expect(back?.attachment?.data).toHaveLength(big[1]?.attachment?.data.length ?? -1);
        expect((await store.getObservations({ limit: 10 })).map((o) => o.attachment?.sha256).sort()).toEqual(
          big.map((o) => o.attachment?.sha256).sort(),
        );
        expect(await store.storeBatch(batchOf(big))).toMatchObject({ duplicates: 2, inserted: [] });
      });

      it('creates patients of inserted readings only, and learns an INS without overwriting one', async () => {
        await store.storeBatch(batchOf([reading('weight', { seq: 1, contentKey: 'K', patientId: 'p-a' })]));
        await store.storeBatch(
          batchOf([
            reading('weight', { seq: 2, contentKey: 'K', patientId: 'p-ghost' }), // duplicate: no patient
            reading('pulse', { seq: 3, patientId: 'p-b' }),
            {
              ...reading('pulse', { seq: 4, patientId: 'p-b' }),
              patient: { id: 'p-b', ins: '180017510812345', insOid: '1.2.250.1.213.1.4.8', assignment: 'home-kit' },
            },
            {
              ...reading('pulse', { seq: 5, patientId: 'p-b' }),
              patient: { id: 'p-b', ins: '299999999999999', assignment: 'home-kit' },
            },
          ]),
        );
        expect((await store.listPatients()).map((p) => [p.id, p.ins, p.insOid])).toEqual([
          ['p-a', null, null],
          ['p-b', '180017510812345', '1.2.250.1.213.1.4.8'],
        ]);
        expect(await store.getPatient('p-ghost')).toBeNull();
      });

      it('assigns patients to gateways from the configuration only: readings never link, a new list replaces the old', async () => {
        const from = (gatewayId: string, obs: Observation[]) =>
          batchOf(
            obs.map((o) => ({ ...o, gatewayId })),
            { gatewayId },
          );
        await store.upsertPatients([
          { id: 'p-a', family: 'A', given: 'A', gateways: ['gw-1'] },
          { id: 'p-home', family: 'H', given: 'H', gateways: ['kit-9', 'kit-9', 'kit-1'] },
        ]);
        await store.storeBatch(from('gw-2', [reading('weight', { seq: 1, patientId: 'p-a' })]));
        await store.storeBatch(from('gw-2', [reading('pulse', { seq: 2, patientId: 'p-b' })]));
        expect(await store.patientGateways('p-a')).toEqual(['gw-1']);
        expect(await store.patientGateways('p-b')).toEqual([]);
        expect(await store.patientGateways('p-none')).toEqual([]);
        expect(await store.patientGateways('p-home')).toEqual(['kit-1', 'kit-9']);
        expect([...(await store.servedPatients('gw-1', ['p-a', 'p-b', 'p-home', 'p-none']))]).toEqual([['p-a', 'p-a']]);
        expect([...(await store.servedPatients('gw-2', ['p-a', 'p-b']))]).toEqual([]);
        expect([...(await store.servedPatients('kit-9', ['p-home']))]).toEqual([['p-home', 'p-home']]);
        expect((await store.servedPatients('kit-9', [])).size).toBe(0);
        // The configuration changed: the kit-1 link goes, and a patient with no list is served by none.
        await store.upsertPatients([
          { id: 'p-home', family: 'H', given: 'H', gateways: ['kit-9'] },
          { id: 'p-a', family: 'A', given: 'A' },
        ]);
        expect(await store.patientGateways('p-home')).toEqual(['kit-9']);
        expect((await store.servedPatients('kit-1', ['p-home'])).size).toBe(0);
        expect(await store.patientGateways('p-a')).toEqual([]);
        expect((await store.servedPatients('gw-1', ['p-a'])).size).toBe(0);
      });

      it("maps each gateway's local ids to the cloud's patients: two sites' r12 stay two patients", async () => {
        await store.upsertPatients([
          { id: 'site-a-r12', localId: 'r12', family: 'MARTIN', given: 'Jeanne', gateways: ['cart-a1', 'cart-a2'] },
          { id: 'site-b-r12', localId: 'r12', family: 'DUBOIS', given: 'Henri', gateways: ['cart-b1'] },
          { id: 'b-7', family: 'PETIT', given: 'Louis', gateways: ['cart-b1'] },
        ]);
        expect([...(await store.servedPatients('cart-a1', ['r12', 'b-7', 'site-a-r12']))]).toEqual([['r12', 'site-a-r12']]);
        expect([...(await store.servedPatients('cart-a2', ['r12']))]).toEqual([['r12', 'site-a-r12']]);
        expect(new Map(await store.servedPatients('cart-b1', ['r12', 'b-7', 'site-a-r12']))).toEqual(
          new Map([
            ['r12', 'site-b-r12'],
            ['b-7', 'b-7'],
          ]),
        );
        expect(await store.patientGateways('site-a-r12')).toEqual(['cart-a1', 'cart-a2']);
        // A cart's whole list (its day's documents): its own local ids only.
        expect([...(await store.patientsServedBy('cart-b1'))]).toEqual([
          ['b-7', 'b-7'],
          ['r12', 'site-b-r12'],
        ]);
        expect([...(await store.patientsServedBy('cart-a2'))]).toEqual([['r12', 'site-a-r12']]);
        expect((await store.patientsServedBy('cart-none')).size).toBe(0);
        expect(await store.patientGateways('site-b-r12')).toEqual(['cart-b1']);
        expect(await store.patientGateways('r12')).toEqual([]);
        // The configuration gives cart-b1's r12 to another patient: the old one loses it, nobody has it twice.
        await store.upsertPatients([{ id: 'site-b-r12-new', localId: 'r12', family: 'LEROY', given: 'Anne', gateways: ['cart-b1'] }]);
        expect([...(await store.servedPatients('cart-b1', ['r12']))]).toEqual([['r12', 'site-b-r12-new']]);
        expect(await store.patientGateways('site-b-r12')).toEqual([]);
        expect([...(await store.servedPatients('cart-a1', ['r12']))]).toEqual([['r12', 'site-a-r12']]);
        // One call giving one gateway's local id to two patients is refused whole, never a silent pick.
        await expect(
          store.upsertPatients([
            { id: 'x-1', localId: 'r99', family: 'X', given: 'Un', gateways: ['cart-a1'] },
            { id: 'x-2', localId: 'r99', family: 'X', given: 'Deux', gateways: ['cart-a1'] },
          ]),
        ).rejects.toThrow();
        expect(await store.getPatient('x-1')).toBeNull();
        expect((await store.servedPatients('cart-a1', ['r99'])).size).toBe(0);
      });

      it('keeps clinician logins by token hash across reopen, forgets logged-out and expired ones', async () => {
        const at = new Date('2026-11-23T08:00:00Z');
        const h = (i: number) => createHash('sha256').update(`token-${i}`).digest('base64url');
        await store.saveLogin({ tokenSha256: h(1), specialistId: 'dr-a', createdAt: at, expiresAt: new Date(at.getTime() + 3_600_000) });
        await store.saveLogin({ tokenSha256: h(2), specialistId: 'dr-b', createdAt: at, expiresAt: new Date(at.getTime() + 60_000) });
        await store.saveLogin({ tokenSha256: h(3), specialistId: 'dr-c', createdAt: at, expiresAt: new Date(at.getTime() + 3_600_000) });
        await store.deleteLogin(h(3));
        await store.close();
        store = await db.open();
        const live = await store.liveLogins(new Date(at.getTime() + 120_000));
        expect(live.map((l) => [l.tokenSha256, l.specialistId, l.expiresAt.toISOString()])).toEqual([
          [h(1), 'dr-a', '2026-11-23T09:00:00.000Z'],
        ]);
        // The expired one was deleted on the way: even an earlier clock no longer sees it.
        expect((await store.liveLogins(at)).map((l) => l.specialistId)).toEqual(['dr-a']);
      });

      it('keeps how a login was made: method, and the acr and amr an OpenID Connect provider vouched for', async () => {
        const at = new Date('2026-11-23T08:00:00Z');
        const until = new Date(at.getTime() + 3_600_000);
        const h = (i: number) => createHash('sha256').update(`how-${i}`).digest('base64url');
        await store.saveLogin({
          tokenSha256: h(1),
          specialistId: 'dr-o',
          createdAt: at,
          expiresAt: until,
          method: 'oidc',
          acr: 'eidas2',
          amr: ['pwd', 'otp'],
        });
        await store.saveLogin({
          tokenSha256: h(2),
          specialistId: 'dr-p',
          createdAt: at,
          expiresAt: until,
          method: 'password',
          amr: ['pwd'],
        });
        await store.saveLogin({ tokenSha256: h(3), specialistId: 'dr-old', createdAt: at, expiresAt: until });
        await store.close();
        store = await db.open();
        const live = await store.liveLogins(at);
        const of = (id: string) => {
          const l = live.find((x) => x.specialistId === id);
          return l && { method: l.method, acr: l.acr, amr: l.amr };
        };
        expect(of('dr-o')).toEqual({ method: 'oidc', acr: 'eidas2', amr: ['pwd', 'otp'] });
        expect(of('dr-p')).toEqual({ method: 'password', acr: undefined, amr: ['pwd'] });
        expect(of('dr-old')).toEqual({ method: undefined, acr: undefined, amr: undefined });
      });

      it('is durable across reopen', async () => {
        await store.storeBatch(batchOf([reading('temperature', { seq: 1 })]));
        await store.close();
        store = await db.open();
        expect(await store.countObservations({})).toBe(1);
      });

      it('migration 10 gives the assignments of an older database their patient id as local id', async () => {
        await store.upsertPatients([{ id: 'p-old', family: 'A', given: 'A', gateways: ['gw-1', 'gw-2'] }]);
        await store.close();
        // Back to the shape of release 9: assignments without local ids.
        await db.exec(
          'DROP INDEX patient_gateways_local; ALTER TABLE patient_gateways DROP COLUMN local_id; DELETE FROM schema_migrations WHERE version = 10',
        );
        store = await db.open();
        expect([...(await store.servedPatients('gw-2', ['p-old']))]).toEqual([['p-old', 'p-old']]);
        expect(await store.patientGateways('p-old')).toEqual(['gw-1', 'gw-2']);
      });

      it('refuses a database from a newer release', async () => {
        await db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', '2030-01-01T00:00:00Z')");
        await expect(db.open()).rejects.toThrow(/schema version 99 is newer than this release knows \(\d+\)/);
      });
    });

    describe(`${harness.name}: queries`, () => {
      beforeEach(async () => {
        await store.upsertPatients([{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', ins: '238042A12345678' }]);
        await store.storeBatch(
          batchOf([
            reading('pulse', { seq: 1, at: '2026-11-20T08:00:00Z', value: 70 }),
            reading('pulse', { seq: 2, at: '2026-11-21T08:00:00+02:00', value: 75 }),
            reading('pulse', { seq: 3, at: '2026-11-22T08:00:00Z', value: 80 }),
            reading('bp', { seq: 4, at: '2026-11-22T08:01:00Z' }),
            {
              ...reading('spo2', { seq: 5, at: '2026-11-22T08:02:00Z', patientId: 'p-002' }),
              patient: { id: 'p-002', ins: '180017510812345', insOid: '1.2.250.1.213.1.4.8', assignment: 'home-kit' },
            },
            {
              ...reading('pulse', { seq: 7, at: '2026-11-01T08:00:00Z' }),
              patient: { id: 'p-001', ins: '299999999999999', assignment: 'nurse-selected' },
            },
            reading('pulse', { seq: 6, at: '2026-11-23T08:00:00Z', status: 'preliminary', value: 150 }),
          ]),
        );
      });

      it('filters by patient, code and inclusive time range, newest first, with paging', async () => {
        const pulses = await store.getObservations({ patientId: 'p-001', loinc: '8867-4' });
        expect(pulses.map((o) => o.seq)).toEqual([6, 3, 2, 1, 7]);
        const window = await store.getObservations({
          patientId: 'p-001',
          loinc: '8867-4',
          from: new Date('2026-11-21T06:00:00Z'),
          to: new Date('2026-11-22T08:00:00Z'),
        });
        expect(window.map((o) => o.seq)).toEqual([3, 2]);
        expect(await store.countObservations({ patientId: 'p-001' })).toBe(6);
        expect(await store.countObservations({ patientId: 'p-001', loinc: ['8867-4'], from: new Date('2026-11-21T06:00:00Z') })).toBe(3);
        expect((await store.getObservations({ patientId: 'p-001', limit: 2, offset: 1 })).map((o) => o.seq)).toEqual([4, 3]);
        expect((await store.getObservations({ loinc: ['2708-6', '85354-9'] })).map((o) => o.seq)).toEqual([5, 4]);
        expect((await store.getObservations({ mdc: 150456 })).map((o) => o.seq)).toEqual([5]);
        expect((await store.getObservations({ mdc: [150456, 149546] })).map((o) => o.seq)).toEqual([6, 5, 3, 2, 1, 7]);
        expect(await store.getObservations({ loinc: [] })).toEqual([]);
        expect(await store.getObservation(pulses[0]?.id ?? '')).toEqual(pulses[0]);
        expect(await store.getObservation('00000000-0000-0000-0000-000000000000')).toBeNull();
        expect(await store.getObservation('not-a-uuid')).toBeNull();
      });

      it('clamps paging and breaks time ties by gateway then newest seq', async () => {
        const at = '2026-11-24T10:00:00Z';
        await store.storeBatch(batchOf([reading('temperature', { seq: 1, at, gatewayId: 'cart-2' })]));
        await store.storeBatch(batchOf([reading('temperature', { seq: 20, at }), reading('temperature', { seq: 21, at })]));
        const tied = await store.getObservations({ loinc: '8310-5' });
        expect(tied.map((o) => `${o.gatewayId}/${o.seq}`)).toEqual(['cart-1/21', 'cart-1/20', 'cart-2/1']);
        expect(await store.getObservations({ limit: 0 })).toEqual([]);
        expect(await store.getObservations({ offset: 1000 })).toEqual([]);
        expect(await store.getObservations({ limit: 2.9, offset: -5 })).toHaveLength(2);
        expect(await store.getObservations({ limit: MAX_PAGE_SIZE * 10 })).toHaveLength(10);
        expect(await store.getObservations({})).toHaveLength(10);
      });

      it('gives the newest final reading per code', async () => {
        const latest = await store.latestVitals('p-001');
        expect(latest.map((o) => [o.code.loinc, o.seq])).toEqual([
          ['85354-9', 4],
          ['8867-4', 3],
        ]);
        expect(await store.latestVitals('nobody')).toEqual([]);
      });

      it('lists configured patients and patients first seen on a reading', async () => {
        const patients = await store.listPatients();
        expect(patients).toEqual([
          {
            id: 'p-001',
            ins: '238042A12345678',
            insOid: null,
            family: 'Martin',
            given: 'Jeanne',
            birthDate: '1938-04-02',
            source: 'configured',
            lastObservationAt: '2026-11-23T08:00:00.000Z',
          },
          {
            id: 'p-002',
            ins: '180017510812345',
            insOid: '1.2.250.1.213.1.4.8',
            family: null,
            given: null,
            birthDate: null,
            source: 'observed',
            lastObservationAt: '2026-11-22T08:02:00.000Z',
          },
        ]);
        expect(await store.getPatient('p-002')).toEqual(patients[1]);
        expect(await store.getPatient('p-404')).toBeNull();
      });

      it('upserts configured patients: later seeds win, an INS is kept when a seed has none', async () => {
        await store.upsertPatients([
          { id: 'p-002', family: 'Durand', given: 'Paul' },
          { id: 'p-003', family: 'Zola', given: 'Anne', birthDate: '1950-01-01' },
          { id: 'p-003', family: 'Zola', given: 'Annie' },
          { id: 'p-001', family: 'MARTIN', given: 'Jeanne' },
        ]);
        const patients = await store.listPatients();
        expect(patients.map((p) => [p.id, p.family, p.given, p.ins, p.birthDate, p.source])).toEqual([
          ['p-002', 'Durand', 'Paul', '180017510812345', null, 'configured'],
          ['p-001', 'MARTIN', 'Jeanne', '238042A12345678', '1938-04-02', 'configured'],
          ['p-003', 'Zola', 'Annie', null, '1950-01-01', 'configured'],
        ]);
        await store.upsertPatients([]);
      });

      it('upserts gateway statuses: the last received wins, batches stamp lastBatchAt', async () => {
        await store.upsertGatewayStatus(statusOf('cart-1', true, 12));
        await store.upsertGatewayStatus({ ...statusOf('cart-1', false), backlog: undefined, at: '2020-01-01T00:00:00Z' });
        const devices = [{ id: 'ble:C0:FF:EE:00:00:01', name: 'cuff', state: 'connected' }];
        await store.upsertGatewayStatus({ ...statusOf('cart-9', true), devices });
        const [gw, other] = await store.listGateways();
        expect(gw).toMatchObject({ gatewayId: 'cart-1', online: false, statusAt: '2020-01-01T00:00:00Z', version: '0.1.0' });
        expect(gw?.backlog).toMatchObject({ readings: 12 });
        expect(gw?.lastBatchAt).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(gw?.statusReceivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(other).toMatchObject({ gatewayId: 'cart-9', online: true, lastBatchAt: null });
        expect(other?.devices).toEqual(devices);
      });
    });

    describe(`${harness.name}: alerts`, () => {
      const trigger = (o: Partial<AlertTrigger> = {}): AlertTrigger => ({
        patientId: 'p-hf',
        rule: 'hf-weight-gain-3d',
        severity: 'warning',
        at: new Date('2026-11-20T08:00:00Z'),
        observationIds: [randomUUID()],
        textKey: 'hf-weight-gain-3d',
        values: { gainKg: 2.1, fromKg: 68.4, toKg: 70.5 },
        ...o,
      });

      it('keeps one open alert per (patient, rule): a new trigger updates it', async () => {
        const first = await store.upsertOpenAlert(trigger());
        expect(first.created).toBe(true);
        expect(first.alert).toMatchObject({ status: 'open', count: 1, severity: 'warning', openedAt: '2026-11-20T08:00:00.000Z' });
        const second = await store.upsertOpenAlert(
          trigger({ at: new Date('2026-11-21T08:00:00Z'), severity: 'critical', values: { gainKg: 2.6, fromKg: 68.4, toKg: 71 } }),
        );
        expect(second.created).toBe(false);
        expect(second.alert).toMatchObject({
          id: first.alert.id,
          count: 2,
          severity: 'critical',
          openedAt: '2026-11-20T08:00:00.000Z',
          lastAt: '2026-11-21T08:00:00.000Z',
          values: { gainKg: 2.6, fromKg: 68.4, toKg: 71 },
          firstObservationIds: first.alert.firstObservationIds,
        });
        // A later warning does not lower the severity.
        expect((await store.upsertOpenAlert(trigger({ at: new Date('2026-11-22T08:00:00Z') }))).alert).toMatchObject({
          severity: 'critical',
          count: 3,
        });
        const other = await store.upsertOpenAlert(trigger({ rule: 'hf-weight-gain-1d', textKey: 'hf-weight-gain-1d' }));
        expect(other.created).toBe(true);
        expect((await store.listAlerts({ status: 'open' })).total).toBe(2);
        expect(await store.getAlert(first.alert.id)).toEqual((await store.listAlerts({ rule: 'hf-weight-gain-3d' })).alerts[0]);
      });

      it('opens one alert when two processes raise the same (patient, rule) at once', async () => {
        const others = await Promise.all([connect(), connect(), connect()]);
        const results = await Promise.all([store, ...others].flatMap((s) => [s.upsertOpenAlert(trigger()), s.upsertOpenAlert(trigger())]));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.alert.id)).size).toBe(1);
        const page = await store.listAlerts({ patientId: 'p-hf' });
        expect(page.total).toBe(1);
        expect(page.alerts[0]?.count).toBe(8);
      });

      it('acknowledges an open alert once; a new trigger then opens a new one', async () => {
        const { alert } = await store.upsertOpenAlert(trigger());
        const at = new Date('2026-11-20T09:00:00Z');
        const ack = await store.acknowledgeAlert(alert.id, 'dr-roux', 'called the patient', at);
        expect(ack).toMatchObject({
          outcome: 'acknowledged',
          alert: { status: 'acknowledged', ackBy: 'dr-roux', ackNote: 'called the patient', ackAt: at.toISOString() },
        });
        expect(await store.acknowledgeAlert(alert.id, 'dr-other', null, at)).toMatchObject({
          outcome: 'not-open',
          alert: { ackBy: 'dr-roux' },
        });
        expect(await store.acknowledgeAlert(randomUUID(), 'dr-roux', null, at)).toEqual({ outcome: 'not-found' });
        expect(await store.acknowledgeAlert('not-a-uuid', 'dr-roux', null, at)).toEqual({ outcome: 'not-found' });
        expect(await store.getAlert('not-a-uuid')).toBeNull();
        const again = await store.upsertOpenAlert(trigger({ at: new Date('2026-11-21T08:00:00Z') }));
        expect(again.created).toBe(true);
        expect(again.alert.id).not.toBe(alert.id);
      });

      it('resolves the open alert of a (patient, rule) only', async () => {
        const silence = { rule: 'hf-no-weight', textKey: 'hf-no-weight', observationIds: [], values: { days: 2 } };
        const { alert } = await store.upsertOpenAlert(trigger(silence));
        await store.upsertOpenAlert(trigger());
        const at = new Date('2026-11-22T10:00:00Z');
        expect(await store.resolveOpenAlert('p-hf', 'hf-no-weight', 'system', at)).toMatchObject({
          id: alert.id,
          status: 'resolved',
          resolvedBy: 'system',
          resolvedAt: at.toISOString(),
          firstObservationIds: [],
        });
        expect(await store.resolveOpenAlert('p-hf', 'hf-no-weight', 'system', at)).toBeNull();
        expect((await store.listAlerts({ status: 'open' })).alerts.map((a) => a.rule)).toEqual(['hf-weight-gain-3d']);
      });

      it('lists critical first then newest, with filters and paging', async () => {
        await store.upsertOpenAlert(trigger({ patientId: 'p-1', at: new Date('2026-11-20T08:00:00Z') }));
        await store.upsertOpenAlert(trigger({ patientId: 'p-2', at: new Date('2026-11-21T08:00:00Z') }));
        await store.upsertOpenAlert(trigger({ patientId: 'p-3', at: new Date('2026-11-19T08:00:00Z'), severity: 'critical' }));
        const order = (await store.listAlerts({})).alerts.map((a) => a.patientId);
        expect(order).toEqual(['p-3', 'p-2', 'p-1']);
        expect((await store.listAlerts({ patientIds: ['p-1', 'p-2'] })).alerts.map((a) => a.patientId)).toEqual(['p-2', 'p-1']);
        expect(await store.listAlerts({ patientIds: [] })).toEqual({ total: 0, alerts: [] });
        const page = await store.listAlerts({ limit: 1, offset: 1 });
        expect(page.total).toBe(3);
        expect(page.alerts.map((a) => a.patientId)).toEqual(['p-2']);
        const window = await store.listAlerts({ from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-20T23:59:59Z') });
        expect(window.alerts.map((a) => a.patientId)).toEqual(['p-1']);
        expect((await store.listAlerts({ status: 'acknowledged' })).total).toBe(0);
      });
    });

    describe(`${harness.name}: alert queue (migration 8)`, () => {
      const trigger = (observationId: string): AlertTrigger => ({
        patientId: 'p-hf',
        rule: 'hf-weight-gain-3d',
        severity: 'critical',
        at: new Date('2026-11-20T08:00:00Z'),
        observationIds: [observationId],
        textKey: 'hf-weight-gain-3d',
        values: { gainKg: 2.1 },
      });

      it('queues each newly inserted reading once, in store order; duplicates are not queued again', async () => {
        const a = [reading('weight', { seq: 1, patientId: 'p-hf' }), reading('pulse', { seq: 2, patientId: 'p-2' })];
        await store.storeBatch(batchOf(a));
        await store.storeBatch(batchOf(a));
        await store.storeBatch(batchOf([reading('spo2', { seq: 3 })]));
        const pending = await store.pendingJudgements(10);
        expect(pending.map((p) => [p.observationId, p.patientId])).toEqual([
          [a[0]?.id, 'p-hf'],
          [a[1]?.id, 'p-2'],
          [expect.any(String), 'p-001'],
        ]);
        expect(pending.map((p) => p.queueId)).toEqual([...pending.map((p) => p.queueId)].sort((x, y) => x - y));
        expect(await store.pendingJudgements(1)).toEqual(pending.slice(0, 1));
      });

      it('judges readings once: their alerts and their dequeue commit together, a second judgement applies nothing', async () => {
        const w = reading('weight', { seq: 1, patientId: 'p-hf' });
        await store.storeBatch(batchOf([w, reading('pulse', { seq: 2 })]));
        const [first, second] = await store.pendingJudgements(10);
        const round = [
          { queueId: first?.queueId ?? 0, triggers: [trigger(w.id)] },
          { queueId: second?.queueId ?? 0, triggers: [] },
        ];
        expect(await store.judge(round)).toMatchObject([
          { queueId: first?.queueId, judged: true, alerts: [{ created: true, alert: { rule: 'hf-weight-gain-3d', count: 1 } }] },
          { queueId: second?.queueId, judged: true, alerts: [] },
        ]);
        expect(await store.pendingJudgements(10)).toEqual([]);
        expect(await store.judge(round)).toEqual([
          { queueId: first?.queueId, judged: false, alerts: [] },
          { queueId: second?.queueId, judged: false, alerts: [] },
        ]);
        expect((await store.listAlerts({})).alerts.map((a) => a.count)).toEqual([1]);
      });

      it('applies a reading judged by several processes at once only once', async () => {
        const w = reading('weight', { seq: 1, patientId: 'p-hf' });
        await store.storeBatch(batchOf([w, reading('pulse', { seq: 2 })]));
        const pending = await store.pendingJudgements(10);
        const round = pending.map((p) => ({ queueId: p.queueId, triggers: p.patientId === 'p-hf' ? [trigger(w.id)] : [] }));
        const others = await Promise.all([connect(), connect(), connect()]);
        const results = await Promise.all([store, ...others].map((s) => s.judge(round)));
        expect(results.flat().filter((r) => r.judged)).toHaveLength(2);
        expect((await store.listAlerts({})).alerts.map((a) => a.count)).toEqual([1]);
      });
    });

    describe(`${harness.name}: rows that cannot be read`, () => {
      it('skips and counts a stored row that is not an Observation, on every read, instead of failing', async () => {
        // The broken one (seq 2) is the newest.
        const good = [1, 2, 3].map((seq) => reading('pulse', { seq, at: `2026-11-23T09:0${[0, 1, 5, 3][seq]}:00.000Z` }));
        await store.storeBatch(batchOf(good));
        const bad = good[1] as Observation;
        // Valid JSON (PostgreSQL's json type accepts nothing else) but not a reading.
        await db.exec(`UPDATE observations SET json = '{"id": "${bad.id}", "status": "final", "value": "broken"}' WHERE seq = 2`);
        const reader = await connect();
        expect((await reader.getObservations({ patientId: 'p-001' })).map((o) => o.seq)).toEqual([3, 1]);
        expect(await reader.getObservation(bad.id)).toBeNull();
        expect(await reader.getObservation((good[0] as Observation).id)).toEqual(good[0]);
        expect(reader.unreadableRows()).toEqual({ observations: 2, alerts: 0, gateways: 0 });
        // The newest pulse is the broken one: the summary leaves it out rather than failing.
        expect(await reader.latestVitals('p-001')).toEqual([]);
        expect(reader.unreadableRows()).toEqual({ observations: 3, alerts: 0, gateways: 0 });
      });

      it('skips and counts an alert row whose JSON columns are not what an alert needs', async () => {
        const base = {
          patientId: 'p-hf',
          severity: 'warning' as const,
          at: new Date('2026-11-20T08:00:00Z'),
          observationIds: [randomUUID()],
          values: { gainKg: 2.1 },
        };
        const good = await store.upsertOpenAlert({ ...base, rule: 'hf-weight-gain-3d', textKey: 'hf-weight-gain-3d' });
        const bad = await store.upsertOpenAlert({ ...base, rule: 'hf-weight-gain-1d', textKey: 'hf-weight-gain-1d' });
        await db.exec(`UPDATE alerts SET values_json = '"broken"' WHERE rule = 'hf-weight-gain-1d'`);
        const reader = await connect();
        expect((await reader.listAlerts({})).alerts.map((a) => a.id)).toEqual([good.alert.id]);
        expect(await reader.getAlert(bad.alert.id)).toBeNull();
        expect(reader.unreadableRows()).toEqual({ observations: 0, alerts: 2, gateways: 0 });
      });

      it('lists a gateway whose stored backlog is unreadable, with that backlog unknown', async () => {
        const devices = [{ id: 'ble:C0:FF:EE:00:00:01', name: 'cuff', state: 'connected' }];
        await store.upsertGatewayStatus({ ...statusOf('cart-1', true, 12), devices });
        await db.exec(`UPDATE gateways SET backlog_json = '{"readings": "many"}' WHERE gateway_id = 'cart-1'`);
        const reader = await connect();
        expect(await reader.listGateways()).toMatchObject([{ gatewayId: 'cart-1', online: true, backlog: null, devices }]);
        expect(reader.unreadableRows()).toEqual({ observations: 0, alerts: 0, gateways: 1 });
      });
    });
  });
}
