import { UCUM, VITALS } from '@telecart/devices';
import type { DeviceRef, PatientRef } from '@telecart/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentKeyOf } from '../devices/content-key.js';
import type { Logger } from '../logger.js';
import { GatewayMetrics } from '../metrics.js';
import { PatientContext } from '../patient/context.js';
import { ReadingStore } from '../store/reading-store.js';
import { type TempDir, tempDir } from '../testing/fixtures.js';
import { legacyContentKeyOf } from './legacy-keys.js';
import { type PipelineDraft, type ReadingEvent, ReadingPipeline } from './reading-pipeline.js';

const DEVICE: DeviceRef = { id: 'ble:00:00:00:00:00:01', transport: 'ble', model: 'UA-651BLE' };
/** 2024-05-01 08:15:30 in Paris (CEST) is 06:15:30Z; received 30 s later. */
const DEVICE_TIME = { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 };
const RECEIVED = Date.parse('2024-05-01T06:16:00.000Z');

const spo2 = (over: Partial<PipelineDraft> = {}): PipelineDraft => ({
  code: VITALS.spo2,
  value: { value: 97, unit: UCUM.percent },
  status: 'final',
  flags: [],
  deviceTime: DEVICE_TIME,
  lane: 'spot',
  ...over,
});
const pulse = (over: Partial<PipelineDraft> = {}): PipelineDraft =>
  spo2({ code: VITALS.oximetryPulseRate, value: { value: 64, unit: UCUM.perMin }, ...over });

function captureLogger() {
  const warnings: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_o, msg) => warnings.push(msg) };
  return { logger, warnings };
}

describe('ReadingPipeline', () => {
  let dir: TempDir;
  let store: ReadingStore;
  let patients: PatientContext;
  let metrics: GatewayMetrics;
  let events: ReadingEvent[];
  let log: ReturnType<typeof captureLogger>;
  const open = (s: ReadingStore) =>
    new ReadingPipeline({
      store: s,
      patients,
      timeZone: 'Europe/Paris',
      clockDriftToleranceMs: 120_000,
      metrics,
      logger: log.logger,
      onReading: (e) => events.push(e),
    });

  beforeEach(() => {
    dir = tempDir();
    store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1' });
    patients = new PatientContext({
      mode: 'cart',
      patients: [
        { id: 'p-001', family: 'Martin', given: 'Jeanne' },
        { id: 'p-002', family: 'Durand', given: 'Paul' },
      ],
      deviceUsers: [{ deviceId: DEVICE.id, userIndex: 1, patientId: 'p-002' }],
    });
    metrics = new GatewayMetrics();
    events = [];
    log = captureLogger();
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('gives each reading its time: device time in the zone, the receive time for an off clock, a measured offset, memory replays', () => {
    const p = open(store);
    const timeOf = (r: ReturnType<ReadingPipeline['record']>) => r.stored[0]?.result.observation?.time;
    expect(timeOf(p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2()], announce: 'new' }))).toEqual({
      effective: '2024-05-01T06:15:30.000Z',
      device: '2024-05-01T08:15:30',
      received: '2024-05-01T06:16:00.000Z',
      correctionMs: 0,
      source: 'device',
    });
    const dayLate = RECEIVED + 86_400_000;
    const old = spo2({ value: { value: 96, unit: UCUM.percent } });
    expect(timeOf(p.record({ device: DEVICE, receivedAt: dayLate, drafts: [old], announce: 'new' }))).toMatchObject({
      effective: new Date(dayLate).toISOString(),
      source: 'device-corrected',
    });
    const replayed = spo2({ value: { value: 95, unit: UCUM.percent } });
    expect(timeOf(p.record({ device: DEVICE, receivedAt: dayLate, drafts: [replayed], fromStorage: true, announce: 'new' }))).toMatchObject(
      { effective: '2024-05-01T06:15:30.000Z', source: 'device' },
    );
    const offset = spo2({ value: { value: 94, unit: UCUM.percent } });
    expect(timeOf(p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [offset], clockOffsetMs: 60_000, announce: 'new' }))).toEqual({
      effective: '2024-05-01T06:14:30.000Z',
      device: '2024-05-01T08:15:30',
      received: '2024-05-01T06:16:00.000Z',
      correctionMs: -60_000,
      source: 'device-corrected',
    });
    // A gateway-timed segment: its start, not the receive time.
    const segment = spo2({ deviceTime: undefined, startedAt: RECEIVED - 5_000, contentKey: 'seg|1|0' });
    expect(timeOf(p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [segment], announce: 'new' }))).toEqual({
      effective: '2024-05-01T06:15:55.000Z',
      device: null,
      received: '2024-05-01T06:16:00.000Z',
      correctionMs: 0,
      source: 'gateway',
    });
  });

  it('gives each reading its patient: the device user, the selected patient, a patient fixed by the source, or held', () => {
    const p = open(store);
    const patientOf = (d: PipelineDraft, extra: { patient?: PatientRef | null } = {}) =>
      p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [d], announce: 'new', ...extra }).stored[0]?.result.observation?.patient ??
      null;
    expect(patientOf(spo2({ value: { value: 90, unit: UCUM.percent } }))).toBeNull();
    expect(events.at(-1)?.held).toBe(true);
    patients.select('p-001');
    expect(patientOf(spo2({ value: { value: 91, unit: UCUM.percent } }))?.id).toBe('p-001');
    expect(patientOf(spo2({ value: { value: 92, unit: UCUM.percent }, userIndex: 1 }))?.id).toBe('p-002');
    // The source's patient (a recording keeps the one it started with) wins over the selection.
    const fixed: PatientRef = { id: 'p-002', assignment: 'nurse-selected' };
    expect(patientOf(spo2({ value: { value: 93, unit: UCUM.percent } }), { patient: fixed })?.id).toBe('p-002');
    expect(patientOf(spo2({ value: { value: 94, unit: UCUM.percent } }), { patient: null })).toBeNull();
  });

  it('keys each reading by its content (or the source’s own key) so a re-read one is a duplicate, counted and shown as such', async () => {
    patients.select('p-001');
    const p = open(store);
    const first = p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2(), pulse()], announce: 'all' });
    expect(first.stored.map((s) => s.result.observation?.contentKey)).toEqual([
      contentKeyOf(DEVICE.id, spo2()),
      contentKeyOf(DEVICE.id, pulse()),
    ]);
    const again = p.record({ device: DEVICE, receivedAt: RECEIVED + 60_000, drafts: [spo2(), pulse()], announce: 'all' });
    expect(again.stored.map((s) => s.result.duplicate)).toEqual([true, true]);
    expect(events.map((e) => e.duplicate)).toEqual([false, false, true, true]);
    // 'new': duplicates are counted but not announced.
    p.record({ device: DEVICE, receivedAt: RECEIVED + 60_000, drafts: [spo2()], announce: 'new' });
    expect(events).toHaveLength(4);
    const own = p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2({ contentKey: 'rec|abc|0' })], announce: 'none' });
    expect(own.stored[0]?.result.observation?.contentKey).toBe('rec|abc|0');
    expect(events).toHaveLength(4);
    expect(store.stats().pending).toBe(3);
    expect(await metrics.registry.getSingleMetricAsString('telecart_gateway_readings_duplicate_total')).toMatch(/ 3$/m);
    expect(await metrics.registry.getSingleMetricAsString('telecart_gateway_readings_recorded_total')).toMatch(/lane="spot"} 3$/m);
  });

  it('UPGRADE-ONLY: takes a reading the previous release stored under its format-1 key for a duplicate, only when asked to', () => {
    patients.select('p-001');
    const legacyKey = legacyContentKeyOf(DEVICE.id, spo2());
    if (!legacyKey) throw new Error('expected a legacy key');
    // The old release's reading, as it stored it.
    const first = open(store).record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2()], announce: 'none' }).stored[0]?.result;
    if (!first || first.duplicate) throw new Error('expected a new reading');
    const { id: _id, seq: _seq, gatewayId: _gw, ...input } = first.observation;
    const old = new ReadingStore({ dataDir: `${dir.path}/old`, gatewayId: 'cart-1' });
    try {
      old.record({ ...input, contentKey: legacyKey });
      const p = open(old);
      const r = p.record({
        device: DEVICE,
        receivedAt: RECEIVED,
        drafts: [spo2(), pulse()],
        legacyKeys: { cursor: undefined },
        announce: 'all',
      });
      expect(r.legacy).toEqual([spo2()]);
      expect(r.stored.map((s) => s.result.observation?.code.loinc)).toEqual([VITALS.oximetryPulseRate.loinc]);
      expect(old.stats().pending).toBe(2);
      // Without the check (serial, recordings) the format-1 key means nothing.
      const unchecked = p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2()], announce: 'new' });
      expect(unchecked.stored.map((s) => s.result.duplicate)).toEqual([false]);
    } finally {
      old.close();
    }
  });

  it('commits the readings of one batch together or not at all, and reports a full store once as a refusal', () => {
    patients.select('p-001');
    open(store).record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2(), pulse()], announce: 'none' });
    const [a, b] = store.list('pending');
    if (!a || !b) throw new Error('expected two readings');
    // Room for one batch and one more reading (the larger), not for the next batch's two.
    const maxBytes = a.bytes + b.bytes + Math.max(a.bytes, b.bytes) + 10;
    const small = new ReadingStore({ dataDir: `${dir.path}/small`, gatewayId: 'cart-1', maxBytes });
    try {
      const p = open(small);
      const at = (seconds: number) => ({ ...DEVICE_TIME, seconds });
      expect(p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2(), pulse()], announce: 'new' }).refused).toBeUndefined();
      const second = p.record({
        device: DEVICE,
        receivedAt: RECEIVED,
        drafts: [spo2({ deviceTime: at(31) }), pulse({ deviceTime: at(31) })],
        announce: 'new',
      });
      expect(second.refused?.level).toBe('full');
      expect(second.stored).toEqual([]);
      expect(small.stats().pending).toBe(2);
      p.record({
        device: DEVICE,
        receivedAt: RECEIVED,
        drafts: [spo2({ deviceTime: at(32) }), pulse({ deviceTime: at(32) })],
        announce: 'new',
      });
      expect(log.warnings).toEqual(['reading refused: gateway store full']);
      expect(events).toHaveLength(2);
    } finally {
      small.close();
    }
  });

  it('throws what is not a refusal (an invalid reading) and stores nothing of its batch', () => {
    patients.select('p-001');
    const p = open(store);
    const bad = pulse({ value: { value: Number.NaN, unit: UCUM.perMin } });
    expect(() => p.record({ device: DEVICE, receivedAt: RECEIVED, drafts: [spo2(), bad], announce: 'new' })).toThrow();
    expect(store.stats().pending).toBe(0);
    expect(events).toEqual([]);
  });
});
