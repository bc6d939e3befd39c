import { VITALS } from '@telecart/devices';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../testing/observations.js';
import { type Postgres, startPostgres } from '../testing/postgres.js';
import { accountStoreSuite } from './account-suite.js';
import { actLinkStoreSuite } from './act-link-suite.js';
import { appointmentStoreSuite } from './appointment-suite.js';
import { directoryStoreSuite } from './directory-suite.js';
import { enrolmentStoreSuite } from './enrolment-suite.js';
import { nurseStoreSuite } from './nurse-suite.js';
import { OBSERVATION_LISTINGS } from './observation-listings.js';
import { openCloudStore } from './open-store.js';
import { outboxStoreSuite } from './outbox-suite.js';
import { PG_MIGRATIONS } from './postgres-migrations.js';
import { PG_OBSERVATION_READS, PostgresStore, pgObservationWhere } from './postgres-store.js';
import { reportStoreSuite } from './report-suite.js';
import { siteStoreSuite } from './site-suite.js';
import { cloudStoreSuite, oneDatabasePerTest, type StoreHarness } from './store-suite.js';
import { teleconsultStoreSuite } from './teleconsult-suite.js';
import { throttleStoreSuite } from './throttle-suite.js';

// One server for the whole file (or the one given); each test gets its own schema in it.
let server: Postgres | undefined;
let url: string;
beforeAll(async () => {
  const given = process.env.TELECART_TEST_PG_URL;
  if (given) url = given;
  else {
    // This file checks what the store's SQL means, not what survives a power cut (the chaos tests
    // keep fsync on): no flush per transaction halves the ~0.5 s each test spends migrating its schema.
    server = await startPostgres({ settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
    url = server.url;
  }
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

let schemas = 0;
const freshSchema = () => `telecart_test_${process.pid}_${++schemas}`;

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const harness: StoreHarness = oneDatabasePerTest({
  name: 'PostgresStore',
  async fresh() {
    const schema = freshSchema();
    return {
      open: () => PostgresStore.open({ url, schema, poolSize: 4 }),
      exec: (text) => sql(`SET search_path TO "${schema}"; ${text}`),
      // On the file's own server a test's schema goes with the server at the end (dropping it was a
      // third of what a test spent on its database); a given server gets it dropped after the test.
      drop: async () => {
        if (!server) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
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

describe('PostgresStore server side', () => {
  it('applies its migrations once when several processes open a new database at once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open({ url, schema, poolSize: 2 })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const versions = await client.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(versions.rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version })));
      await stores[0]?.storeBatch(batchOf([reading('pulse', { seq: 1 })]));
      expect((await client.query(`SELECT count(*)::int AS n FROM "${schema}".observations`)).rows).toEqual([{ n: 1 }]);
      expect(
        (await client.query('SELECT count(*)::int AS n FROM pg_tables WHERE tablename = $1', ['observations'])).rows[0].n,
      ).toBeGreaterThan(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    }
  });

  it("pins each reading listing's plan to an index of observations, as the SQLite store's (no sequential scan of the readings)", async () => {
    const schema = freshSchema();
    await (await PostgresStore.open({ url, schema, poolSize: 1 })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // With sequential scans priced out, a listing left without its index still shows one: the plan says so.
      await client.query(`SET search_path TO "${schema}"; SET enable_seqscan = off`);
      const plan = async (text: string, params: unknown[]) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params)).rows.map((r) => r['QUERY PLAN']).join(' ; ');
      const t0 = new Date('2026-01-01T00:00:00Z');
      const t1 = new Date('2026-02-01T00:00:00Z');
      for (const { name, q, index } of OBSERVATION_LISTINGS(t0, t1)) {
        const w = pgObservationWhere(q);
        for (const p of [
          await plan(PG_OBSERVATION_READS.page(w.sql, w.params.length), [...w.params, 50, 0]),
          await plan(PG_OBSERVATION_READS.count(w.sql), w.params),
        ]) {
          expect(p, name).toMatch(new RegExp(`(Index (Only )?Scan using ${index} on observations|Bitmap Index Scan on ${index})`));
          expect(p, name).not.toContain('Seq Scan on observations');
        }
      }
      expect(await plan(PG_OBSERVATION_READS.latestVitals, ['p-1'])).toContain(
        'Index Scan using observations_patient_time on observations',
      );
      expect(await plan(PG_OBSERVATION_READS.patientSelect, [])).toContain(
        'Index Only Scan using observations_patient_time on observations o',
      );
      const indexes = await client.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname',
        [schema, 'observations'],
      );
      expect(indexes.rows.map((r) => r.indexname)).toEqual([
        'observations_code_time',
        'observations_content_key',
        'observations_gateway_seq',
        'observations_patient_time',
        'observations_pkey',
        'observations_time',
      ]);
    } finally {
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('migrates an existing schema to one index less (34): its readings kept and listed as before', async () => {
    const schema = freshSchema();
    const first = await PostgresStore.open({ url, schema, poolSize: 1 });
    await first.storeBatch(
      batchOf([
        reading('pulse', { seq: 1, at: '2026-11-23T09:00:00.000Z' }),
        reading('spo2', { seq: 2, at: '2026-11-23T09:01:00.000Z' }),
        reading('pulse', { seq: 3, at: '2026-11-23T09:02:00.000Z' }),
      ]),
    );
    await first.close();
    // Back to the schema as release 33 left it: the index there, migration 34 not recorded.
    await sql(`SET search_path TO "${schema}";
      CREATE INDEX observations_patient_code_time ON observations (patient_id, loinc, effective_ms DESC);
      DELETE FROM schema_migrations WHERE version = 34`);
    const store = await PostgresStore.open({ url, schema, poolSize: 1 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const pulse = [VITALS.pulseRateNonInvasive.loinc];
      expect((await store.getObservations({ patientId: 'p-001', loinc: pulse })).map((o) => o.seq)).toEqual([3, 1]);
      expect(await store.countObservations({ patientId: 'p-001', loinc: pulse })).toBe(2);
      expect(await store.countObservations({})).toBe(3);
      const left = await client.query('SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [
        schema,
        'observations_patient_code_time',
      ]);
      expect(left.rowCount).toBe(0);
    } finally {
      await store.close();
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('is what openCloudStore picks for a postgres:// db, and names the server (not the password) when it cannot connect', async () => {
    const schema = freshSchema();
    const store = await openCloudStore({ db: url, schema, sqliteFile: '/nonexistent/never-created.db' });
    try {
      expect(store).toBeInstanceOf(PostgresStore);
      await store.storeBatch(batchOf([reading('pulse', { seq: 1 })]));
      expect(await store.countObservations({})).toBe(1);
    } finally {
      await store.close();
      await sql(`DROP SCHEMA "${schema}" CASCADE`);
    }
    const unreachable = openCloudStore({ db: 'postgresql://telecart:s3cret@127.0.0.1:1/cloud', sqliteFile: 'x' });
    await expect(unreachable).rejects.toThrow(/cannot open the PostgreSQL store at 127\.0\.0\.1:1\/cloud: .*ECONNREFUSED/);
    await expect(unreachable).rejects.not.toThrow(/s3cret/);
    await expect(openCloudStore({ db: 'mysql://x', sqliteFile: 'x' })).rejects.toThrow(/postgres:\/\/ or postgresql:\/\//);
  });
});
