import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObservationDraft } from '@telecart/devices';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { knownUnderLegacyKey, legacyContentKeyOf } from '../pipeline/legacy-keys.js';
import { contentKeyOf } from './content-key.js';
import { DeviceStateStore } from './device-state-store.js';
import {
  cursorAfter,
  judgeRecordNumbering,
  type NumberingFacts,
  type RecordOutcome,
  sequenceDistance,
  WRAP_WINDOW,
} from './record-numbering.js';

const seen = (entries: [number, RecordOutcome][]) => new Map(entries);
const judge = (f: Partial<NumberingFacts> & { cursor: number }) => judgeRecordNumbering({ fromCursor: new Map(), ...f });

describe('judgeRecordNumbering', () => {
  it('same numbering: the record at the cursor is the one stored (with or without newer ones)', () => {
    expect(judge({ cursor: 5, fromCursor: seen([[5, 'known']]) })).toEqual({ action: 'continue' });
    expect(
      judge({
        cursor: 5,
        fromCursor: seen([
          [5, 'known'],
          [6, 'new'],
          [7, 'new'],
        ]),
      }),
    ).toEqual({ action: 'continue' });
    // The cursor record was deleted on the meter, newer ones came: nothing says the numbering restarted.
    expect(judge({ cursor: 5, fromCursor: seen([[6, 'new']]) })).toEqual({ action: 'continue' });
  });

  it('reset, then fewer new readings than the cursor: "≥ cursor" is empty and the last record is new and lower', () => {
    expect(judge({ cursor: 5, last: { recordNumber: 2, outcome: 'new' } })).toEqual({
      action: 'reset',
      reason: 'renumbered',
      meterLast: 2,
    });
  });

  it('reset, then as many or more new readings than the cursor: the record at the cursor is a reading the store did not have', () => {
    expect(judge({ cursor: 5, fromCursor: seen([[5, 'new']]) })).toEqual({ action: 'reset', reason: 'renumbered', meterLast: 5 });
    expect(
      judge({
        cursor: 5,
        fromCursor: seen([
          [5, 'new'],
          [6, 'new'],
          [7, 'new'],
        ]),
      }),
    ).toEqual({ action: 'reset', reason: 'renumbered', meterLast: 7 });
  });

  it('records deleted on the meter (last one known, below the cursor) is not a reset', () => {
    expect(judge({ cursor: 5, last: { recordNumber: 4, outcome: 'known' } })).toEqual({ action: 'continue' });
  });

  it('an empty meter: the cursor is forgotten, nothing to download', () => {
    expect(judge({ cursor: 5, last: 'empty' })).toEqual({ action: 'forget-cursor' });
  });

  it('no answer to "last" (unsupported operator): the cursor is kept', () => {
    expect(judge({ cursor: 5 })).toEqual({ action: 'continue' });
  });

  it('wrap at 65535: small numbers on the meter while the cursor is near the top', () => {
    // The old records are still there: "≥ 65535" gives the known one, the count of small numbers tells.
    expect(judge({ cursor: 0xffff, fromCursor: seen([[0xffff, 'known']]), lowCount: 2 })).toEqual({ action: 'reset', reason: 'wrapped' });
    // The old records are gone: the last record is new and small.
    expect(judge({ cursor: 0xfffe, last: { recordNumber: 1, outcome: 'new' } })).toMatchObject({ action: 'reset', reason: 'wrapped' });
    // Near the top without small numbers: the same numbering.
    expect(judge({ cursor: 0xfff0, fromCursor: seen([[0xfff0, 'known']]), lowCount: 0 })).toEqual({ action: 'continue' });
    // Small numbers do not count far from the top (a meter cannot hold records from 60 000 readings ago).
    expect(judge({ cursor: 1000, fromCursor: seen([[1000, 'known']]), lowCount: 3 })).toEqual({ action: 'continue' });
    expect(WRAP_WINDOW).toBeGreaterThan(1000);
  });
});

describe('cursorAfter (uint16 serial-number order)', () => {
  it('is the highest number ahead of the old cursor, across the wrap', () => {
    expect(cursorAfter(3, [3, 4, 5])).toBe(5);
    expect(cursorAfter(0xffff, [0xfffd, 0xfffe, 0xffff, 0, 1])).toBe(1);
    // After the wrap, the old high numbers still on the meter are behind.
    expect(cursorAfter(1, [1, 2, 0xfffe, 0xffff])).toBe(2);
    expect(cursorAfter(5, [2, 3])).toBeUndefined();
    expect(cursorAfter(undefined, [2, 9, 4])).toBe(9);
    expect(sequenceDistance(0xffff, 0)).toBe(1);
    expect(sequenceDistance(0, 0xffff)).toBe(-1);
  });
});

describe('contentKeyOf', () => {
  const base: ObservationDraft = {
    code: { loinc: '2339-0', display: 'Glucose' },
    value: { value: 110, unit: 'mg/dL' },
    status: 'final',
    flags: [],
    deviceTime: { year: 2026, month: 3, day: 1, hours: 8, minutes: 0, seconds: 0 },
    recordNumber: 1,
    lane: 'spot',
  };

  it('names the measurement (time, code, values), not the record number a reset meter reuses', () => {
    const k = contentKeyOf('ble:M', base);
    expect(k).toBe('ble:M|t2026-03-01T08:00:00|2339-0|v110mg/dL');
    // An old record renumbered by the meter: the same key, stored once.
    expect(contentKeyOf('ble:M', { ...base, recordNumber: 42 })).toBe(k);
    // A new reading that got an old number after a reset: another key, stored.
    expect(contentKeyOf('ble:M', { ...base, deviceTime: { ...base.deviceTime!, minutes: 5 } })).not.toBe(k);
    // A clock reset to a fixed date: the values keep two readings apart.
    expect(contentKeyOf('ble:M', { ...base, value: { value: 111, unit: 'mg/dL' } })).not.toBe(k);
  });

  it('falls back to the record number without a device time, and has no key without either', () => {
    const { deviceTime: _t, ...noTime } = base;
    expect(contentKeyOf('ble:M', noTime)).toBe('ble:M|n1|2339-0|v110mg/dL');
    const { recordNumber: _n, ...nothing } = noTime;
    expect(contentKeyOf('ble:M', nothing)).toBeUndefined();
  });

  it('keeps panels by their component values, and stays within the schema bound', () => {
    const { recordNumber: _n, value: _v, ...rest } = base;
    const bp: ObservationDraft = {
      ...rest,
      code: { loinc: '85354-9', display: 'BP panel' },
      components: [
        { code: { loinc: '8480-6', display: 'Systolic' }, value: { value: 120, unit: 'mm[Hg]' } },
        { code: { loinc: '8462-4', display: 'Diastolic' }, value: { value: 80, unit: 'mm[Hg]' } },
      ],
      userIndex: 2,
    };
    expect(contentKeyOf('ble:C', bp)).toBe('ble:C|t2026-03-01T08:00:00|85354-9|u2|v120mm[Hg]/80mm[Hg]');
    const long = contentKeyOf('x'.repeat(128), {
      ...bp,
      components: Array.from({ length: 12 }, (_, i) => ({ code: bp.code, value: { value: 1000 + i, unit: 'mm[Hg]' } })),
    });
    expect(long?.length).toBeLessThanOrEqual(256);
    expect(long).toMatch(/\|h[0-9a-f]{32}$/);
  });
});

describe('DeviceStateStore numbering resets', () => {
  it('keeps the latest reset and a count across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telecart-numbering-'));
    try {
      let t = Date.parse('2026-03-01T08:00:00Z');
      const s = new DeviceStateStore({ dataDir: dir, clock: { now: () => t } });
      expect(s.numberingReset('ble:M')).toBeUndefined();
      s.noteNumberingReset('ble:M', { reason: 'renumbered', oldCursor: 5, meterLast: 2 });
      t += 60_000;
      s.noteNumberingReset('ble:M', { reason: 'wrapped', oldCursor: 0xffff });
      s.close();
      const again = new DeviceStateStore({ dataDir: dir });
      expect(again.numberingReset('ble:M')).toEqual({
        reason: 'wrapped',
        oldCursor: 0xffff,
        detectedAt: '2026-03-01T08:01:00.000Z',
        resets: 2,
      });
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('content-key upgrade (format 1 → 2), upgrade-only', () => {
  const draft: ObservationDraft = {
    code: { loinc: '2339-0', display: 'Glucose' },
    value: { value: 110, unit: 'mg/dL' },
    status: 'final',
    flags: [],
    deviceTime: { year: 2026, month: 3, day: 1, hours: 8, minutes: 0, seconds: 0 },
    recordNumber: 7,
    lane: 'spot',
  };

  it("legacyContentKeyOf is the previous release's key: record number first, no values", () => {
    expect(legacyContentKeyOf('ble:M', draft)).toBe('ble:M|n7|2339-0');
    expect(legacyContentKeyOf('ble:M', { ...draft, userIndex: 2 })).toBe('ble:M|n7|2339-0|u2');
    const { recordNumber: _n, ...noNumber } = draft;
    expect(legacyContentKeyOf('ble:M', noNumber)).toBe('ble:M|t2026-03-01T08:00:00|2339-0');
    const { deviceTime: _t, ...nothing } = noNumber;
    expect(legacyContentKeyOf('ble:M', nothing)).toBeUndefined();
    expect(legacyContentKeyOf('ble:M', draft)).not.toBe(contentKeyOf('ble:M', draft));
  });

  it('a record at or behind a format-1 cursor is known when the store knows its legacy key', () => {
    const known = () => true;
    const unknown = () => false;
    expect(knownUnderLegacyKey(5, 5, known)).toBe(true); // the proof record
    expect(knownUnderLegacyKey(5, 2, known)).toBe(true); // an older record ("last", or an all-only meter)
    expect(knownUnderLegacyKey(5, 5, unknown)).toBe(false); // the old release never had it
    // Ahead of the cursor: never reached the old release, whatever its legacy key says.
    expect(knownUnderLegacyKey(5, 6, known)).toBe(false);
    // Serial-number order: after a wrap, 0 and 1 are ahead of 65535; 65000 is behind it.
    expect(knownUnderLegacyKey(0xffff, 1, known)).toBe(false);
    expect(knownUnderLegacyKey(0xffff, 65000, known)).toBe(true);
  });

  it('runs only while a format-1 cursor is set, and asks the store only then', () => {
    let asked = 0;
    const spy = () => {
      asked++;
      return true;
    };
    // No legacy cursor (a format-2 cursor, no cursor, after a renumbering verdict): never a legacy match.
    expect(knownUnderLegacyKey(undefined, 5, spy)).toBe(false);
    // No record number: the legacy key would be time-based; not part of the RACP upgrade.
    expect(knownUnderLegacyKey(5, undefined, spy)).toBe(false);
    expect(knownUnderLegacyKey(5, 6, spy)).toBe(false);
    expect(asked).toBe(0);
  });
});

describe('DeviceStateStore content-key format of cursors', () => {
  it('reads cursors of the previous release (no key_format column) as format 1; cursors written now are format 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telecart-keyformat-'));
    try {
      // device-state.sqlite as the previous release wrote it.
      mkdirSync(dir, { recursive: true });
      const old = new Database(join(dir, 'device-state.sqlite'));
      old.exec('CREATE TABLE racp_cursor (device_id TEXT PRIMARY KEY, record_number INTEGER NOT NULL, updated_at TEXT NOT NULL)');
      old.prepare('INSERT INTO racp_cursor VALUES (?, ?, ?)').run('ble:OLD', 12, '2026-01-01T00:00:00.000Z');
      old.close();

      const s = new DeviceStateStore({ dataDir: dir });
      expect(s.cursor('ble:OLD')).toBe(12);
      expect(s.keyFormat('ble:OLD')).toBe(1);
      expect(s.keyFormat('ble:NONE')).toBeUndefined();
      s.advance('ble:NEW', 3);
      expect(s.keyFormat('ble:NEW')).toBe(2);
      // A stale advance writes nothing: the format stays that of the cursor.
      s.advance('ble:OLD', 4);
      expect(s.keyFormat('ble:OLD')).toBe(1);
      s.markKeyFormatCurrent('ble:OLD');
      expect(s.keyFormat('ble:OLD')).toBe(2);
      expect(s.cursor('ble:OLD')).toBe(12);
      s.close();

      // Reopening (the column exists now) changes nothing.
      const again = new DeviceStateStore({ dataDir: dir });
      expect(again.list()).toMatchObject([
        { deviceId: 'ble:NEW', recordNumber: 3, keyFormat: 2 },
        { deviceId: 'ble:OLD', recordNumber: 12, keyFormat: 2 },
      ]);
      // A reset cursor is written anew in the current format.
      again.reset('ble:OLD');
      again.advance('ble:OLD', 1);
      expect(again.keyFormat('ble:OLD')).toBe(2);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
