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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`store schema v${current} is newer than this gateway understands (v${SCHEMA_VERSION}); refusing to open it`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
