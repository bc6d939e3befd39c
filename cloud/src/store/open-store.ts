/**
 * Picks the cloud store from the `db` setting: absent → the SQLite file in the data directory;
 * a postgres:// (or postgresql://) URL → PostgreSQL.
 */
import type { CloudStore } from './cloud-store.js';
import { isPostgresUrl } from './db-url.js';
import { PostgresStore } from './postgres-store.js';
import type { UnreadableRowListener } from './row-decoder.js';
import { SqliteStore } from './sqlite-store.js';

export interface OpenCloudStoreOptions {
  /** postgres://… to use PostgreSQL; undefined for SQLite. */
  db?: string;
  /** The SQLite file used when `db` is undefined. */
  sqliteFile: string;
  /** PostgreSQL schema for the tables (default: the server's search_path). */
  schema?: string;
  /** An idle PostgreSQL connection failed; the pool replaces it. */
  onConnectionError?: (err: Error) => void;
  /** A read skipped a stored row it cannot serve (reported once per row). */
  onUnreadableRow?: UnreadableRowListener;
  /**
   * SQLite: commit the ingest's writes in a worker thread, off the event loop (default true;
   * docs/region.md, « The reconnect storm »). false: on the event loop, as before.
   */
  sqliteIntakeThread?: boolean;
  /** SQLite: the intake thread died (its unanswered rounds were not acked; the next round starts another). */
  onIntakeThreadExit?: (err: Error) => void;
}

export async function openCloudStore(opts: OpenCloudStoreOptions): Promise<CloudStore> {
  if (opts.db === undefined) {
    const store = new SqliteStore({
      file: opts.sqliteFile,
      onUnreadableRow: opts.onUnreadableRow,
      ...(opts.sqliteIntakeThread === false ? {} : { intakeThread: { onExit: opts.onIntakeThreadExit } }),
    });
    // Its intake thread starts with the first round; a thread that cannot start fails that round
    // (not acked: the gateways resend) and is reported through onIntakeThreadExit.
    return store;
  }
  if (!isPostgresUrl(opts.db)) throw new Error('db must be a postgres:// or postgresql:// URL');
  try {
    return await PostgresStore.open({
      url: opts.db,
      schema: opts.schema,
      onConnectionError: opts.onConnectionError,
      onUnreadableRow: opts.onUnreadableRow,
    });
  } catch (e) {
    // Name the server without the password the URL may carry.
    const u = new URL(opts.db);
    throw new Error(`cannot open the PostgreSQL store at ${u.hostname}:${u.port || 5432}${u.pathname}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
