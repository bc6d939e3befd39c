// Compares the two SQLite bindings named in the design, on the gateway's write pattern:
// WAL + synchronous=FULL, a 36-char UUID key and a ~400-byte JSON observation per row.
// Prints inserts/s for per-reading commits (what the gateway does when a device sends one
// reading) and for 1,000-row transactions (a RACP download), and what survives SIGKILL.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sqlite3 from 'sqlite3';

const PAYLOAD = JSON.stringify({ code: { loinc: '85354-9' }, components: [120, 80, 93], flags: [], pad: 'x'.repeat(300) });
const DDL = 'CREATE TABLE IF NOT EXISTS r (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, body TEXT NOT NULL)';

function better(file, rows, txSize) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(DDL);
  const ins = db.prepare('INSERT INTO r (id, body) VALUES (?, ?)');
  const tx = db.transaction((n) => {
    for (let i = 0; i < n; i++) ins.run(randomUUID(), PAYLOAD);
  });
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < rows; done += txSize) tx(Math.min(txSize, rows - done));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return rows / s;
}

function run(db, sql, params = []) {
  return new Promise((res, rej) => db.run(sql, params, (e) => (e ? rej(e) : res())));
}

async function async3(file, rows, txSize) {
  const db = new sqlite3.Database(file);
  await run(db, 'PRAGMA journal_mode = WAL');
  await run(db, 'PRAGMA synchronous = FULL');
  await run(db, DDL);
  const ins = db.prepare('INSERT INTO r (id, body) VALUES (?, ?)');
  const insRun = (a, b) => new Promise((res, rej) => ins.run(a, b, (e) => (e ? rej(e) : res())));
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < rows; done += txSize) {
    const n = Math.min(txSize, rows - done);
    await run(db, 'BEGIN');
    for (let i = 0; i < n; i++) await insRun(randomUUID(), PAYLOAD);
    await run(db, 'COMMIT');
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise((r) => ins.finalize(r));
  await new Promise((r) => db.close(r));
  return rows / s;
}

// Child mode: insert one row per commit forever, print the seq after each commit returns.
async function child(binding, file) {
  if (binding === 'better') {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(DDL);
    const ins = db.prepare('INSERT INTO r (id, body) VALUES (?, ?)');
    for (;;) {
      const { lastInsertRowid } = ins.run(randomUUID(), PAYLOAD);
      process.stdout.write(`${lastInsertRowid}\n`);
      await new Promise((r) => setImmediate(r));
    }
  }
  const db = new sqlite3.Database(file);
  await run(db, 'PRAGMA journal_mode = WAL');
  await run(db, 'PRAGMA synchronous = FULL');
  await run(db, DDL);
  for (;;) {
    const id = await new Promise((res, rej) =>
      db.run('INSERT INTO r (id, body) VALUES (?, ?)', [randomUUID(), PAYLOAD], function (e) {
        return e ? rej(e) : res(this.lastID);
      }),
    );
    process.stdout.write(`${id}\n`);
  }
}

async function killTrial(binding, dir, trial) {
  const file = join(dir, `kill-${binding}-${trial}.db`);
  const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', binding, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = 0;
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l) last = Number(l);
  });
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
  p.kill('SIGKILL');
  await new Promise((r) => p.on('exit', r));
  const db = new Database(file, { readonly: false });
  const { n, m } = db.prepare('SELECT count(*) n, max(seq) m FROM r').get();
  const integrity = db.pragma('integrity_check', { simple: true });
  db.close();
  return { reported: last, present: n, lost: Math.max(0, last - (m ?? 0)), ok: integrity === 'ok' };
}

export async function benchSqliteBindings({ rows = 20_000, singleRows = 1_500, killTrials = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-sqlite-bench-'));
  try {
    const results = [];
    for (const [name, fn] of [
      ['better-sqlite3 12', better],
      ['sqlite3 6', async3],
    ]) {
      const perRow = await fn(join(dir, `${name}-1.db`), singleRows, 1);
      const tx1000 = await fn(join(dir, `${name}-1000.db`), rows, 1000);
      const binding = name.startsWith('better') ? 'better' : 'sqlite3';
      let lost = 0;
      let corrupt = 0;
      let reported = 0;
      for (let t = 0; t < killTrials; t++) {
        const k = await killTrial(binding, dir, t);
        lost += k.lost;
        corrupt += k.ok ? 0 : 1;
        reported += k.reported;
      }
      results.push({
        binding: name,
        perRowCommitsPerS: Math.round(perRow),
        tx1000RowsPerS: Math.round(tx1000),
        killTrials,
        commitsBeforeKill: reported,
        lostAfterKill: lost,
        corrupt,
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchSqliteBindings();
  console.table(r);
  const [b, s] = r;
  console.log(
    `ratio better-sqlite3 / sqlite3: per-row commits ${(b.perRowCommitsPerS / s.perRowCommitsPerS).toFixed(2)}x, 1000-row tx ${(b.tx1000RowsPerS / s.tx1000RowsPerS).toFixed(2)}x`,
  );
}
