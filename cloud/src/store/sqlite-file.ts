/**
 * Opens a connection to the cloud's SQLite file with the settings every connection to it needs:
 * WAL (readers go on while a writer commits, and the store's two connections — the event loop's
 * and the intake thread's — share the file), synchronous=FULL because a BatchAck promises the
 * readings survive a power cut the moment it is sent, foreign keys, and a busy timeout for the
 * moments both connections want to write. A page cache of 64 MiB (SQLite's default is 2 MiB): a
 * storm's million readings touch index pages all over the file (random reading ids, 10,000
 * gateways' seqs), and each page missing from the cache is a read from the OS; filled only as pages
 * are used (docs/region.md, « Where a gateway's milliseconds go »).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Each connection's page cache, KiB (negative cache_size: KiB, not pages). */
export const CACHE_KIB = 64 * 1024;

export function openSqliteFile(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${CACHE_KIB}`);
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
