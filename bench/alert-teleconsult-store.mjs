// The store calls of alerts and teleconsultations (not on the ingest path), per call: CPU µs of
// this process and wall µs, medians of several rounds, on the SQLite store and (with
// `--postgres`) the PostgreSQL store (a server of its own unless TELECART_TEST_PG_URL is set;
// its CPU is not in the figure). Written to compare builds in one sitting: BENCH_CLOUD_DIST=<dir>
// (absolute) runs another build of cloud/ (e.g. the commit before a change).
// Run: `npx tsc -b && node bench/alert-teleconsult-store.mjs --postgres`.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.BENCH_CLOUD_DIST ? `file://${process.env.BENCH_CLOUD_DIST.replace(/\/$/, '')}` : '../cloud/dist';
const { SqliteStore } = await import(`${dist}/store/sqlite-store.js`);
const { PostgresStore } = await import(`${dist}/store/postgres-store.js`);
const { startPostgres } = await import(`${dist}/testing/postgres.js`);

const ROUNDS = 7;
const CALLS = 200;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t0 = Date.parse('2026-11-23T08:00:00Z');
const iso = (i) => new Date(t0 + i * 60_000).toISOString();

function act(i) {
  return {
    sessionId: randomUUID(),
    gatewayId: `cart-${i % 4}`,
    patientId: `p-${i % 20}`,
    patientIns: null,
    requestedSpecialistId: null,
    specialistId: null,
    specialistName: null,
    reason: 'bench',
    consent: { by: 'patient', method: 'oral', representative: null, collectedAt: iso(i), collectedBy: 'nurse' },
    status: 'waiting',
    outcome: null,
    createdAt: iso(i),
    joinedAt: null,
    connectedAt: null,
    endedAt: null,
    durationMs: null,
    updatedAt: iso(i),
  };
}

/** CPU and wall µs per call of `fn(i)`, `CALLS` sequential calls a round. */
async function perCall(fn) {
  const cpu = [];
  const wall = [];
  let n = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) await fn(n++);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / CALLS);
    wall.push(Number(process.hrtime.bigint() - w0) / 1000 / CALLS);
  }
  return `${median(cpu).toFixed(0)} / ${median(wall).toFixed(0)}`;
}

async function run(store) {
  const row = {};
  row['upsertOpenAlert'] = await perCall((i) =>
    store.upsertOpenAlert({
      patientId: `p-${i % 20}`,
      rule: `rule-${i % 5}`,
      severity: i % 3 ? 'warning' : 'critical',
      at: new Date(t0 + i * 1000),
      observationIds: [randomUUID()],
      textKey: 'bench',
      values: { kg: i },
    }),
  );
  row['listAlerts (100)'] = await perCall(() => store.listAlerts({ status: 'open', limit: 100 }));
  row['upsertTeleconsultation'] = await perCall((i) => store.upsertTeleconsultation(act(i)));
  row['listTeleconsultations (50)'] = await perCall(() => store.listTeleconsultations({ gatewayPatterns: ['cart-*'], limit: 50 }));
  row['appendAudit'] = await perCall((i) => store.appendAudit({ at: iso(i), actor: 'dr-a', actorRole: 'specialist', action: 'join' }));
  row['listAudit (50)'] = await perCall(() => store.listAudit({ actor: 'dr-a', limit: 50 }));
  return row;
}

const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-alerts-'));
const rows = [];
try {
  const lite = new SqliteStore({ file: join(dir, 'cloud.db') });
  rows.push({ store: 'sqlite', ...(await run(lite)) });
  await lite.close();
  if (process.argv.includes('--postgres')) {
    const server = process.env.TELECART_TEST_PG_URL ? undefined : await startPostgres();
    try {
      const url = process.env.TELECART_TEST_PG_URL ?? server.url;
      const schema = `bench_alerts_${process.pid}`;
      const pgStore = await PostgresStore.open({ url, schema });
      rows.push({ store: 'postgres', ...(await run(pgStore)) });
      await pgStore.close();
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await client.end();
    } finally {
      await server?.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('CPU µs / wall µs per call');
console.table(rows);
