/**
 * The store's SQLite schema, versioned with PRAGMA user_version. Each migration runs once, in a
 * transaction; a database from a newer gateway is refused rather than misread.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- seq is assigned from meta.last_seq, never from max(seq): it is never reused after deletes.
  CREATE TABLE readings (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    content_key TEXT UNIQUE,
    lane TEXT NOT NULL CHECK (lane IN ('alarm', 'spot', 'waveform')),
    lane_rank INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'pending', 'rejected')),
    observation TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    reject_reason TEXT
  );
  CREATE INDEX readings_by_state ON readings (state, lane_rank, seq);
  -- Content keys of readings the cloud stored (rows deleted): a re-read after sync is still a duplicate.
  CREATE TABLE synced_keys (
    content_key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    synced_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX synced_keys_by_time ON synced_keys (synced_at);
  INSERT INTO meta (key, value) VALUES ('last_seq', '0');
  `,
  // v2: no UNIQUE on readings.id (3 B-trees per reading instead of 4). Ids are unique because the
  // store makes them itself, strictly increasing: its UUIDv7 generator resumes after meta.last_id
  // (written with last_seq in each transaction), so even a clock stepped back across a restart
  // gives a greater id. last_id starts at the greatest id the store still holds.
  `
  CREATE TABLE readings_v2 (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    content_key TEXT UNIQUE,
    lane TEXT NOT NULL CHECK (lane IN ('alarm', 'spot', 'waveform')),
    lane_rank INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'pending', 'rejected')),
    observation TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    reject_reason TEXT
  );
  INSERT INTO readings_v2 (seq, id, content_key, lane, lane_rank, state, observation, bytes, created_at, reject_reason)
    SELECT seq, id, content_key, lane, lane_rank, state, observation, bytes, created_at, reject_reason FROM readings ORDER BY seq;
  DROP TABLE readings;
  ALTER TABLE readings_v2 RENAME TO readings;
  CREATE INDEX readings_by_state ON readings (state, lane_rank, seq);
  INSERT INTO meta (key, value)
    SELECT 'last_id', COALESCE(MAX(id), '') FROM (SELECT MAX(id) AS id FROM readings UNION ALL SELECT MAX(id) FROM synced_keys);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * A migration of a store made before, said before and after it runs: v2 rebuilds the readings table,
 * 20–98 s per million readings measured (docs/footprint.md, « The store's migration at start »), and the
 * gateway is not ready meanwhile (its event loop is held: no nurse page, no sync).
 */
export type StoreMigration = { from: number; to: number; readings: number } & ({ phase: 'start' } | { phase: 'done'; ms: number });

/**
 * Brings the store to `target` (default: this gateway's version; a lower one builds an old store for the
 * migration tests). `onStep` hears of each step of a store made before (not of a new file's).
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION, onStep?: (m: StoreMigration) => void): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`store schema v${current} is newer than this gateway understands (v${SCHEMA_VERSION}); refusing to open it`);
  }
  // A new file (v0) is made, not migrated: nothing to say.
  const say = current > 0 ? onStep : undefined;
  for (let v = current; v < Math.min(target, SCHEMA_VERSION); v++) {
    const sql = MIGRATIONS[v] as string;
    const step = { from: v, to: v + 1, readings: say ? Number(db.prepare('SELECT COUNT(*) FROM readings').pluck().get()) : 0 };
    say?.({ ...step, phase: 'start' });
    const t0 = performance.now();
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
    say?.({ ...step, phase: 'done', ms: Math.round(performance.now() - t0) });
  }
}
