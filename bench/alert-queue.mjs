// The alert queue's cost per reading after the store's commit (migration 8; the queue row written
// inside storeBatch is measured by cloud-store.mjs): what the alert engine pays to take readings
// off the queue, rule work aside: a round of 200 read (pendingJudgements) then judged in one
// transaction (judge, nothing to raise), as the engine does; and, for comparison, a transaction
// per reading.
// Run: `npx tsc -b && node bench/alert-queue.mjs` (starts its own PostgreSQL unless
// TELECART_TEST_PG_URL is set). `--quick` for a short run.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from '../cloud/dist/store/postgres-store.js';
import { SqliteStore } from '../cloud/dist/store/sqlite-store.js';
import { batchOf, reading } from '../cloud/dist/testing/observations.js';
import { startPostgres } from '../cloud/dist/testing/postgres.js';

const ROUND = 200; // the engine's DRAIN_ROUND

/** CPU seconds of a process and its direct children (the postmaster and its backends). */
function treeCpuSeconds(rootPid) {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(entry) === rootPid || Number(f[1]) === rootPid) total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // Ended while we looked.
    }
  }
  return total;
}

async function timed(serverPid, fn) {
  const c0 = process.cpuUsage();
  const s0 = serverPid === undefined ? 0 : treeCpuSeconds(serverPid);
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 + (serverPid === undefined ? 0 : treeCpuSeconds(serverPid) - s0) };
}

async function fill(store, total) {
  const gatewayId = `cart-${randomUUID().slice(0, 8)}`;
  for (let seq = 1; seq <= total; seq += 500) {
    const obs = Array.from({ length: Math.min(500, total - seq + 1) }, (_, i) =>
      reading('pulse', { seq: seq + i, gatewayId, patientId: `p-${(seq + i) % 20}` }),
    );
    await store.storeBatch(batchOf(obs, { gatewayId }));
  }
}

/** As the engine's drain with nothing to raise: a round read, then one judge transaction (or one per reading). */
async function drain(store, oneByOne) {
  for (;;) {
    const pending = await store.pendingJudgements(ROUND);
    if (pending.length === 0) return;
    const round = pending.map((p) => ({ queueId: p.queueId, triggers: [] }));
    if (oneByOne) for (const j of round) await store.judge([j]);
    else await store.judge(round);
  }
}

async function measure(name, store, total, serverPid) {
  const rows = [];
  for (const [how, oneByOne] of [
    ['a round per transaction (the engine)', false],
    ['a transaction per reading (for comparison)', true],
  ]) {
    await fill(store, total);
    const t = await timed(serverPid, () => drain(store, oneByOne));
    rows.push({
      store: name,
      path: how,
      readings: total,
      wallUsPerReading: +((t.wall / total) * 1e6).toFixed(1),
      cpuUsPerReading: +((t.cpu / total) * 1e6).toFixed(1),
    });
  }
  return rows;
}

export async function benchAlertQueue({ quick = false } = {}) {
  const total = quick ? 2_000 : 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-queue-'));
  const given = process.env.TELECART_TEST_PG_URL;
  const server = given ? undefined : await startPostgres();
  const url = given ?? server.url;
  const serverPid = server ? Number(readFileSync(join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) : undefined;
  const rows = [];
  try {
    const lite = new SqliteStore({ file: join(dir, 'cloud.db') });
    await measure('sqlite', lite, 1000); // warm-up
    rows.push(...(await measure('sqlite', lite, total)));
    await lite.close();
    const pgs = await PostgresStore.open({ url, schema: `bench_queue_${process.pid}` });
    await measure('postgres', pgs, 1000, serverPid);
    rows.push(...(await measure('postgres', pgs, total, serverPid)));
    await pgs.close();
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('\n## Alert queue: taking stored readings off the queue (µs per reading, after the commit)');
  console.table(await benchAlertQueue({ quick: process.argv.includes('--quick') }));
}
