import { EventEmitter } from 'node:events';
import type { DeviceFrame } from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { GatewayMetrics } from '../metrics.js';
import { PatientContext } from '../patient/context.js';
import { ReadingStore } from '../store/reading-store.js';
import { type TempDir, tempDir } from '../testing/fixtures.js';
import { DeviceManager, type LiveValue, type ReadingEvent } from './device-manager.js';
import { observationTime, zonedToEpochMs } from './time.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** Built to the SIG 0x2A35 layout (a typical home cuff): 120/80 mmHg, MAP 93, 2024-05-01 08:15:30, pulse 64. */
const BP_HOME = hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00');
/** Nordic BloodPressureMeasurementDataCallbackTest vector: 138/88/120, year unknown, pulse 60, user 1, status 0x0027. */
const BP_USER1 = hex('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00');
/** Intermediate cuff pressure (0x2A36) built to the SIG layout: 140 mmHg. */
const CUFF = hex('00 8C 00 FF 07 FF 07');
const CUFF_DEVICE = 'ble:A0:B1:C2:D3:E4:F5';
/** 2024-05-01 08:15:30 in Paris (CEST) is 06:15:30Z; received 30 s later. */
const RECEIVED = Date.parse('2024-05-01T06:16:00.000Z');

function frame(bytes: Uint8Array, over: Partial<DeviceFrame> = {}): DeviceFrame {
  return {
    deviceId: CUFF_DEVICE,
    transport: 'ble',
    name: 'UA-651BLE',
    characteristic: '2A35',
    service: '1810',
    bytes,
    receivedAt: RECEIVED,
    info: { manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: 'SN123', firmware: '1.0' },
    ...over,
  };
}

const patients: GatewayConfig['patients'] = [
  { id: 'p-001', family: 'Martin', given: 'Jeanne', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10' },
  { id: 'p-002', family: 'Durand', given: 'Paul' },
];

function captureLogger() {
  const warnings: { obj: object; msg: string }[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (obj, msg) => warnings.push({ obj, msg }),
  };
  return { logger, warnings };
}

describe('DeviceManager', () => {
  let dir: TempDir;
  let store: ReadingStore;
  let ctx: PatientContext;
  let metrics: GatewayMetrics;
  let log: ReturnType<typeof captureLogger>;
  let dm: DeviceManager;

  beforeEach(() => {
    dir = tempDir();
    store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1' });
    ctx = new PatientContext({
      mode: 'cart',
      patients,
      deviceUsers: [{ deviceId: 'ble:00:00:00:00:00:01', userIndex: 1, patientId: 'p-002' }],
    });
    metrics = new GatewayMetrics();
    log = captureLogger();
    dm = new DeviceManager({ store, patients: ctx, timeZone: 'Europe/Paris', clockDriftToleranceMs: 120_000, logger: log.logger, metrics });
  });
  afterEach(() => {
    dm.stop();
    store.close();
    dir.remove();
  });

  it('stores a blood-pressure indication as a BP panel and a pulse, for the selected patient, in device time', () => {
    ctx.select('p-001');
    const events: ReadingEvent[] = [];
    dm.on('reading', (e) => events.push(e));
    expect(dm.handleFrame(frame(BP_HOME))).toEqual({ recorded: 2, duplicates: 0, held: 0, live: 0 });
    const [panel, pulse] = events.map((e) => e.observation);
    expect(panel).toMatchObject({
      seq: 1,
      code: { loinc: '85354-9' },
      components: [
        { code: { loinc: '8480-6' }, value: { value: 120, unit: 'mm[Hg]' } },
        { code: { loinc: '8462-4' }, value: { value: 80, unit: 'mm[Hg]' } },
        { code: { loinc: '8478-0' }, value: { value: 93, unit: 'mm[Hg]' } },
      ],
      status: 'final',
      patient: { id: 'p-001', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10', assignment: 'nurse-selected' },
      device: { id: CUFF_DEVICE, transport: 'ble', manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: 'SN123', firmware: '1.0' },
      time: {
        effective: '2024-05-01T06:15:30.000Z',
        device: '2024-05-01T08:15:30',
        received: '2024-05-01T06:16:00.000Z',
        correctionMs: 0,
        source: 'device',
      },
      contentKey: `${CUFF_DEVICE}|t2024-05-01T08:15:30|85354-9|v120mm[Hg]/80mm[Hg]/93mm[Hg]`,
      lane: 'spot',
    });
    expect(pulse).toMatchObject({ seq: 2, code: { loinc: '8867-4' }, value: { value: 64, unit: '/min' } });
    expect(pulse?.contentKey).toBe(`${CUFF_DEVICE}|t2024-05-01T08:15:30|8867-4|v64/min`);
    expect(store.stats().pending).toBe(2);
  });

  it('commits a burst of frames in one transaction: readings announced after the commit, a bad frame skipped alone', () => {
    ctx.select('p-001');
    const at = (second: number) => {
      const b = Uint8Array.from(BP_HOME);
      b[13] = second;
      return frame(b);
    };
    let recordedDuringBurst = -1;
    let recorded = 0;
    store.on('recorded', () => recorded++);
    dm.on('reading', () => {
      if (recordedDuringBurst < 0) recordedDuringBurst = recorded;
    });
    const outcomes = dm.handleFrames([at(1), frame(hex('06 78 00 50')), at(2)]);
    expect(outcomes.map((o) => o.recorded)).toEqual([2, 0, 2]);
    expect(outcomes[1]?.malformed).toMatch(/^decode:/);
    expect(recordedDuringBurst).toBe(0); // nothing announced to the sync before the commit
    expect(recorded).toBe(4);
    expect(store.stats().pending).toBe(4);
  });

  it('reports a reading the full store refuses as refused, not as a malformed frame, and logs it once', () => {
    ctx.select('p-001');
    dm.handleFrame(frame(BP_HOME));
    const oneFrame = store.stats().bytes;
    const small = new ReadingStore({ dataDir: `${dir.path}/small`, gatewayId: 'cart-1', maxBytes: oneFrame + 10 });
    const smallLog = captureLogger();
    const full = new DeviceManager({
      store: small,
      patients: ctx,
      timeZone: 'Europe/Paris',
      clockDriftToleranceMs: 120_000,
      logger: smallLog.logger,
    });
    try {
      const at = (second: number) => {
        const b = Uint8Array.from(BP_HOME);
        b[13] = second;
        return frame(b);
      };
      expect(full.handleFrame(at(1))).toEqual({ recorded: 2, duplicates: 0, held: 0, live: 0 });
      const refused = full.handleFrames([at(2), at(3)]);
      expect(refused).toEqual([
        { recorded: 0, duplicates: 0, held: 0, live: 0, refused: 2 },
        { recorded: 0, duplicates: 0, held: 0, live: 0, refused: 2 },
      ]);
      expect(full.malformed()).toEqual([]);
      expect(smallLog.warnings.map((w) => w.msg)).toEqual(['reading refused: gateway store full']);
      expect(smallLog.warnings[0]?.obj).toMatchObject({ deviceId: CUFF_DEVICE, level: 'full' });
      expect(small.stats().pending).toBe(2);
    } finally {
      full.stop();
      small.close();
    }
  });

  it('stores the readings of one notification together or not at all (room for the BP panel but not its pulse: neither)', () => {
    ctx.select('p-001');
    dm.handleFrame(frame(BP_HOME));
    const [pulse, panel] = store.list('pending');
    if (!panel || !pulse) throw new Error('expected the panel and the pulse');
    // Room for one whole notification and the next one's panel, not for its pulse.
    const maxBytes = panel.bytes + pulse.bytes + panel.bytes + 10;
    const small = new ReadingStore({ dataDir: `${dir.path}/half`, gatewayId: 'cart-1', maxBytes });
    const half = new DeviceManager({ store: small, patients: ctx, timeZone: 'Europe/Paris', clockDriftToleranceMs: 120_000 });
    try {
      const at = (second: number) => {
        const b = Uint8Array.from(BP_HOME);
        b[13] = second;
        return frame(b);
      };
      // In a burst (one transaction, a savepoint per notification) and alone (a transaction of its own).
      const burst = half.handleFrames([at(1), at(2)]);
      expect(burst.map((o) => [o.recorded, o.refused ?? 0])).toEqual([
        [2, 0],
        [0, 2],
      ]);
      expect(half.handleFrame(at(3))).toMatchObject({ recorded: 0, refused: 2 });
      const kept = small.list('pending').map((r) => `${r.observation.time.device} ${r.observation.code.loinc}`);
      expect(kept.sort()).toEqual(['2024-05-01T08:15:01 85354-9', '2024-05-01T08:15:01 8867-4']);
      expect(small.stats()).toMatchObject({ pending: 2, bytes: panel.bytes + pulse.bytes });
      expect(small.lastSeq()).toBe(2);
    } finally {
      half.stop();
      small.close();
    }
  });

  it('recognises the same indication sent again after a reconnect', async () => {
    ctx.select('p-001');
    dm.handleFrame(frame(BP_HOME));
    expect(dm.handleFrame(frame(BP_HOME, { receivedAt: RECEIVED + 60_000 }))).toMatchObject({ recorded: 0, duplicates: 2 });
    expect(store.stats().pending).toBe(2);
    expect(await metrics.registry.getSingleMetricAsString('telecart_gateway_readings_duplicate_total')).toMatch(/ 2$/m);
  });

  it('takes an indication the previous release stored under its time key (no values) for the same reading', () => {
    ctx.select('p-001');
    dm.handleFrame(frame(BP_HOME));
    const stored = store.list('pending');
    // Format 1 keyed a time-stamped reading without its values: the format-2 key minus '|v…'.
    const legacy = stored.map((r) => (r.observation.contentKey ?? '').replace(/\|v[^|]*$/, ''));
    expect(legacy.every((k) => k.length > 0 && !k.includes('|v'))).toBe(true);
    const old = new ReadingStore({ dataDir: `${dir.path}/old`, gatewayId: 'cart-1' });
    const upgraded = new DeviceManager({
      store: old,
      patients: ctx,
      timeZone: 'Europe/Paris',
      clockDriftToleranceMs: 120_000,
      logger: log.logger,
    });
    try {
      stored.forEach((r, i) => {
        const { id: _id, seq: _seq, gatewayId: _gw, ...input } = r.observation;
        old.record({ ...input, contentKey: legacy[i] });
      });
      expect(upgraded.handleFrame(frame(BP_HOME, { receivedAt: RECEIVED + 60_000 }))).toMatchObject({ recorded: 0, duplicates: 2 });
      expect(old.stats().pending).toBe(2);
    } finally {
      upgraded.stop();
      old.close();
    }
  });

  it('uses the receive time when the device clock is off, recording the correction', () => {
    ctx.select('p-001');
    const late = RECEIVED + 86_400_000;
    dm.handleFrame(frame(BP_HOME, { receivedAt: late }));
    expect(store.list('pending')[0]?.observation.time).toEqual({
      effective: new Date(late).toISOString(),
      device: '2024-05-01T08:15:30',
      received: new Date(late).toISOString(),
      correctionMs: 86_400_000 + 30_000,
      source: 'device-corrected',
    });
  });

  it('holds readings when no patient is selected, and never guesses one', () => {
    const r = dm.handleFrame(frame(BP_HOME));
    expect(r).toMatchObject({ recorded: 2, held: 2 });
    expect(store.stats()).toMatchObject({ pending: 0, held: 2 });
    expect(store.held().every((h) => h.observation.patient === null && h.observation.flags.includes('no-patient'))).toBe(true);
  });

  it("attributes a multi-user device's user to the configured patient, and holds an unmapped user", () => {
    ctx.select('p-001');
    dm.handleFrame(frame(BP_USER1, { deviceId: 'ble:00:00:00:00:00:01' }));
    const [pulse, panel] = store.list('pending');
    expect(panel?.observation).toMatchObject({
      patient: { id: 'p-002', assignment: 'device-user', userIndex: 1 },
      flags: expect.arrayContaining(['body-movement', 'cuff-too-loose', 'irregular-pulse', 'improper-position', 'device-time-unknown']),
      time: { source: 'gateway', device: null, effective: '2024-05-01T06:16:00.000Z' },
    });
    // Year 0: no usable device time and no record number, so no content key.
    expect(panel?.observation.contentKey).toBeUndefined();
    expect(pulse?.observation.patient?.id).toBe('p-002');

    const user2 = Uint8Array.from(BP_USER1);
    user2[16] = 2;
    dm.handleFrame(frame(user2, { deviceId: 'ble:00:00:00:00:00:01' }));
    expect(store.stats()).toMatchObject({ pending: 2, held: 2 });
  });

  it('shows intermediate cuff pressure live and stores nothing', () => {
    ctx.select('p-001');
    const live: LiveValue[] = [];
    dm.on('live', (v) => live.push(v));
    expect(dm.handleFrame(frame(CUFF, { characteristic: '2A36' }))).toMatchObject({ recorded: 0, live: 1 });
    expect(live).toMatchObject([{ deviceId: CUFF_DEVICE, value: { value: 140, unit: 'mm[Hg]' }, patientId: 'p-001' }]);
    expect(store.stats().pending).toBe(0);
  });

  it('counts malformed frames by device and reason, logs each kind once, and keeps going', async () => {
    ctx.select('p-001');
    const truncated = hex('06 78 00 50');
    expect(dm.handleFrame(frame(truncated)).malformed).toMatch(/^decode:/);
    dm.handleFrame(frame(truncated));
    expect(dm.handleFrame(frame(BP_HOME, { characteristic: '2AFF' })).malformed).toBe('decode:characteristic');
    expect(dm.handleFrame({ ...frame(BP_HOME), bytes: 'nope' } as unknown as DeviceFrame).malformed).toBe('invalid-frame');
    expect(dm.handleFrame(frame(BP_HOME)).recorded).toBe(2);

    const counts = dm.malformed();
    expect(counts.find((c) => c.reason.startsWith('decode:') && c.reason !== 'decode:characteristic')?.count).toBe(2);
    expect(log.warnings).toHaveLength(3);
    expect(log.warnings[0]?.obj).toMatchObject({ deviceId: CUFF_DEVICE, characteristic: '2A35', hex: '06780050' });
    const text = await metrics.registry.getSingleMetricAsString('telecart_gateway_malformed_frames_total');
    expect(text).toContain(`device="${CUFF_DEVICE}",reason="decode:characteristic"} 1`);
    expect(dm.seenDevices()).toMatchObject([{ id: CUFF_DEVICE, frames: 4, readings: 2, malformed: 3 }]);
  });

  it('lists devices reported by their driver before any frame, with their connection state', () => {
    dm.setDeviceState('ble:44:44:44:44:44:44', 'connecting', { name: 'Scale' });
    dm.handleFrame(frame(BP_HOME));
    dm.setDeviceState(CUFF_DEVICE, 'disconnected');
    expect(dm.seenDevices()).toMatchObject([
      { id: 'ble:44:44:44:44:44:44', name: 'Scale', state: 'connecting', frames: 0 },
      { id: CUFF_DEVICE, name: 'UA-651BLE', state: 'disconnected', frames: 1, info: { model: 'UA-651BLE' } },
    ]);
  });

  it('reads frames from an emitter and from an async iterable until detached', async () => {
    ctx.select('p-001');
    const emitter = new EventEmitter();
    const detach = dm.attach(emitter as unknown as import('./frame-source.js').FrameEmitter);
    emitter.emit('frame', frame(BP_HOME));
    expect(store.stats().pending).toBe(2);
    detach();
    emitter.emit('frame', frame(BP_HOME, { deviceId: 'ble:11:11:11:11:11:11' }));
    expect(store.stats().pending).toBe(2);

    async function* replay() {
      yield frame(BP_HOME, { deviceId: 'ble:22:22:22:22:22:22' });
      yield frame(BP_HOME, { deviceId: 'ble:33:33:33:33:33:33' });
    }
    const done = new Promise<void>((resolve) => {
      let n = 0;
      dm.on('reading', () => {
        if (++n === 4) resolve();
      });
    });
    dm.attach(replay());
    await done;
    expect(store.stats().pending).toBe(6);
  });
});

describe('observation time', () => {
  it('reads device wall-clock time in the configured zone, across DST changes', () => {
    const t = (y: number, mo: number, d: number, h: number, mi: number) => ({
      year: y,
      month: mo,
      day: d,
      hours: h,
      minutes: mi,
      seconds: 0,
    });
    expect(new Date(zonedToEpochMs(t(2024, 1, 15, 12, 0), 'Europe/Paris')).toISOString()).toBe('2024-01-15T11:00:00.000Z');
    expect(new Date(zonedToEpochMs(t(2024, 7, 15, 12, 0), 'Europe/Paris')).toISOString()).toBe('2024-07-15T10:00:00.000Z');
    // Autumn overlap (02:30 happens twice): the first, summer-time instant.
    expect(new Date(zonedToEpochMs(t(2024, 10, 27, 2, 30), 'Europe/Paris')).toISOString()).toBe('2024-10-27T00:30:00.000Z');
    expect(new Date(zonedToEpochMs(t(2024, 5, 1, 8, 15), 'America/New_York')).toISOString()).toBe('2024-05-01T12:15:00.000Z');
    expect(new Date(zonedToEpochMs(t(2024, 5, 1, 8, 15), 'UTC')).toISOString()).toBe('2024-05-01T08:15:00.000Z');
  });

  it('keeps an old device time for records from device memory, but corrects one from the future', () => {
    const deviceTime = { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 };
    const base = { deviceTime, timeZone: 'Europe/Paris', toleranceMs: 120_000, fromStorage: true };
    expect(observationTime({ ...base, receivedAt: RECEIVED + 3 * 86_400_000 }).source).toBe('device');
    expect(observationTime({ ...base, receivedAt: RECEIVED - 3_600_000 })).toMatchObject({
      source: 'device-corrected',
      correctionMs: -3_570_000,
    });
  });
});
