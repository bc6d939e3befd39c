import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../testing/observations.js';
import { accountStoreSuite } from './account-suite.js';
import { actLinkStoreSuite } from './act-link-suite.js';
import { appointmentStoreSuite } from './appointment-suite.js';
import { directoryStoreSuite } from './directory-suite.js';
import { enrolmentStoreSuite } from './enrolment-suite.js';
import { nurseStoreSuite } from './nurse-suite.js';
import { outboxStoreSuite } from './outbox-suite.js';
import { reportStoreSuite } from './report-suite.js';
import type { UnreadableRow } from './row-decoder.js';
import { siteStoreSuite } from './site-suite.js';
import { CACHE_KIB, openSqliteFile } from './sqlite-file.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';
import { cloudStoreSuite, oneDatabasePerTest, type StoreHarness } from './store-suite.js';
import { teleconsultStoreSuite } from './teleconsult-suite.js';
import { throttleStoreSuite } from './throttle-suite.js';

const harness: StoreHarness = oneDatabasePerTest({
  name: 'SqliteStore',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    const file = join(dir, 'cloud.db');
    return {
      // A store per connection, as each ingest process opens its own.
      open: async () => new SqliteStore({ file }),
      async exec(sql) {
        const raw = new Database(file);
        try {
          raw.exec(sql);
        } finally {
          raw.close();
        }
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
cloudStoreSuite(harness);
teleconsultStoreSuite(harness);
throttleStoreSuite(harness);
appointmentStoreSuite(harness);
outboxStoreSuite(harness);
reportStoreSuite(harness);
actLinkStoreSuite(harness);
directoryStoreSuite(harness);
accountStoreSuite(harness);
nurseStoreSuite(harness);
enrolmentStoreSuite(harness);
siteStoreSuite(harness);

describe('SqliteStore file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uses WAL and records its migrations', async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    const store = new SqliteStore({ file: join(dir, 'cloud.db') });
    await store.storeBatch(batchOf([reading('temperature', { seq: 1 })]));
    await store.close();
    const raw = new Database(join(dir, 'cloud.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    raw.close();
  });

  it("opens every connection durable (WAL, synchronous FULL) with a page cache of CACHE_KIB, not SQLite's 2 MiB", () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    const db = openSqliteFile(join(dir, 'cloud.db'));
    expect(db.pragma('cache_size', { simple: true })).toBe(-CACHE_KIB);
    expect(CACHE_KIB).toBe(64 * 1024);
    // 2 = FULL: a BatchAck promises the readings survive a power cut.
    expect([db.pragma('journal_mode', { simple: true }), db.pragma('synchronous', { simple: true })]).toEqual(['wal', 2]);
    db.close();
  });

  it('skips a stored row that is not even JSON, and reports it once to the listener', async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    const file = join(dir, 'cloud.db');
    const reported: UnreadableRow[] = [];
    const store = new SqliteStore({ file, onUnreadableRow: (r) => reported.push(r) });
    const readings = [1, 2].map((seq) => reading('weight', { seq, patientId: 'p-7', at: `2026-11-2${seq}T08:00:00.000Z` }));
    await store.storeBatch(batchOf(readings));
    const raw = new Database(file);
    raw.prepare('UPDATE observations SET json = substr(json, 1, 40) WHERE seq = 2').run();
    raw.close();
    expect((await store.getObservations({ patientId: 'p-7' })).map((o) => o.seq)).toEqual([1]);
    expect(await store.getObservation(readings[1]?.id ?? '')).toBeNull();
    // json_extract would fail on the broken row: the summary falls back on the one before.
    expect((await store.latestVitals('p-7')).map((o) => o.seq)).toEqual([1]);
    expect(store.unreadableRows()).toEqual({ observations: 2, alerts: 0, gateways: 0 });
    expect(reported).toEqual([{ table: 'observations', id: readings[1]?.id, error: expect.stringMatching(/^not JSON: /) }]);
    await store.close();
  });

  it('waits for another writer holding the database instead of failing with SQLITE_BUSY', async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    const file = join(dir, 'cloud.db');
    const store = new SqliteStore({ file });
    // Another process's write transaction, held for a while on another thread.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('locked');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
      { eval: true, workerData: file },
    );
    await new Promise((resolve, reject) => {
      holder.once('message', resolve);
      holder.once('error', reject);
    });
    const r = await store.storeBatch(batchOf([reading('pulse', { seq: 1 })]));
    expect(r.storedSeqs).toEqual([1]);
    await new Promise((resolve) => holder.once('exit', resolve));
    await store.close();
  });
});
