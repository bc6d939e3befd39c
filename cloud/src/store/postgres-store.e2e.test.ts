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
import { openCloudStore } from './open-store.js';
import { outboxStoreSuite } from './outbox-suite.js';
import { PG_MIGRATIONS } from './postgres-migrations.js';
import { PostgresStore } from './postgres-store.js';
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
