/** Trend extraction on a real SQLite store: the cap keeps the newest points across store pages; units; spot readings only. */
import { UCUM, VITALS } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { batchOf, reading } from '../testing/observations.js';
import { latestTrendReadings, TREND_DEFS, trendPoint, vitalTrend } from './trends.js';

const MIN = 60_000;
const start = Date.parse('2026-06-01T00:00:00Z');
const N = 2345;
let store: SqliteStore;

beforeAll(async () => {
  store = new SqliteStore({ file: ':memory:' });
  // One pulse a minute: more rows than two store pages (1000 each).
  const obs = Array.from({ length: N }, (_, i) =>
    reading('pulse', { seq: i + 1, value: 50 + (i % 50), at: new Date(start + i * MIN).toISOString() }),
  );
  for (let i = 0; i < N; i += 500) await store.storeBatch(batchOf(obs.slice(i, i + 500)));
});

afterAll(async () => {
  await store.close();
});

describe('vitalTrend', () => {
  const q = { patientId: 'p-001', from: new Date(start), to: new Date(start + N * MIN) };

  it('keeps the newest points when the period has more than the cap, oldest first, and says so', async () => {
    const t = await vitalTrend(store, 'pulse', { ...q, maxPoints: 2100 });
    expect(t.truncated).toBe(true);
    expect(t.points).toHaveLength(2100);
    expect(t.points[0]?.t).toBe(new Date(start + (N - 2100) * MIN).toISOString());
    expect(t.points.at(-1)?.t).toBe(new Date(start + (N - 1) * MIN).toISOString());
    const times = t.points.map((p) => Date.parse(p.t));
    expect(times.every((x, i) => i === 0 || x > (times[i - 1] ?? 0))).toBe(true);
  });

  it('gives every point when they fit, across store pages', async () => {
    const t = await vitalTrend(store, 'pulse', { ...q, maxPoints: N });
    expect(t).toMatchObject({ truncated: false, skipped: 0 });
    expect(t.points).toHaveLength(N);
    expect(new Set(t.points.map((p) => p.t)).size).toBe(N);
  });
});

describe('trendPoint', () => {
  const base = reading('pulse', { seq: 1 });

  it('converts known units and refuses others', () => {
    const temp: Observation = { ...base, code: VITALS.bodyTemperature, value: { value: 100.4, unit: UCUM.fahrenheit } };
    expect(trendPoint(TREND_DEFS.temperature, temp)).toMatchObject({ v: [38] });
    const bp = reading('bp', { seq: 2, value: [16, 10] });
    const kpa: Observation = {
      ...bp,
      components: bp.components?.map((c) => ({ ...c, value: { value: c.value.value, unit: UCUM.kPa } })),
    };
    expect(trendPoint(TREND_DEFS.bp, kpa)).toMatchObject({ v: [120.01, 75.01] });
    expect(trendPoint(TREND_DEFS.pulse, { ...base, value: { value: 1.2, unit: 'Hz' } })).toBe('unit');
  });

  it('is null for other codes, preliminary values, incomplete panels, waveform segments and recorded files', () => {
    expect(trendPoint(TREND_DEFS.spo2, base)).toBeNull();
    expect(trendPoint(TREND_DEFS.pulse, { ...base, status: 'preliminary' })).toBeNull();
    const bp = reading('bp', { seq: 2 });
    expect(trendPoint(TREND_DEFS.bp, { ...bp, components: bp.components?.slice(0, 1) })).toBeNull();
    expect(trendPoint(TREND_DEFS.pulse, { ...base, lane: 'waveform' })).toBeNull();
    const file = { contentType: 'audio/flac', data: 'AAAA', size: 3, sha256: '0'.repeat(64) };
    expect(trendPoint(TREND_DEFS.pulse, { ...base, attachment: file })).toBeNull();
  });

  it('leaves out what a device said is invalid, and keeps a meter HI as a bound', () => {
    expect(trendPoint(TREND_DEFS.pulse, { ...base, status: 'entered-in-error' })).toBeNull();
    const hi: Observation = { ...base, code: VITALS.glucoseMass, value: { value: 600, unit: UCUM.mgPerDl, comparator: '>' } };
    expect(trendPoint(TREND_DEFS.glucose, hi)).toMatchObject({ v: [600], comparator: '>' });
    const [latest] = latestTrendReadings([hi]);
    expect(latest).toMatchObject({ key: 'glucose', v: [600], comparator: '>' });
  });

  it('latestTrendReadings: the newest of each vital, in page order', () => {
    const older = reading('spo2', { seq: 3, value: 91, at: '2026-06-01T08:00:00Z' });
    const newer: Observation = {
      ...reading('spo2', { seq: 4, value: 95, at: '2026-06-02T08:00:00Z' }),
      code: { loinc: '59408-5', display: 'SpO2' },
    };
    const latest = latestTrendReadings([newer, base, older]);
    expect(latest.map((r) => [r.key, r.v])).toEqual([
      ['pulse', [72]],
      ['spo2', [95]],
    ]);
  });
});
