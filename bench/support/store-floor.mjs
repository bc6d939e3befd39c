// The gateway store's floor: the SQLite work each acked reading cannot avoid, timed alone with the
// store's own schema, pragmas (WAL, synchronous=FULL) and statements: the INSERT (table + its
// indexes, the content key among them: dedup) in 1,000-row fsync'd transactions, in runs of
// INSERT_RUN_ROWS rows per statement as the store writes a burst, then on the ack
// the synced content keys kept (a re-read after sync is still a duplicate), the tally of what
// leaves and the DELETE, each one statement per acked range. No decoding, validation, JSON, MQTT or cloud: nothing that a faster gateway could
// skip. 1e6 / (µs per reading) is the most a single-threaded gateway can ack on this disk and core.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACK_DELETE_SQL, ACK_TALLY_SQL, INSERT_RUN_ROWS, insertReadingsSql, REMEMBER_KEYS_SQL, ReadingStore } from '@telecart/gateway';
import Database from 'better-sqlite3';
import { asObservation, spotInput } from './readings.mjs';

export function storeFloor({ readings = 20_000, tx = 1000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-floor-'));
  try {
    new ReadingStore({ dataDir: dir, gatewayId: 'bench-floor' }).close(); // the real schema
    const db = new Database(join(dir, 'gateway.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const rows = Array.from({ length: readings }, (_, i) => {
      const o = asObservation({ ...spotInput(i), patient: { id: 'p-001' } }, i + 1, 'bench-floor');
      return { seq: i + 1, id: o.id, key: `bp:${i}:${o.id}`, json: JSON.stringify(o) };
    });
    const runs = new Map();
    const insertRun = (n) => runs.get(n) ?? runs.set(n, db.prepare(insertReadingsSql(n))).get(n);
    const del = db.prepare(ACK_DELETE_SQL);
    const tally = db.prepare(ACK_TALLY_SQL).raw();
    const remember = db.prepare(REMEMBER_KEYS_SQL);
    const record = db.transaction((from, to) => {
      for (let i = from; i < to; i += INSERT_RUN_ROWS) {
        const values = [];
        for (const r of rows.slice(i, Math.min(to, i + INSERT_RUN_ROWS)))
          values.push(r.seq, r.id, r.key, 'spot', 1, 'pending', r.json, r.json.length, Date.now());
        insertRun(values.length / 9).run(values);
      }
    });
    const ack = db.transaction((first, last) => {
      remember.run(Date.now(), first, last);
      tally.all(first, last);
      del.run(first, last);
    });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < readings; i += tx) record(i, Math.min(readings, i + tx));
    const t1 = performance.now();
    for (let i = 0; i < readings; i += tx) ack(i + 1, Math.min(readings, i + tx));
    const t2 = performance.now();
    const cpu = process.cpuUsage(c0);
    db.close();
    const perReading = (ms) => Number(((ms * 1000) / readings).toFixed(1));
    return {
      rowBytes: Math.round(rows.reduce((a, r) => a + r.json.length, 0) / readings),
      insertUs: perReading(t1 - t0),
      ackDeleteUs: perReading(t2 - t1),
      floorUs: perReading(t2 - t0),
      floorCpuUs: Number(((cpu.user + cpu.system) / readings).toFixed(1)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
