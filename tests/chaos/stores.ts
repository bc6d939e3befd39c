/**
 * Read-only views of the two stores, straight from their SQLite files, so they work while the
 * service is dead, restarting, or in another network namespace: what the cloud holds (counted by
 * reading identity), and the gateway's backlog.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { readingKey } from './load.js';

interface StoredObservation {
  id: string;
  seq: number;
  device: { id: string };
  code: { loinc: string; mdc?: number };
  time: { device?: string | null };
}

/** Everything one gateway's readings became in the cloud, read incrementally by rowid. */
export class CloudView {
  readonly byKey = new Map<string, number>();
  private readonly ids = new Set<string>();
  private readonly seqs = new Set<number>();
  private lastRowid = 0;
  /** Rows whose id or seq was already seen (the cloud's unique indexes should make this 0). */
  repeatedIds = 0;
  rows = 0;

  constructor(
    readonly dbFile: string,
    private readonly gatewayId: string,
  ) {}

  /** Reads everything again from scratch (the final count of a trial must not trust earlier reads). */
  recount(): this {
    this.byKey.clear();
    this.ids.clear();
    this.seqs.clear();
    this.lastRowid = 0;
    this.repeatedIds = 0;
    this.rows = 0;
    return this.refresh();
  }

  refresh(): this {
    if (!existsSync(this.dbFile)) return this;
    let db: Database.Database | undefined;
    try {
      db = new Database(this.dbFile, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 2000');
      const rows = db
        .prepare<[string, number], { rowid: number; json: string }>(
          'SELECT rowid, json FROM observations WHERE gateway_id = ? AND rowid > ? ORDER BY rowid',
        )
        .all(this.gatewayId, this.lastRowid);
      for (const r of rows) {
        this.lastRowid = r.rowid;
        const o = JSON.parse(r.json) as StoredObservation;
        this.rows++;
        if (this.ids.has(o.id) || this.seqs.has(o.seq)) this.repeatedIds++;
        this.ids.add(o.id);
        this.seqs.add(o.seq);
        const k = readingKey(o.device.id, o.code.loinc, o.code.mdc, o.time.device ?? null);
        this.byKey.set(k, (this.byKey.get(k) ?? 0) + 1);
      }
    } catch (e) {
      // The cloud may be creating its database right now: try again at the next poll.
      if (!/SQLITE_BUSY|SQLITE_CANTOPEN|no such table/.test(String((e as Error).message))) throw e;
    } finally {
      db?.close();
    }
    return this;
  }

  count(key: string): number {
    return this.byKey.get(key) ?? 0;
  }
}

export interface GatewayBacklog {
  pending: number;
  held: number;
  rejected: number;
}

/** The gateway's readings not yet acknowledged by the cloud; undefined if the store cannot be read now. */
export function gatewayBacklog(dbFile: string): GatewayBacklog | undefined {
  if (!existsSync(dbFile)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    const b: GatewayBacklog = { pending: 0, held: 0, rejected: 0 };
    for (const r of db.prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM readings GROUP BY state').all()) {
      if (r.state === 'pending' || r.state === 'held' || r.state === 'rejected') b[r.state] = r.n;
    }
    return b;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
