// The SQLite intake's CPU per reading (docs/region.md, « Where the 10,000 storm's CPU goes »): a fresh
// cloud file (migrated by SqliteStore), then GATEWAYS gateways' 100 readings each, as 2 batches of 50
// from the fleet simulator's reading maker, stored through SqliteIntake (the code the intake thread runs)
// in rounds of ROUND batches on one connection: each round one transaction and one fsync, as in a storm.
// The machine is shared: note the load. Usage (after npm run build):
//   node bench/intake-cost.mjs [gateways=2000] [round=100] [indexes]
// `indexes`: `built` (default: the migrations' indexes), `+patient-code` (observations_patient_code_time
// made if missing: the "before" of docs/region.md « Fewer index entries »), `-patient-code` (dropped if there),
// `-observations_NAME` (that index dropped: what one index costs). STORM=1: the storm's order (« What the intake waits on »).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeReading } from '../cli/dist/commands/fleet/readings.js';
import { openSqliteFile } from '../cloud/dist/store/sqlite-file.js';
import { SqliteIntake } from '../cloud/dist/store/sqlite-intake.js';
import { SqliteStore } from '../cloud/dist/store/sqlite-store.js';

const G = Number(process.argv[2] ?? 2000);
const ROUND = Number(process.argv[3] ?? 100);
const INDEXES = process.argv[4] ?? 'built';
// PRAGMA wal_autocheckpoint of the intake's connection (pages; SQLite's default 1000), for a before/after.
const CHECKPOINT = process.argv[5] === undefined ? null : Number(process.argv[5]);
if (!['built', '+patient-code', '-patient-code'].includes(INDEXES) && !/^-observations_[a-z_]+$/.test(INDEXES))
  throw new Error(`unknown indexes variant ${INDEXES}`);
const dir = mkdtempSync(join(tmpdir(), 'telecart-intake-cost-'));
const file = join(dir, 'cloud.db');
try {
  const store = new SqliteStore({ file, sqliteIntakeThread: false });
  await store.upsertPatients(
    Array.from({ length: G }, (_, i) => ({ id: `p-${i}`, family: 'BENCH', given: `G${i}`, gateways: [`gw-${i}`] })),
  );
  await store.close();
  const batches = [];
  // STORM=1: as in a reconnect storm, every gateway recorded its readings over the same outage (one
  // reading every OUTAGE_MS ÷ 100, its own start) and the gateways come back in random order, so the
  // time-ordered indexes take their inserts all over the outage's range, not at their end.
  const storm = process.env.STORM === '1';
  const outageMs = 30_000;
  const t0 = Date.now() - outageMs;
  for (let g = 0; g < G; g++)
    for (let h = 0; h < 2; h++) {
      const ctx = { gatewayId: `gw-${g}`, patientId: `p-${g}`, kind: 'home-kit' };
      const start = storm ? t0 + ((g * 7919) % 1000) : 0;
      const observations = Array.from({ length: 50 }, (_, i) =>
        makeReading(ctx, 1 + i + h * 50, 'spot', storm ? start + ((i + h * 50) * outageMs) / 100 : Date.now()),
      );
      batches.push({ v: 1, batchId: randomUUID(), gatewayId: ctx.gatewayId, lane: 'spot', sentAt: new Date().toISOString(), observations });
    }
  if (storm) {
    // A gateway's two batches stay in order; the gateways are shuffled (a fixed seed: runs compare).
    let seed = 1;
    const rnd = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const order = Array.from({ length: G }, (_, g) => g);
    for (let i = G - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const byGateway = order.map((g) => [batches[2 * g], batches[2 * g + 1]]);
    batches.length = 0;
    for (const pair of byGateway) batches.push(...pair);
  }
  const db = openSqliteFile(file);
  if (INDEXES === '+patient-code')
    db.exec('CREATE INDEX IF NOT EXISTS observations_patient_code_time ON observations (patient_id, loinc, effective_ms DESC)');
  if (INDEXES === '-patient-code') db.exec('DROP INDEX IF EXISTS observations_patient_code_time');
  // What one index costs (an experiment, not a schema): `-observations_time` drops that index.
  if (/^-observations_[a-z_]+$/.test(INDEXES)) db.exec(`DROP INDEX ${INDEXES.slice(1)}`);
  const indexes = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observations'").pluck().get();
  if (CHECKPOINT !== null) db.pragma(`wal_autocheckpoint = ${CHECKPOINT}`);
  // Before/after of the connection's page cache and memory map (MiB), from the environment.
  if (process.env.BENCH_CACHE_MIB) db.pragma(`cache_size = -${Number(process.env.BENCH_CACHE_MIB) * 1024}`);
  if (process.env.BENCH_MMAP_MIB) db.pragma(`mmap_size = ${Number(process.env.BENCH_MMAP_MIB) * 1024 * 1024}`);
  const cacheMiB = -db.pragma('cache_size', { simple: true }) / 1024;
  const mmapMiB = db.pragma('mmap_size', { simple: true }) / 1024 / 1024;
  const walAutocheckpoint = db.pragma('wal_autocheckpoint', { simple: true });
  const intake = new SqliteIntake(db);
  // Bytes the process wrote through system calls (the WAL and the checkpoints) and those that reached the disk.
  const io = () =>
    Object.fromEntries(
      readFileSync('/proc/self/io', 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(': '))
        .map(([k, v]) => [k, Number(v)]),
    );
  const io0 = io();
  const load0 = loadavg()[0];
  const u0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < batches.length; i += ROUND) intake.intake(batches.slice(i, i + ROUND), [], new Date().toISOString());
  const u = process.cpuUsage(u0);
  const cpu = (u.user + u.system) / 1000;
  const wall = performance.now() - w0;
  const io1 = io();
  const perReading = (k) => ((io1[k] - io0[k]) / (G * 100) / 1024).toFixed(1);
  db.close();
  console.log(
    `${G} gateways × 100 readings${storm ? ' (storm order)' : ''}, rounds of ${ROUND} batches, ${indexes} indexes on observations (${INDEXES}), wal_autocheckpoint ${walAutocheckpoint}, cache ${cacheMiB} MiB, mmap ${mmapMiB} MiB: CPU ${(cpu / G).toFixed(2)} ms a gateway ` +
      `(${((cpu * 1000) / (G * 100)).toFixed(1)} µs a reading), wall ${(wall / G).toFixed(2)} ms a gateway; written ${perReading('wchar')} KiB a reading (to disk ${perReading('write_bytes')}) (load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
