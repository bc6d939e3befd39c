/**
 * Schema of the SQLite cloud store, as ordered migrations recorded in `schema_migrations`,
 * so a database created by an older release is brought forward on open, never rebuilt.
 */
import type Database from 'better-sqlite3';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'observations, patients, gateways',
    sql: `
      CREATE TABLE patients (
        id          TEXT PRIMARY KEY,
        ins         TEXT,
        ins_oid     TEXT,
        family      TEXT,
        given       TEXT,
        birth_date  TEXT,
        configured  INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );

      -- The validated observation JSON plus the columns the queries need.
      -- effective_ms orders and filters readings whatever offset the ISO time carries.
      CREATE TABLE observations (
        id            TEXT PRIMARY KEY,
        gateway_id    TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        content_key   TEXT,
        patient_id    TEXT NOT NULL REFERENCES patients(id),
        loinc         TEXT NOT NULL,
        mdc           INTEGER,
        effective     TEXT NOT NULL,
        effective_ms  INTEGER NOT NULL,
        received      TEXT NOT NULL,
        stored_at     TEXT NOT NULL,
        json          TEXT NOT NULL
      );
      CREATE UNIQUE INDEX observations_gateway_seq ON observations (gateway_id, seq);
      CREATE UNIQUE INDEX observations_content_key ON observations (content_key) WHERE content_key IS NOT NULL;
      CREATE INDEX observations_patient_code_time ON observations (patient_id, loinc, effective_ms DESC);
      CREATE INDEX observations_patient_time ON observations (patient_id, effective_ms DESC);
      CREATE INDEX observations_code_time ON observations (loinc, effective_ms DESC);
      CREATE INDEX observations_time ON observations (effective_ms DESC);

      CREATE TABLE gateways (
        gateway_id          TEXT PRIMARY KEY,
        online              INTEGER NOT NULL DEFAULT 0,
        status_at           TEXT,
        version             TEXT,
        backlog_json        TEXT,
        devices_json        TEXT,
        status_received_at  TEXT,
        last_batch_at       TEXT
      );
    `,
  },
];

export function migrate(db: Database.Database, now: () => Date): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  if (newest > known) throw new Error(`database schema version ${newest} is newer than this release knows (${known})`);
  const done: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now().toISOString());
    }).immediate();
    done.push(m.version);
  }
  return done;
}
