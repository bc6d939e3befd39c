import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
  store = new SqliteStore({ file: join(dir, 'cloud.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore.storeBatch', () => {
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

  it('keeps seqs per gateway: two gateways may both send seq 1', async () => {
    await store.storeBatch(batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-1' })]));
    const r = await store.storeBatch(batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-2' })]));
    expect(r.rejected).toEqual([]);
    expect(await store.countObservations({})).toBe(2);
  });

  it('is durable across reopen, with WAL and synchronous=FULL', async () => {
    await store.storeBatch(batchOf([reading('temperature', { seq: 1 })]));
    await store.close();
    const raw = new Database(join(dir, 'cloud.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    raw.close();
    store = new SqliteStore({ file: join(dir, 'cloud.db') });
    expect(await store.countObservations({})).toBe(1);
  });

  it('refuses a database from a newer release', async () => {
    await store.close();
    const raw = new Database(join(dir, 'cloud.db'));
    raw.prepare("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01T00:00:00Z')").run();
    raw.close();
    expect(() => new SqliteStore({ file: join(dir, 'cloud.db') })).toThrow(/schema version 99 is newer/);
    store = new SqliteStore({ file: ':memory:' });
  });
});

describe('SqliteStore queries', () => {
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
    expect((await store.getObservations({ patientId: 'p-001', limit: 2, offset: 1 })).map((o) => o.seq)).toEqual([4, 3]);
    expect((await store.getObservations({ loinc: ['2708-6', '85354-9'] })).map((o) => o.seq)).toEqual([5, 4]);
    expect((await store.getObservations({ mdc: 150456 })).map((o) => o.seq)).toEqual([5]);
    expect(await store.getObservation(pulses[0]?.id ?? '')).toEqual(pulses[0]);
    expect(await store.getObservation('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('gives the newest final reading per code', async () => {
    const latest = await store.latestVitals('p-001');
    expect(latest.map((o) => [o.code.loinc, o.seq])).toEqual([
      ['85354-9', 4],
      ['8867-4', 3],
    ]);
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
  });

  it('upserts gateway statuses: the last received wins, batches stamp lastBatchAt', async () => {
    await store.upsertGatewayStatus(statusOf('cart-1', true, 12));
    await store.upsertGatewayStatus({ ...statusOf('cart-1', false), backlog: undefined, at: '2020-01-01T00:00:00Z' });
    const [gw] = await store.listGateways();
    expect(gw).toMatchObject({ gatewayId: 'cart-1', online: false, statusAt: '2020-01-01T00:00:00Z', version: '0.1.0' });
    expect(gw?.backlog).toMatchObject({ readings: 12 });
    expect(gw?.lastBatchAt).not.toBeNull();
  });
});
