/**
 * Per-device sync state the gateway keeps across restarts: the RACP cursor (highest device record
 * number already committed to the reading store), and the latest reset of a device's record
 * numbering (see record-numbering.ts). Its own small SQLite file in the data directory, so a
 * restarted gateway asks a meter only for the records it has not stored yet. Schema changes are
 * additive and checked at open (CREATE … IF NOT EXISTS, a column added when missing).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CONTENT_KEY_FORMAT, type ContentKeyFormat } from './content-key.js';
import type { NumberingReason, RecordNumberingReset } from './record-numbering.js';

export interface DeviceCursor {
  deviceId: string;
  recordNumber: number;
  updatedAt: string;
  /** The content-key format the store held the device's records under when the cursor was written. */
  keyFormat: ContentKeyFormat;
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
    // Cursors written before content-key format 2 have no key_format: they are format 1 (the default).
    const cursorColumns = this.db.prepare("SELECT name FROM pragma_table_info('racp_cursor')").all() as { name: string }[];
    if (!cursorColumns.some((c) => c.name === 'key_format')) {
      this.db.exec('ALTER TABLE racp_cursor ADD COLUMN key_format INTEGER NOT NULL DEFAULT 1');
    }
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS racp_numbering_reset (device_id TEXT PRIMARY KEY, reason TEXT NOT NULL,
       old_cursor INTEGER NOT NULL, meter_last INTEGER, detected_at TEXT NOT NULL, resets INTEGER NOT NULL)`,
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

  /** The content-key format of the device's cursor (1: written by a release before format 2). */
  keyFormat(deviceId: string): ContentKeyFormat | undefined {
    const row = this.db.prepare('SELECT key_format AS f FROM racp_cursor WHERE device_id = ?').get(deviceId) as
      | { f: ContentKeyFormat }
      | undefined;
    return row?.f;
  }

  /** Moves the cursor forward only: a stale or lower value never rewinds it. Returns the value kept. */
  advance(deviceId: string, recordNumber: number): number {
    if (!Number.isInteger(recordNumber) || recordNumber < 0) throw new RangeError(`invalid record number ${recordNumber}`);
    this.db
      .prepare(
        `INSERT INTO racp_cursor (device_id, record_number, updated_at, key_format) VALUES (?, ?, ?, ?)
         ON CONFLICT(device_id) DO UPDATE SET record_number = excluded.record_number, updated_at = excluded.updated_at,
           key_format = excluded.key_format
         WHERE excluded.record_number > racp_cursor.record_number`,
      )
      .run(deviceId, recordNumber, this.now(), CONTENT_KEY_FORMAT);
    return this.cursor(deviceId) ?? recordNumber;
  }

  /**
   * The device's first download after an upgrade completed: its cursor now counts in the current
   * content-key format (the upgrade-only legacy-key check never runs for it again).
   */
  markKeyFormatCurrent(deviceId: string): void {
    this.db
      .prepare('UPDATE racp_cursor SET key_format = ?, updated_at = ? WHERE device_id = ? AND key_format <> ?')
      .run(CONTENT_KEY_FORMAT, this.now(), deviceId, CONTENT_KEY_FORMAT);
  }

  /** A device was reset or replaced (its record numbers restart): forget its cursor. */
  reset(deviceId: string): void {
    this.db.prepare('DELETE FROM racp_cursor WHERE device_id = ?').run(deviceId);
  }

  /** Records that the device's numbering restarted (kept with a count, for the status page). */
  noteNumberingReset(deviceId: string, r: Omit<RecordNumberingReset, 'detectedAt'>): RecordNumberingReset & { resets: number } {
    this.db
      .prepare(
        `INSERT INTO racp_numbering_reset (device_id, reason, old_cursor, meter_last, detected_at, resets) VALUES (?, ?, ?, ?, ?, 1)
         ON CONFLICT(device_id) DO UPDATE SET reason = excluded.reason, old_cursor = excluded.old_cursor,
           meter_last = excluded.meter_last, detected_at = excluded.detected_at, resets = racp_numbering_reset.resets + 1`,
      )
      .run(deviceId, r.reason, r.oldCursor, r.meterLast ?? null, this.now());
    return this.numberingReset(deviceId) as RecordNumberingReset & { resets: number };
  }

  /** The latest numbering reset seen on this device, with how many were seen in all. */
  numberingReset(deviceId: string): (RecordNumberingReset & { resets: number }) | undefined {
    const row = this.db
      .prepare('SELECT reason, old_cursor, meter_last, detected_at, resets FROM racp_numbering_reset WHERE device_id = ?')
      .get(deviceId) as
      | { reason: NumberingReason; old_cursor: number; meter_last: number | null; detected_at: string; resets: number }
      | undefined;
    if (!row) return undefined;
    return {
      reason: row.reason,
      oldCursor: row.old_cursor,
      ...(row.meter_last === null ? {} : { meterLast: row.meter_last }),
      detectedAt: row.detected_at,
      resets: row.resets,
    };
  }

  list(): DeviceCursor[] {
    return (
      this.db.prepare('SELECT device_id, record_number, updated_at, key_format FROM racp_cursor ORDER BY device_id').all() as {
        device_id: string;
        record_number: number;
        updated_at: string;
        key_format: ContentKeyFormat;
      }[]
    ).map((r) => ({ deviceId: r.device_id, recordNumber: r.record_number, updatedAt: r.updated_at, keyFormat: r.key_format }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
