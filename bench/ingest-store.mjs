// The cloud ingest's own CPU per reading, without the broker: validate an uplink payload
// (checkUplink), check its patients' attribution (servedPatients, where the store has it) and store
// it (SQLite storeBatch, as the ingest calls them), for batches of 500
// spot readings. CPU µs of this process per reading, median of several rounds (the machine is
// shared and noisy). Run: `npx tsc -b && node bench/ingest-store.mjs`; `--postgres` also runs it
// on the PostgreSQL store (a server of its own unless TELECART_TEST_PG_URL is set), where the
// server's CPU is not in the figure, so it also gives wall µs per reading.
// Relative to this file, dist is ../cloud/dist; BENCH_CLOUD_DIST takes an absolute path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// BENCH_CLOUD_DIST=<dir>: another build of cloud/ (e.g. the previous release's, to compare in one sitting).
const dist = process.env.BENCH_CLOUD_DIST ? `file://${process.env.BENCH_CLOUD_DIST.replace(/\/$/, '')}` : '../cloud/dist';
const { checkUplink } = await import(`${dist}/ingest/batch-validation.js`);
const { SqliteStore } = await import(`${dist}/store/sqlite-store.js`);
const { PostgresStore } = await import(`${dist}/store/postgres-store.js`);
const { startPostgres } = await import(`${dist}/testing/postgres.js`);
const { batchOf, reading } = await import(`${dist}/testing/observations.js`);

const KINDS = ['bp', 'pulse', 'spo2', 'weight', 'temperature'];
const PATIENTS = 20;
const SIZE = 500;

function payloads(gatewayId, batches, firstSeq) {
  const out = [];
  let seq = firstSeq;
  for (let b = 0; b < batches; b++) {
    const obs = [];
    for (let i = 0; i < SIZE; i++, seq++) {
      const at = new Date(Date.parse('2026-11-23T08:00:00Z') + seq * 1000).toISOString();
      obs.push(reading(KINDS[seq % KINDS.length], { seq, gatewayId, at, patientId: `p-${seq % PATIENTS}` }));
    }
    out.push(Buffer.from(JSON.stringify(batchOf(obs, { gatewayId }))));
  }
  return out;
}

const cpuUs = (c0) => {
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `pgUrl` set: the PostgreSQL store, in a schema of its own (dropped after); else a fresh SQLite file. */
export async function benchIngestStore({ rounds = 7, batches = 8, pgUrl } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-ingest-'));
  const schema = `bench_ingest_${process.pid}_${Date.now()}`;
  const store = pgUrl ? await PostgresStore.open({ url: pgUrl, schema }) : new SqliteStore({ file: join(dir, 'cloud.db') });
  // The bench's patients, assigned to its cart as the configuration would (stores that know assignments).
  const seeds = Array.from({ length: PATIENTS }, (_, i) => ({ id: `p-${i}`, family: 'BENCH', given: `P${i}`, gateways: ['cart-bench'] }));
  await store.upsertPatients(seeds);
  const check = [];
  const both = [];
  const wall = [];
  let seq = 1;
  try {
    for (let r = 0; r < rounds; r++) {
      const work = payloads('cart-bench', batches, seq);
      seq += batches * SIZE;
      let c0 = process.cpuUsage();
      for (const p of work) checkUplink(p, { gatewayId: 'cart-bench', lane: 'spot' }, 64 << 20);
      check.push(cpuUs(c0) / (batches * SIZE));
      // Fresh readings for the stored round (the checked ones above would be duplicates).
      const fresh = payloads('cart-bench', batches, seq);
      seq += batches * SIZE;
      c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (const p of fresh) {
        const c = checkUplink(p, { gatewayId: 'cart-bench', lane: 'spot' }, 64 << 20);
        if (!c.ok) throw new Error(c.error);
        // As the ingest does: which of the batch's patients the configuration assigns to the cart.
        if (store.servedPatients) {
          const served = await store.servedPatients('cart-bench', [...new Set(c.batch.observations.map((o) => o.patient.id))]);
          if (served.size !== PATIENTS) throw new Error(`${served.size} of ${PATIENTS} patients served`);
        }
        const res = await store.storeBatch(c.batch);
        if (res.inserted.length !== SIZE) throw new Error(`stored ${res.inserted.length} of ${SIZE}`);
      }
      both.push(cpuUs(c0) / (batches * SIZE));
      wall.push(Number(process.hrtime.bigint() - t0) / 1000 / (batches * SIZE));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    if (pgUrl) {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
  return {
    checkUsPerReading: Number(median(check).toFixed(2)),
    checkAndStoreUsPerReading: Number(median(both).toFixed(2)),
    wallUsPerReading: Number(median(wall).toFixed(2)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = [{ store: 'sqlite', ...(await benchIngestStore()) }];
  if (process.argv.includes('--postgres')) {
    const server = process.env.TELECART_TEST_PG_URL ? undefined : await startPostgres();
    try {
      rows.push({ store: 'postgres', ...(await benchIngestStore({ pgUrl: process.env.TELECART_TEST_PG_URL ?? server.url })) });
    } finally {
      await server?.stop();
    }
  }
  console.table(rows);
}
