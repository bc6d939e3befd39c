// Cloud store write throughput: storeBatch rows/s for the SQLite and PostgreSQL stores, by batch
// size, for new readings and for a redelivered batch (all duplicates), with one writer and with
// several concurrent writers (ingest workers sharing one store). Baselines in the same run: the
// row-by-row way of writing a batch (a statement per reading) on each database.
// Run: `npx tsc -b && node bench/cloud-store.mjs` (starts its own PostgreSQL unless
// TELECART_TEST_PG_URL is set). `node bench/cloud-store.mjs --quick` for a short run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../cloud/dist/store/postgres-store.js';
import { SqliteStore } from '../cloud/dist/store/sqlite-store.js';
import { batchOf, reading } from '../cloud/dist/testing/observations.js';
import { startPostgres } from '../cloud/dist/testing/postgres.js';

const KINDS = ['bp', 'pulse', 'spo2', 'weight', 'temperature'];

/** A UUIDv7 as the gateway makes them (time-ordered: the primary key index grows at its end). */
function v7(ms) {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `count` readings of a gateway as it sends them: UUIDv7 ids, increasing seqs, 20 patients. */
function readings(gatewayId, count, firstSeq = 1) {
  const t0 = Date.parse('2026-11-23T08:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const seq = firstSeq + i;
    const at = new Date(t0 + seq * 1000).toISOString();
    return reading(KINDS[seq % KINDS.length], { seq, gatewayId, id: v7(Date.now()), at, patientId: `p-${seq % 20}` });
  });
}

function batches(gatewayId, total, size) {
  const all = readings(gatewayId, total);
  const out = [];
  for (let i = 0; i < total; i += size) out.push(batchOf(all.slice(i, i + size), { gatewayId }));
  return out;
}

/** Auscultation recordings: a ~3 MB base64 FLAC attachment each (the protocol's limit). */
function recordingBatches(gatewayId, total, size) {
  const data = randomBytes(2_240_000).toString('base64');
  return batches(gatewayId, total, size).map((b) => ({
    ...b,
    observations: b.observations.map((o) => ({
      ...o,
      attachment: { contentType: 'audio/flac', data, size: 2_240_000, sha256: 'a'.repeat(64), durationMs: 30_000 },
    })),
  }));
}

/** CPU seconds used so far by a process and its direct children (the postmaster and its backends). */
function treeCpuSeconds(rootPid) {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(entry) === rootPid || Number(f[1]) === rootPid) total += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

let serverPid; // the PostgreSQL server's postmaster, when this bench started it
const serverCpu = () => (serverPid === undefined ? 0 : treeCpuSeconds(serverPid));

/** Wall seconds, and CPU seconds of this process plus the database server: the machine is shared and noisy. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const s0 = serverCpu();
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 + serverCpu() - s0 };
}

/** One writer per store, each storing its own gateway's batches back to back, all at once. */
async function measure(stores, total, size, make = batches) {
  const perWriter = Math.floor(total / stores.length);
  const work = stores.map((_, w) => make(`cart-${w + 1}`, perWriter, size));
  const fresh = await timed(() =>
    Promise.all(
      stores.map(async (s, w) => {
        for (const b of work[w]) await s.storeBatch(b);
      }),
    ),
  );
  // The same batches again, as after a gateway reconnect: every reading is a duplicate.
  const dup = await timed(() =>
    Promise.all(
      stores.map(async (s, w) => {
        for (const b of work[w]) {
          const r = await s.storeBatch(b);
          if (r.inserted.length !== 0) throw new Error('a redelivered batch inserted rows');
        }
      }),
    ),
  );
  const rows = perWriter * stores.length;
  const bytes = work.flat().reduce((n, b) => n + JSON.stringify(b).length, 0);
  return {
    rowsPerS: Math.round(rows / fresh.wall),
    mbPerS: Math.round(bytes / 1e6 / fresh.wall),
    cpuUsPerRow: Math.round((fresh.cpu / rows) * 1e6),
    dupRowsPerS: Math.round(rows / dup.wall),
  };
}

/** Baseline: the SQLite loop a first version would write: look up id, seq and content key, then insert. */
async function sqliteRowByRow(file, total, size) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const byId = db.prepare('SELECT id FROM observations WHERE id = ?');
  const bySeq = db.prepare('SELECT id FROM observations WHERE gateway_id = ? AND seq = ?');
  const byKey = db.prepare('SELECT id FROM observations WHERE content_key = ?');
  const patient = db.prepare(`INSERT INTO patients (id, ins, ins_oid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET ins = excluded.ins WHERE patients.ins IS NULL AND excluded.ins IS NOT NULL`);
  const ins =
    db.prepare(`INSERT INTO observations (id, gateway_id, seq, content_key, patient_id, loinc, mdc, effective, effective_ms, received, stored_at, json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const tx = db.transaction((b) => {
    const now = new Date().toISOString();
    for (const o of b.observations) {
      if (byId.get(o.id) || bySeq.get(b.gatewayId, o.seq) || (o.contentKey && byKey.get(o.contentKey))) continue;
      patient.run(o.patient.id, null, null, now, now);
      ins.run(
        o.id,
        b.gatewayId,
        o.seq,
        null,
        o.patient.id,
        o.code.loinc,
        o.code.mdc ?? null,
        o.time.effective,
        Date.parse(o.time.effective),
        o.time.received,
        now,
        JSON.stringify(o),
      );
    }
  });
  const work = batches('cart-rbr', total, size);
  const t = await timed(async () => {
    for (const b of work) tx.immediate(b);
  });
  db.close();
  return { rowsPerS: Math.round(total / t.wall), cpuUsPerRow: Math.round((t.cpu / total) * 1e6) };
}

/** Baseline: the same loop on PostgreSQL, one round trip per statement. */
async function pgRowByRow(url, schema, total, size) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  const work = batches('cart-rbr', total, size);
  const t = await timed(async () => {
    for (const b of work) {
      const now = new Date();
      await client.query('BEGIN');
      for (const o of b.observations) {
        const found = await client.query({
          name: 'f',
          text: 'SELECT id FROM observations WHERE id = $1 OR (gateway_id = $2 AND seq = $3) OR content_key = $4',
          values: [o.id, b.gatewayId, o.seq, o.contentKey ?? null],
        });
        if (found.rowCount) continue;
        await client.query({
          name: 'p',
          text: 'INSERT INTO patients (id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING',
          values: [o.patient.id, now],
        });
        await client.query({
          name: 'i',
          text: `INSERT INTO observations (id, gateway_id, seq, content_key, patient_id, loinc, mdc, status, effective, effective_ms, received, stored_at, json)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          values: [
            o.id,
            b.gatewayId,
            o.seq,
            null,
            o.patient.id,
            o.code.loinc,
            o.code.mdc ?? null,
            o.status,
            o.time.effective,
            Date.parse(o.time.effective),
            o.time.received,
            now,
            JSON.stringify(o),
          ],
        });
      }
      await client.query('COMMIT');
    }
  });
  await client.end();
  return { rowsPerS: Math.round(total / t.wall), cpuUsPerRow: Math.round((t.cpu / total) * 1e6) };
}

export async function benchCloudStore({ quick = false } = {}) {
  const total = quick ? 4_000 : 20_000;
  const sizes = quick ? [500] : [200, 500, 2000];
  const writers = [1, 4];
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-store-'));
  const given = process.env.TELECART_TEST_PG_URL;
  const server = given ? undefined : await startPostgres();
  const url = given ?? server.url;
  if (server) serverPid = Number(readFileSync(join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let schemas = 0;
  const rows = [];
  try {
    // Warm up (JIT, page cache, the server's catalogs) so the first row of the table is not penalised.
    const warm = new SqliteStore({ file: join(dir, 'warm.db') });
    await measure([warm], 4000, 500);
    await warm.close();
    const warmPg = await PostgresStore.open({ url, schema: `bench_${process.pid}_warm` });
    await measure([warmPg], 4000, 500);
    await warmPg.close();
    for (const size of sizes) {
      for (const n of writers) {
        const file = join(dir, `cloud-${size}-${n}.db`);
        const lite = Array.from({ length: n }, () => new SqliteStore({ file }));
        rows.push({ store: 'sqlite', batch: size, writers: n, ...(await measure(lite, total, size)) });
        await Promise.all(lite.map((s) => s.close()));

        const schema = `bench_${process.pid}_${++schemas}`;
        const pgs = await Promise.all(Array.from({ length: n }, () => PostgresStore.open({ url, schema, poolSize: 2 })));
        rows.push({ store: 'postgres', batch: size, writers: n, ...(await measure(pgs, total, size)) });
        await Promise.all(pgs.map((s) => s.close()));
      }
    }
    const recordings = quick ? 8 : 24;
    const file3 = join(dir, 'recordings.db');
    const lite = new SqliteStore({ file: file3 });
    rows.push({ store: 'sqlite, 3 MB recordings', batch: 4, writers: 1, ...(await measure([lite], recordings, 4, recordingBatches)) });
    await lite.close();
    const pg3 = await PostgresStore.open({ url, schema: `bench_${process.pid}_${++schemas}` });
    rows.push({ store: 'postgres, 3 MB recordings', batch: 4, writers: 1, ...(await measure([pg3], recordings, 4, recordingBatches)) });
    await pg3.close();
    // Baselines at 500 per batch, one writer, on fresh databases with the stores' schema.
    const file = join(dir, 'rbr.db');
    await new SqliteStore({ file }).close();
    rows.push({ store: 'sqlite, row by row (baseline)', batch: 500, writers: 1, ...(await sqliteRowByRow(file, total, 500)) });
    const schema = `bench_${process.pid}_${++schemas}`;
    await (await PostgresStore.open({ url, schema })).close();
    rows.push({ store: 'postgres, row by row (baseline)', batch: 500, writers: 1, ...(await pgRowByRow(url, schema, total, 500)) });
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchCloudStore({ quick: process.argv.includes('--quick') });
  console.log('\n## Cloud store: storeBatch throughput (rows/s; new readings, and the same batches redelivered)');
  console.table(rows);
  const pick = (store, batch, writers) => rows.find((r) => r.store === store && r.batch === batch && r.writers === writers);
  const lite = pick('sqlite', 500, 1);
  const pgOne = pick('postgres', 500, 1);
  const liteBase = rows.find((r) => r.store.startsWith('sqlite, row'));
  const pgBase = rows.find((r) => r.store.startsWith('postgres, row'));
  const ratio = (a, b) => `${(a.rowsPerS / b.rowsPerS).toFixed(2)}x rows/s, ${(b.cpuUsPerRow / a.cpuUsPerRow).toFixed(2)}x less CPU/row`;
  console.log(`batch 500 vs the row-by-row baseline: sqlite ${ratio(lite, liteBase)}; postgres ${ratio(pgOne, pgBase)}`);
}
