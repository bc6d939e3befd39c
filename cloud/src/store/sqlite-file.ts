/**
 * Opens a connection to the cloud's SQLite file with the settings every connection to it needs:
 * WAL (readers go on while a writer commits, and the store's two connections — the event loop's
 * and the intake thread's — share the file), synchronous=FULL because a BatchAck promises the
 * readings survive a power cut the moment it is sent, foreign keys, and a busy timeout for the
 * moments both connections want to write.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export function openSqliteFile(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** A connection's statements, each prepared once per SQL text (a handful per user: one per query shape). */
export class PreparedStatements {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** Runs a compiled (Kysely) statement, inside the caller's synchronous transaction if any; rows changed. */
  run(q: { sql: string; parameters: readonly unknown[] }): number {
    return this.get(q.sql).run(...q.parameters).changes;
  }
}
