import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { VITALS } from '@telecart/devices';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../testing/observations.js';
import { accountStoreSuite } from './account-suite.js';
import { actLinkStoreSuite } from './act-link-suite.js';
import { appointmentStoreSuite } from './appointment-suite.js';
import { directoryStoreSuite } from './directory-suite.js';
import { enrolmentStoreSuite } from './enrolment-suite.js';
import { nurseStoreSuite } from './nurse-suite.js';
import { OBSERVATION_LISTINGS } from './observation-listings.js';
import { outboxStoreSuite } from './outbox-suite.js';
import { reportStoreSuite } from './report-suite.js';
import type { UnreadableRow } from './row-decoder.js';
import { siteStoreSuite } from './site-suite.js';
import { CACHE_KIB, openSqliteFile } from './sqlite-file.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import { OBSERVATION_READS, observationWhere, SqliteStore } from './sqlite-store.js';
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

  it("pins each reading listing's plan to an index of observations (a dropped index fails here, not in production)", async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    await new SqliteStore({ file: join(dir, 'cloud.db') }).close();
    const raw = new Database(join(dir, 'cloud.db'));
    const plan = (sql: string, params: unknown[]) =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' ; ');
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-02-01T00:00:00Z');
    for (const { name, q, index: base, sqliteSearch } of OBSERVATION_LISTINGS(t0, t1)) {
      const index = `${base}${sqliteSearch}`;
      const w = observationWhere(q);
      for (const p of [plan(OBSERVATION_READS.page(w.sql), [...w.params, 50, 0]), plan(OBSERVATION_READS.count(w.sql), w.params)]) {
        expect(
          [`USING INDEX ${index}`, `USING COVERING INDEX ${index}`].some((u) => p.includes(u)),
          `${name}: ${p}`,
        ).toBe(true);
        expect(p, name).not.toMatch(/\bSCAN observations(?! USING)/);
      }
    }
    // A patient's latest vitals and last reading: one patient's range, never the table.
    expect(plan(OBSERVATION_READS.latestVitals, ['p-1'])).toMatch(
      /^SEARCH observations USING INDEX observations_patient_time \(patient_id=\?\)/,
    );
    expect(plan(OBSERVATION_READS.patientSelect, [])).toContain('SEARCH o USING COVERING INDEX observations_patient_time (patient_id=?)');
    expect(plan(OBSERVATION_READS.byId, ['x'])).toMatch(/^SEARCH observations USING INDEX sqlite_autoindex_observations_1 \(id=\?\)$/);
    // An MDC code alone has no index of its own (no listing asks for it without a patient or a time): a scan, known.
    const mdc = observationWhere({ mdc: [150_456] });
    expect(plan(OBSERVATION_READS.count(mdc.sql), mdc.params)).toMatch(/^SCAN observations\b/);
    // The six index entries a reading costs (docs/region.md « Fewer index entries »): its id, its gateway's seq,
    // its content key (partial: spot readings without one cost none), three read indexes.
    expect(
      raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observations' ORDER BY name").pluck().all(),
    ).toEqual([
      'observations_code_time',
      'observations_content_key',
      'observations_gateway_seq',
      'observations_patient_time',
      'observations_time',
      'sqlite_autoindex_observations_1',
    ]);
    raw.close();
  });

  it('migrates an existing store file to one index less (34): its readings kept and listed as before', async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-store-'));
    const file = join(dir, 'cloud.db');
    const first = new SqliteStore({ file });
    await first.storeBatch(
      batchOf([
        reading('pulse', { seq: 1, at: '2026-11-23T09:00:00.000Z' }),
        reading('spo2', { seq: 2, at: '2026-11-23T09:01:00.000Z' }),
        reading('pulse', { seq: 3, at: '2026-11-23T09:02:00.000Z' }),
      ]),
    );
    await first.close();
    // Back to the file as release 33 left it: the index there, migration 34 not recorded.
    const old = new Database(file);
    old.exec('CREATE INDEX observations_patient_code_time ON observations (patient_id, loinc, effective_ms DESC)');
    old.prepare('DELETE FROM schema_migrations WHERE version = 34').run();
    old.close();
    const store = new SqliteStore({ file });
    const pulse = [VITALS.pulseRateNonInvasive.loinc];
    const pulses = await store.getObservations({ patientId: 'p-001', loinc: pulse });
    expect(pulses.map((o) => o.seq)).toEqual([3, 1]);
    expect(await store.countObservations({ patientId: 'p-001', loinc: pulse })).toBe(2);
    expect(await store.countObservations({})).toBe(3);
    await store.close();
    const raw = new Database(file);
    expect(raw.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'observations_patient_code_time'").pluck().get()).toBe(0);
    expect(raw.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(34);
    raw.close();
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
