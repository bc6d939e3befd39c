/**
 * Per-device sync state the gateway keeps across restarts: the RACP cursor (highest device record
 * number already committed to the reading store). Its own small SQLite file in the data directory,
 * so a restarted gateway asks a meter only for the records it has not stored yet.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface DeviceCursor {
  deviceId: string;
  recordNumber: number;
  updatedAt: string;
}

export class DeviceStateStore {
  private readonly db: Database.Database;

  constructor(opts: { dataDir: string; clock?: { now(): number } }) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.db = new Database(join(opts.dataDir, 'device-state.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS racp_cursor (device_id TEXT PRIMARY KEY, record_number INTEGER NOT NULL, updated_at TEXT NOT NULL)',
    );
    this.now = () => new Date((opts.clock ?? Date).now()).toISOString();
  }

  private readonly now: () => string;

  cursor(deviceId: string): number | undefined {
    const row = this.db.prepare('SELECT record_number AS n FROM racp_cursor WHERE device_id = ?').get(deviceId) as
      | { n: number }
      | undefined;
    return row?.n;
  }

  /** Moves the cursor forward only: a stale or lower value never rewinds it. Returns the value kept. */
  advance(deviceId: string, recordNumber: number): number {
    if (!Number.isInteger(recordNumber) || recordNumber < 0) throw new RangeError(`invalid record number ${recordNumber}`);
    this.db
      .prepare(
        `INSERT INTO racp_cursor (device_id, record_number, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(device_id) DO UPDATE SET record_number = excluded.record_number, updated_at = excluded.updated_at
         WHERE excluded.record_number > racp_cursor.record_number`,
      )
      .run(deviceId, recordNumber, this.now());
    return this.cursor(deviceId) ?? recordNumber;
  }

  /** A device was reset or replaced (its record numbers restart): forget its cursor. */
  reset(deviceId: string): void {
    this.db.prepare('DELETE FROM racp_cursor WHERE device_id = ?').run(deviceId);
  }

  list(): DeviceCursor[] {
    return (
      this.db.prepare('SELECT device_id, record_number, updated_at FROM racp_cursor ORDER BY device_id').all() as {
        device_id: string;
        record_number: number;
        updated_at: string;
      }[]
    ).map((r) => ({ deviceId: r.device_id, recordNumber: r.record_number, updatedAt: r.updated_at }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
