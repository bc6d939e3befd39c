/**
 * The backlog of a gateway's store read straight from its SQLite file, read-only: what
 * `telecart gateway status` shows when the gateway is not running. Never writes (no migration,
 * no pruning), so it is safe next to a running gateway too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LANES, type Lane } from '@telecart/protocol';
import Database from 'better-sqlite3';
import { type LaneStats, readTally } from './reading-store.js';
import { SCHEMA_VERSION } from './schema.js';

export interface StoreStatusSnapshot {
  file: string;
  gatewayId: string | null;
  lastSeq: number;
  pending: number;
  held: number;
  rejected: number;
  /** JSON bytes not yet in the cloud (pending + held). */
  bytes: number;
  /** JSON bytes of every reading kept, what the store caps count. */
  usedBytes: number;
  oldestUnsyncedAt: number | null;
  lanes: Record<Lane, LaneStats>;
}

export function readStoreStatus(dataDir: string, fileName = 'gateway.sqlite'): StoreStatusSnapshot {
  const file = join(dataDir, fileName);
  if (!existsSync(file)) throw new Error(`no gateway store at ${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`store schema v${version} is newer than this tool understands (v${SCHEMA_VERSION})`);
    const meta = (key: string) => db.prepare<[string], { value: string }>(`SELECT value FROM meta WHERE key = ?`).get(key)?.value;
    const tally = readTally(db);
    const oldest = db.prepare<[string, Lane], { t: number | null }>(
      `SELECT MIN(created_at) AS t FROM readings WHERE state = ? AND lane = ?`,
    );
    const snap: StoreStatusSnapshot = {
      file,
      gatewayId: meta('gateway_id') ?? null,
      lastSeq: Number(meta('last_seq') ?? '0'),
      pending: 0,
      held: 0,
      rejected: 0,
      bytes: 0,
      usedBytes: 0,
      oldestUnsyncedAt: null,
      lanes: {} as Record<Lane, LaneStats>,
    };
    for (const lane of LANES) {
      const t = tally[lane];
      const times = [oldest.get('pending', lane)?.t ?? null, oldest.get('held', lane)?.t ?? null].filter((x): x is number => x !== null);
      const laneOldest = times.length > 0 ? Math.min(...times) : null;
      snap.lanes[lane] = {
        pending: t.pending.n,
        held: t.held.n,
        rejected: t.rejected.n,
        bytes: t.pending.b + t.held.b,
        oldestUnsyncedAt: laneOldest,
      };
      snap.pending += t.pending.n;
      snap.held += t.held.n;
      snap.rejected += t.rejected.n;
      snap.bytes += t.pending.b + t.held.b;
      snap.usedBytes += t.pending.b + t.held.b + t.rejected.b;
      if (laneOldest !== null && (snap.oldestUnsyncedAt === null || laneOldest < snap.oldestUnsyncedAt)) snap.oldestUnsyncedAt = laneOldest;
    }
    return snap;
  } finally {
    db.close();
  }
}
