import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock, PATIENT_A, type TempDir, tempDir, weightInput } from '../testing/fixtures.js';
import { uuidV7Text } from './ids.js';
import {
  ACK_DELETE_SQL,
  ACK_TALLY_SQL,
  InvalidReadingError,
  NO_PATIENT_FLAG,
  REMEMBER_KEYS_SQL,
  ReadingStore,
  type RecordInput,
} from './reading-store.js';
import { migrate, SCHEMA_VERSION, type StoreMigration } from './schema.js';

describe('ReadingStore', () => {
  let dir: TempDir;
  let clock: ManualClock;
  const open: ReadingStore[] = [];
  const openStore = (onMigration?: (m: StoreMigration) => void) => {
    const s = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1', clock, ...(onMigration ? { onMigration } : {}) });
    open.push(s);
    return s;
  };

  beforeEach(() => {
    dir = tempDir();
    clock = manualClock();
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    dir.remove();
  });

  it('opens with WAL, synchronous=FULL and the current schema version', () => {
    const said: StoreMigration[] = [];
    const s = openStore((m) => said.push(m));
    expect(s.pragma('journal_mode')).toBe('wal');
    expect(s.pragma('synchronous')).toBe(2);
    expect(s.pragma('user_version')).toBe(SCHEMA_VERSION);
    // A new file is made, not migrated: no readings to rebuild, nothing said.
    expect(said).toEqual([]);
  });

  it('records readings with a UUIDv7 and increasing sequence numbers', () => {
    const s = openStore();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = s.record(weightInput(i));
      if (r.duplicate) throw new Error('unexpected duplicate');
      expect(r.observation.seq).toBe(i + 1);
      expect(r.observation.gatewayId).toBe('cart-1');
      expect(r.observation.id[14]).toBe('7');
      expect(r.observation.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.push(r.observation.id);
      if (i === 2) clock.advance(1);
    }
    // Time-ordered: the 48-bit prefix is the clock's millisecond, and ids sort like seqs.
    expect(Number.parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(clock.now() - 1);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
    expect(s.stats()).toMatchObject({ pending: 5, held: 0, rejected: 0, oldestPendingAt: clock.now() - 1 });
  });

  it('keeps pending readings and continues the sequence after a restart, never reusing a seq', () => {
    const s1 = openStore();
    for (let i = 0; i < 4; i++) s1.record(weightInput(i));
    expect(s1.markStored([[3, 4]])).toBe(2);
    s1.close();

    const s2 = openStore();
    expect(s2.stats().pending).toBe(2);
    expect(s2.list('pending').map((r) => r.seq)).toEqual([2, 1]);
    const r = s2.record(weightInput(9));
    expect(r.duplicate).toBe(false);
    if (!r.duplicate) expect(r.observation.seq).toBe(5);
  });

  it('migrates a v1 store file (UNIQUE on readings.id) to v2 without it, keeping every row, and gives ids greater than any it holds', () => {
    const T = clock.now();
    // A v1 store as the previous release left it: a pending keyed reading, a held one, a rejected
    // one, a synced key; their ids from a clock ahead of this one (it stepped back since).
    const idAt = (ms: number, n: number) => uuidV7Text(ms, n, new Uint8Array(16).fill(n));
    const db = new Database(`${dir.path}/gateway.sqlite`);
    migrate(db, 1);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('gateway_id', 'cart-1')`).run();
    const insert = db.prepare(
      'INSERT INTO readings (seq, id, content_key, lane, lane_rank, state, observation, bytes, created_at, reject_reason) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)',
    );
    const rows = [
      { seq: 1, state: 'pending', key: 'k1', patient: PATIENT_A },
      { seq: 2, state: 'held', key: null, patient: null },
      { seq: 3, state: 'rejected', key: null, patient: PATIENT_A },
    ] as const;
    const before = rows.map((r) => {
      const { contentKey: _k, ...input } = weightInput(r.seq, { patient: r.patient });
      const json = JSON.stringify({ id: idAt(T + 60_000, r.seq), seq: r.seq, gatewayId: 'cart-1', ...input });
      insert.run(
        r.seq,
        idAt(T + 60_000, r.seq),
        r.key,
        'spot',
        r.state,
        json,
        Buffer.byteLength(json),
        T,
        r.state === 'rejected' ? 'bad' : null,
      );
      return json;
    });
    const syncedId = idAt(T + 120_000, 9);
    db.prepare('INSERT INTO synced_keys (content_key, seq, id, synced_at) VALUES (?, 0, ?, ?)').run('k0', syncedId, T);
    db.prepare(`UPDATE meta SET value = '3' WHERE key = 'last_seq'`).run();
    db.close();

    // The migration is said before and after it runs (the gateway logs it, and tells a parent waiting for its start).
    const said: StoreMigration[] = [];
    const s = openStore((m) => said.push(m));
    expect(s.pragma('user_version')).toBe(SCHEMA_VERSION);
    expect(said.map((m) => ({ ...m, ...(m.phase === 'done' ? { ms: typeof m.ms } : {}) }))).toEqual([
      { from: 1, to: 2, readings: 3, phase: 'start' },
      { from: 1, to: 2, readings: 3, phase: 'done', ms: 'number' },
    ]);
    const check = new Database(s.file, { readonly: true });
    try {
      const indexes = check.prepare<[], { name: string; unique: number }>('PRAGMA index_list(readings)').all();
      const columns = indexes.map((i) =>
        check
          .prepare<[], { name: string }>(`PRAGMA index_info(${i.name})`)
          .all()
          .map((c) => c.name),
      );
      // 3 B-trees: the table, the content key's UNIQUE, the (state, lane_rank, seq) index.
      expect(columns.sort()).toEqual([['content_key'], ['state', 'lane_rank', 'seq']]);
      expect(check.prepare('SELECT observation FROM readings ORDER BY seq').pluck().all()).toEqual(before);
    } finally {
      check.close();
    }
    expect(s.stats()).toMatchObject({ pending: 1, held: 1, rejected: 1 });
    expect(s.get(3)?.rejectReason).toBe('bad');
    expect(s.record(weightInput(1, { contentKey: 'k1' }))).toMatchObject({ duplicate: true, seq: 1, synced: false });
    expect(s.record(weightInput(0, { contentKey: 'k0' }))).toMatchObject({ duplicate: true, id: syncedId, synced: true });
    const r = s.record(weightInput(4));
    if (r.duplicate) throw new Error('unexpected duplicate');
    expect(r.observation.seq).toBe(4);
    expect(r.observation.id > syncedId).toBe(true);
    s.close();

    // The clock steps back again across a restart: the next id is still greater than the last one given.
    clock.set(T - 3_600_000);
    const s2 = openStore((m) => said.push(m));
    // Migrated already: nothing to say.
    expect(said).toHaveLength(2);
    const r2 = s2.record(weightInput(5));
    if (r2.duplicate) throw new Error('unexpected duplicate');
    expect(r2.observation.id > r.observation.id).toBe(true);
  });

  it('keeps an input with empty identity slots as the observation itself; copies any other input, leaving it unchanged', () => {
    const s = openStore();
    const slotted: RecordInput = { id: '', seq: 0, gatewayId: '', ...weightInput(1, { keyed: true }) };
    const r1 = s.record(slotted);
    if (r1.duplicate) throw new Error('unexpected duplicate');
    expect(r1.observation).toBe(slotted);
    expect(Object.keys(r1.observation).slice(0, 3)).toEqual(['id', 'seq', 'gatewayId']);
    expect(r1.observation).toMatchObject({ seq: 1, gatewayId: 'cart-1' });
    // Recorded again without its key: a new reading, copied; the first one is not changed.
    const { contentKey: _k, ...again } = slotted;
    const r2 = s.record(again);
    if (r2.duplicate) throw new Error('unexpected duplicate');
    expect(r2.observation).not.toBe(again);
    expect(again.seq).toBe(1);
    expect(r2.observation.seq).toBe(2);
    const plain = weightInput(3);
    const r3 = s.record(plain);
    expect(r3.duplicate ? null : r3.observation).not.toBe(plain);
    expect(plain).toEqual(weightInput(3));
    expect(s.get(1)?.observation).toEqual(r1.observation);
    expect(Object.keys(s.get(3)?.observation ?? {}).slice(0, 3)).toEqual(['id', 'seq', 'gatewayId']);
  });

  it('refuses a data dir that belongs to another gateway', () => {
    openStore().close();
    expect(() => new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-2', clock })).toThrow(/belongs to gateway "cart-1"/);
  });

  it('recognises a content key while local and after the cloud stored the reading', () => {
    const s = openStore();
    const first = s.record(weightInput(1, { keyed: true }));
    expect(first.duplicate).toBe(false);
    const again = s.record(weightInput(1, { keyed: true }));
    expect(again).toMatchObject({ duplicate: true, seq: 1, synced: false });
    if (again.duplicate) expect(again.observation?.value?.value).toBe(60.1);
    expect(s.stats().pending).toBe(1);

    s.markStored([[1, 1]]);
    expect(s.stats().pending).toBe(0);
    s.close();
    const reopened = openStore();
    const afterSync = reopened.record(weightInput(1, { keyed: true }));
    expect(afterSync).toMatchObject({ duplicate: true, seq: 1, synced: true, observation: null });
    expect(reopened.stats().pending).toBe(0);
    // Readings without a content key are never deduplicated.
    expect(reopened.record(weightInput(1)).duplicate).toBe(false);
  });

  it('hasContentKey: true for a kept reading and for a synced one, false for an unknown key', () => {
    const s = openStore();
    const r = s.record(weightInput(1, { keyed: true }));
    const key = r.duplicate ? undefined : r.observation.contentKey;
    if (key === undefined) throw new Error('keyed input without a content key');
    expect(s.hasContentKey(key)).toBe(true);
    expect(s.hasContentKey(`${key}-other`)).toBe(false);
    s.markStored([[1, 1]]);
    expect(s.get(1)).toBeUndefined();
    // Only synced_keys has it now.
    expect(s.hasContentKey(key)).toBe(true);
    expect(s.hasContentKey(`${key}-other`)).toBe(false);
  });

  it('tells whether any content key predates format 2 (no values part), so upgrade checks can be skipped', () => {
    const fresh = openStore();
    fresh.record({ ...weightInput(1), contentKey: 'ble:AA|t2026-11-23T08:00:00|29463-7|v70.5kg' });
    expect(fresh.hasLegacyContentKeys()).toBe(false);
    fresh.close();
    const upgraded = openStore();
    upgraded.record({ ...weightInput(2), contentKey: 'ble:AA|n12|29463-7' });
    upgraded.markStored([[2, 2]]); // synced: only synced_keys holds it
    upgraded.close();
    expect(openStore().hasLegacyContentKeys()).toBe(true);
  });

  it('hands out batches by lane priority, oldest first, within count and bytes, skipping in-flight seqs', () => {
    const s = openStore();
    s.record(weightInput(1, { lane: 'waveform' })); // 1
    s.record(weightInput(2, { lane: 'spot' })); // 2
    s.record(weightInput(3, { lane: 'alarm' })); // 3
    s.record(weightInput(4, { lane: 'spot' })); // 4
    s.record(weightInput(5, { lane: 'alarm' })); // 5
    s.record(weightInput(6, { lane: 'spot' })); // 6

    expect(s.nextBatch(10, 1e6)).toMatchObject({ lane: 'alarm', seqs: [3, 5] });
    expect(s.nextBatch(10, 1e6, { exclude: new Set([3, 5]) })).toMatchObject({ lane: 'spot', seqs: [2, 4, 6] });
    expect(s.nextBatch(2, 1e6, { exclude: new Set([3, 5]) })?.seqs).toEqual([2, 4]);
    const one = s.get(2)!.bytes;
    expect(s.nextBatch(10, one * 2, { exclude: new Set([3, 5]) })?.seqs).toEqual([2, 4]);
    // A reading larger than the byte budget still goes, alone.
    expect(s.nextBatch(10, 1, { exclude: new Set([3, 5]) })?.seqs).toEqual([2]);
    expect(s.nextBatch(10, 1e6, { lanes: ['waveform'] })).toMatchObject({ lane: 'waveform', seqs: [1] });
    s.markStored([[1, 6]]);
    expect(s.nextBatch(10, 1e6)).toBeNull();
    expect(s.stats()).toMatchObject({ pending: 0, bytes: 0, oldestPendingAt: null });
  });

  it('quarantines rejected readings: never sent again, still visible', () => {
    const s = openStore();
    s.record(weightInput(1));
    s.record(weightInput(2));
    expect(s.markRejected(1, 'bad unit')).toBe(true);
    expect(s.nextBatch(10, 1e6)?.seqs).toEqual([2]);
    expect(s.list('rejected')).toMatchObject([{ seq: 1, rejectReason: 'bad unit', state: 'rejected' }]);
    expect(s.markStored([[1, 2]])).toBe(1);
    expect(s.stats()).toMatchObject({ pending: 0, rejected: 1 });
  });

  it('holds readings with no patient until the nurse assigns them, then they become pending', () => {
    const s = openStore();
    const held = s.record(weightInput(1, { patient: null }));
    s.record(weightInput(2));
    if (held.duplicate) throw new Error('unexpected duplicate');
    expect(held.observation.flags).toContain(NO_PATIENT_FLAG);
    expect(s.stats()).toMatchObject({ pending: 1, held: 1 });
    expect(s.nextBatch(10, 1e6)?.seqs).toEqual([2]);
    expect(s.held().map((r) => r.seq)).toEqual([1]);

    expect(s.assignPatient([1, 2, 99], PATIENT_A)).toEqual({ assigned: [1], skipped: [2, 99] });
    const b = s.nextBatch(10, 1e6);
    expect(b?.seqs).toEqual([1, 2]);
    expect(b?.observations[0]?.patient).toEqual(PATIENT_A);
    expect(b?.observations[0]?.flags).toEqual(['patient-assigned-later']);
  });

  it('never reuses a seq: a rolled-back group gives its seqs again, a committed one never', () => {
    const s = openStore();
    s.recordMany([weightInput(1), weightInput(2)]);
    const bad = { ...weightInput(4), code: { loinc: 'not-loinc', display: 'x' } };
    expect(() => s.recordMany([weightInput(3), bad])).toThrow(InvalidReadingError);
    expect(s.lastSeq()).toBe(2);
    expect(s.markStored([[1, 2]])).toBe(2);
    s.close();
    const again = openStore();
    expect(again.lastSeq()).toBe(2);
    const r = again.record(weightInput(3));
    expect(r.duplicate ? null : r.observation.seq).toBe(3);
  });

  it('recordMany inside group() is all or nothing on its own: a bad reading drops its siblings, not the group', () => {
    const s = openStore();
    const recorded: number[] = [];
    s.on('recorded', (o) => recorded.push(o.seq));
    const bad = { ...weightInput(4), code: { loinc: 'not-loinc', display: 'x' } };
    const outcome = s.group(() => {
      s.recordMany([weightInput(1), weightInput(2)]);
      let refused = false;
      try {
        s.recordMany([weightInput(3), bad]);
      } catch (e) {
        refused = e instanceof InvalidReadingError;
      }
      s.recordMany([weightInput(5)]);
      return refused;
    });
    expect(outcome).toBe(true);
    expect(s.list('pending').map((r) => [r.seq, r.observation.value?.value])).toEqual([
      [3, weightInput(5).value?.value],
      [2, weightInput(2).value?.value],
      [1, weightInput(1).value?.value],
    ]);
    expect(recorded).toEqual([1, 2, 3]);
    expect(s.stats()).toMatchObject({ pending: 3 });
    expect(s.lastSeq()).toBe(3);
  });

  it('recordMany inside group() drops its own rows also when a read in between wrote them to the table', () => {
    // The alarm rule runs for each reading before its checks; here it reads the table (which writes
    // the buffered rows) before the second, invalid, reading of the call is refused.
    let reads = 0;
    const s = new ReadingStore({
      dataDir: dir.path,
      gatewayId: 'cart-1',
      clock,
      alarmRule: () => {
        reads += s.list('pending').length;
        return null;
      },
    });
    open.push(s);
    const bad = { ...weightInput(4), code: { loinc: 'not-loinc', display: 'x' } };
    s.group(() => {
      s.recordMany([weightInput(1)]);
      expect(() => s.recordMany([weightInput(2), bad])).toThrow(InvalidReadingError);
      s.recordMany([weightInput(3)]);
    });
    expect(reads).toBeGreaterThan(1);
    expect(s.list('pending').map((r) => [r.seq, r.observation.value?.value])).toEqual([
      [2, weightInput(3).value?.value],
      [1, weightInput(1).value?.value],
    ]);
    expect(s.stats()).toMatchObject({ pending: 2, bytes: (s.get(1)?.bytes ?? 0) + (s.get(2)?.bytes ?? 0) });
  });

  it('skips readings in flight, also past long runs of them, oldest first', () => {
    const s = openStore();
    s.recordMany(Array.from({ length: 300 }, (_, i) => weightInput(i)));
    const inFlight = new Set<number>();
    for (let seq = 1; seq <= 100; seq++) inFlight.add(seq); // a long run: skipped with one index seek
    for (let seq = 102; seq <= 104; seq++) inFlight.add(seq); // a short run: stepped over
    const b = s.nextBatch(5, 1e6, { exclude: inFlight });
    expect(b?.seqs).toEqual([101, 105, 106, 107, 108]);
    expect(b?.observations.map((o) => o.seq)).toEqual([101, 105, 106, 107, 108]);
  });

  it('deletes acked readings by primary key range, not by walking the pending index (O(batch), not O(backlog))', () => {
    const s = openStore();
    const file = s.file;
    s.record(weightInput(1));
    const db = new Database(file, { readonly: true });
    try {
      // The ack's three statements (keys kept, tally, delete) each walk the range on the primary key.
      for (const [sql, args] of [
        [ACK_DELETE_SQL, [1, 2]],
        [ACK_TALLY_SQL, [1, 2]],
        [REMEMBER_KEYS_SQL, [0, 1, 2]],
      ] as const) {
        const plan = db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...args)
          .map((r) => (r as { detail: string }).detail);
        expect(plan.join(' | '), sql).toMatch(/USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
        expect(plan.join(' | '), sql).not.toContain('readings_by_state');
      }
    } finally {
      db.close();
    }
  });

  it('a range ack removes only pending readings of its ranges, remembers exactly their keys and keeps the tally true (property)', () => {
    type Step = { kind: 'record'; held: boolean } | { kind: 'reject'; pick: number } | { kind: 'ack'; a: number; b: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('record' as const), held: fc.boolean() }),
      fc.record({ kind: fc.constant('reject' as const), pick: fc.nat(60) }),
      fc.record({ kind: fc.constant('ack' as const), a: fc.nat(60), b: fc.nat(60) }),
    );
    let run = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
        const s = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1', clock, fileName: `prop-${run++}.sqlite` });
        try {
          // The model: each seq's state ('gone' once acked) and content key.
          const model = new Map<number, { state: 'held' | 'pending' | 'rejected' | 'gone'; key: string }>();
          for (const st of steps) {
            if (st.kind === 'record') {
              const n = model.size + 1;
              const key = `ble:C0:FF:EE:00:00:02|r${n}|29463-7`;
              const r = s.record(weightInput(n, { contentKey: key, ...(st.held ? { patient: null } : {}) }));
              if (r.duplicate) throw new Error('unexpected duplicate');
              model.set(r.observation.seq, { state: st.held ? 'held' : 'pending', key });
            } else if (st.kind === 'reject') {
              const m = model.get(st.pick);
              expect(s.markRejected(st.pick, 'bad unit')).toBe(m?.state === 'pending');
              if (m?.state === 'pending') m.state = 'rejected';
            } else {
              const [lo, hi] = [Math.min(st.a, st.b), Math.max(st.a, st.b)];
              let expected = 0;
              for (const [seq, m] of model)
                if (seq >= lo && seq <= hi && m.state === 'pending') {
                  m.state = 'gone';
                  expected++;
                }
              expect(s.markStored([[st.b, st.a]])).toBe(expected);
            }
          }
          const count = { held: 0, pending: 0, rejected: 0 };
          for (const [seq, m] of model) {
            const stored = s.get(seq);
            if (m.state === 'gone') {
              expect(stored, `seq ${seq} acked`).toBeUndefined();
              // Its key is remembered: a re-read after sync is still a duplicate.
              expect(s.hasContentKey(m.key)).toBe(true);
              expect(s.record(weightInput(seq, { contentKey: m.key }))).toMatchObject({ duplicate: true, seq, synced: true });
            } else {
              expect(stored?.state, `seq ${seq}`).toBe(m.state);
              count[m.state]++;
            }
          }
          expect(s.stats()).toMatchObject(count);
        } finally {
          s.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses an invalid reading without writing or consuming a seq', () => {
    const s = openStore();
    const bad = { ...weightInput(1), code: { loinc: 'not-loinc', display: 'x' } };
    expect(() => s.record(bad)).toThrow(InvalidReadingError);
    expect(s.lastSeq()).toBe(0);
    expect(s.stats().pending).toBe(0);
  });
});
