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
