import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { criticalVitals } from '../alarms/vital-alarms.js';
import { manualClock, type TempDir, tempDir, weightInput } from '../testing/fixtures.js';
import { type CapacityChange, ReadingStore, type ReadingStoreOptions, StoreFullError } from './reading-store.js';
import { readStoreStatus } from './store-status.js';

describe('ReadingStore group commit, caps and lanes', () => {
  let dir: TempDir;
  const open: ReadingStore[] = [];
  const clock = manualClock();
  const openStore = (o: Partial<ReadingStoreOptions> = {}) => {
    const s = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1', clock, ...o });
    open.push(s);
    return s;
  };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    dir.remove();
  });

  it('recordMany commits a burst in one transaction and announces it only after the commit', () => {
    const s = openStore();
    const seen: number[] = [];
    let committedWhenAnnounced = true;
    s.on('recorded', (o) => {
      seen.push(o.seq);
      // Another connection sees only committed data.
      committedWhenAnnounced &&= readStoreStatus(dir.path).pending >= o.seq;
    });
    const results = s.recordMany(Array.from({ length: 50 }, (_, i) => weightInput(i)));
    expect(results.map((r) => (r.duplicate ? -1 : r.observation.seq))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(seen).toHaveLength(50);
    expect(committedWhenAnnounced).toBe(true);
    expect(s.stats()).toMatchObject({ pending: 50 });
  });

  it('group() is all or nothing: an invalid reading rolls back the whole burst', () => {
    const s = openStore();
    s.record(weightInput(0));
    const bad = { ...weightInput(2), code: { loinc: 'nope', display: 'x' } };
    expect(() => s.recordMany([weightInput(1), bad])).toThrow(/invalid reading/);
    expect(s.stats()).toMatchObject({ pending: 1, bytes: s.get(1)?.bytes });
    expect(s.lastSeq()).toBe(1);
    // A duplicate inside the same group is recognised against the group's own writes.
    const r = s.recordMany([weightInput(5, { keyed: true }), weightInput(5, { keyed: true })]);
    expect(r.map((x) => x.duplicate)).toEqual([false, true]);
  });

  it('refuses waveforms past the soft cap and everything past the hard cap, with a typed error, deleting nothing', () => {
    const one = openStore().record(weightInput(0, { lane: 'waveform' }));
    const size = one.duplicate ? 0 : Buffer.byteLength(JSON.stringify(one.observation));
    open.pop()?.close();
    dir.remove();
    dir = tempDir();
    // Room for 10 readings; waveforms stop at 5.
    const s = openStore({ maxBytes: size * 10 + 20, waveformStopRatio: 0.5 });
    const changes: CapacityChange[] = [];
    const refused: string[] = [];
    s.on('capacity', (c) => changes.push(c));
    s.on('refused', (r) => refused.push(`${r.lane}:${r.error.level}`));
    for (let i = 0; i < 5; i++) s.record(weightInput(i, { lane: 'waveform' }));
    let err: unknown;
    try {
      s.record(weightInput(5, { lane: 'waveform' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreFullError);
    expect(err).toMatchObject({ code: 'STORE_FULL', level: 'near-full', lane: 'waveform' });
    expect(changes.map((c) => c.level)).toEqual(['near-full']);
    // Spot and alarm readings still go in, up to the hard cap.
    for (let i = 5; i < 10; i++) s.record(weightInput(i, { lane: i % 2 ? 'spot' : 'alarm' }));
    expect(() => s.record(weightInput(10, { lane: 'alarm' }))).toThrow(/store full/);
    expect(refused).toEqual(['waveform:near-full', 'alarm:full']);
    expect(changes.map((c) => c.level)).toEqual(['near-full', 'full']);
    expect(s.stats()).toMatchObject({ pending: 10 });
    expect(s.lastSeq()).toBe(10);
    // The cloud takes the backlog: room again, waveforms accepted.
    s.markStored([[1, 10]]);
    expect(changes.at(-1)?.level).toBe('ok');
    expect(s.record(weightInput(11, { lane: 'waveform' })).duplicate).toBe(false);
    expect(s.capacity()).toMatchObject({ level: 'ok', usedBytes: s.stats().bytes });
  });

  it('keeps per-lane backlog, bytes and oldest age, also readable from the file while the gateway is down', () => {
    const s = openStore();
    s.record(weightInput(0, { lane: 'waveform' }));
    clock.advance(1000);
    s.record(weightInput(1, { lane: 'spot' }));
    s.record(weightInput(2, { lane: 'spot', patient: null }));
    s.record(weightInput(3, { lane: 'alarm' }));
    s.markRejected(4, 'bad');
    const st = s.stats();
    expect(st.lanes.spot).toMatchObject({ pending: 1, held: 1, oldestUnsyncedAt: clock.now() });
    expect(st.lanes.waveform).toMatchObject({ pending: 1, held: 0, oldestUnsyncedAt: clock.now() - 1000 });
    expect(st.lanes.alarm).toMatchObject({ pending: 0, rejected: 1, bytes: 0 });
    expect(st).toMatchObject({ pending: 2, held: 1, rejected: 1, oldestUnsyncedAt: clock.now() - 1000 });
    s.close();
    const snap = readStoreStatus(dir.path);
    expect(snap).toMatchObject({ gatewayId: 'cart-1', lastSeq: 4, pending: 2, held: 1, rejected: 1, bytes: st.bytes });
    expect(snap.lanes).toEqual(st.lanes);
    expect(() => readStoreStatus(`${dir.path}/missing`)).toThrow(/no gateway store/);
  });

  it('moves a critical vital sign to the alarm lane with the flag of its rule', () => {
    const s = openStore({ alarmRule: criticalVitals });
    const spo2 = (v: number, flags: string[] = []) => ({
      ...weightInput(0),
      code: { loinc: '2708-6', display: 'Oxygen saturation in Arterial blood' },
      value: { value: v, unit: '%' },
      flags,
    });
    const low = s.record(spo2(85));
    const fine = s.record(spo2(95));
    const old = s.record(spo2(80, ['data-from-storage']));
    if (low.duplicate || fine.duplicate || old.duplicate) throw new Error('unexpected duplicate');
    expect(low.observation).toMatchObject({ lane: 'alarm', flags: ['alarm:spo2-low'] });
    expect(fine.observation.lane).toBe('spot');
    expect(old.observation.lane).toBe('spot');
    expect(s.nextBatch(10, 100_000)?.seqs).toEqual([1]);
  });
});
