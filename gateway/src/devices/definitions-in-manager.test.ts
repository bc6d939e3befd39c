/** DeviceManager with definitions: glucose context join, live roles, quirks, clock offsets, RACP cursor store. */
import {
  type DeviceFrame,
  defineDevice,
  encodeGlucoseMeasurement,
  encodeGlucoseMeasurementContext,
  fullUuid,
  medfloat,
  temperature,
  weight,
} from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { PatientContext } from '../patient/context.js';
import { ReadingStore } from '../store/reading-store.js';
import { type TempDir, tempDir } from '../testing/fixtures.js';
import { definitionPolicy } from './ble-config.js';
import { DeviceManager, type LiveValue } from './device-manager.js';
import { DeviceStateStore } from './device-state-store.js';

const METER = 'ble:C4:7C:8D:6A:00:05';
const RECEIVED = Date.parse('2024-05-01T08:20:00.000Z');
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const glucose = (seq: number, contextFollows: boolean) =>
  encodeGlucoseMeasurement({
    sequenceNumber: seq,
    baseTime: { year: 2024, month: 5, day: 1, hours: 8, minutes: seq, seconds: 0 },
    unit: 'kg/L',
    concentration: { value: medfloat(0.00105), type: 1, sampleLocation: 1 },
    contextFollows,
  });
const context = (seq: number) => encodeGlucoseMeasurementContext({ sequenceNumber: seq, meal: 1 });

function frame(deviceId: string, characteristic: string, bytes: Uint8Array, receivedAt = RECEIVED): DeviceFrame {
  return { deviceId, transport: 'ble', characteristic, bytes, receivedAt };
}

describe('DeviceManager with device definitions', () => {
  let dir: TempDir;
  let store: ReadingStore;
  let dm: DeviceManager;

  beforeEach(() => {
    dir = tempDir();
    store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1' });
    const patients = new PatientContext({
      mode: 'home',
      patients: [{ id: 'p-1', family: 'A', given: 'B' }],
      homePatientId: 'p-1',
      deviceUsers: [],
    });
    dm = new DeviceManager({
      store,
      patients,
      timeZone: 'UTC',
      clockDriftToleranceMs: 120_000,
      logger: quiet,
      clock: { now: () => RECEIVED },
    });
  });
  afterEach(() => {
    dm.stop();
    store.close();
    dir.remove();
  });

  it('logs the picked definition and lists it with the device', () => {
    const c = dm.identify(METER, { transport: 'ble', name: 'meter+0001', services: [fullUuid('1808')] });
    expect(c?.definition.id).toBe('roche-accu-chek-guide');
    expect(dm.seenDevices()[0]).toMatchObject({ id: METER, definition: { id: 'roche-accu-chek-guide' } });
    expect(dm.identify('ble:00:00:00:00:00:09', { transport: 'ble', name: 'speaker', services: [fullUuid('110b')] })).toBeUndefined();
  });

  it('joins a glucose measurement with its context by sequence number, and releases one whose context never came', () => {
    dm.identify(METER, { transport: 'ble', name: 'meter+0001', services: [fullUuid('1808')] });
    expect(dm.handleFrame(frame(METER, '2A18', glucose(7, true))).recorded).toBe(0);
    expect(dm.handleFrame(frame(METER, '2A34', context(7))).recorded).toBe(1);
    dm.handleFrame(frame(METER, '2A18', glucose(8, true)));
    expect(store.stats().pending).toBe(1);
    dm.flushDevice(METER);
    const [first, second] = store
      .list('pending')
      .map((r) => r.observation)
      .sort((a, b) => a.seq - b.seq);
    expect(first).toMatchObject({
      code: { loinc: expect.any(String) },
      contentKey: expect.stringMatching(/\|t\d{4}-\d\d-\d\dT[\d:]{8}\|/),
    });
    expect(first?.flags).toContain('meal:preprandial');
    expect(second?.flags).toContain('glucose-context-missing');
    expect(dm.highestCommittedRecord(METER)).toBe(8);
    // Control-point indications are the procedures' business: not readings, not malformed.
    expect(dm.handleFrame(frame(METER, '2A52', Uint8Array.of(6, 0, 1, 1)))).toEqual({ recorded: 0, duplicates: 0, held: 0, live: 0 });
  });

  it('corrects readings by a measured clock offset, and keeps old device times of a record download', () => {
    dm.identify(METER, { transport: 'ble', name: 'meter+0001', services: [fullUuid('1808')] });
    dm.setClockState(METER, 'correcting', -3 * 365 * 86_400_000);
    dm.handleFrame(frame(METER, '2A18', glucose(1, false)));
    const bySeq = () =>
      store
        .list('pending')
        .map((r) => r.observation)
        .sort((a, b) => a.seq - b.seq);
    expect(bySeq()[0]?.time).toMatchObject({
      device: '2024-05-01T08:01:00',
      correctionMs: 3 * 365 * 86_400_000,
      source: 'device-corrected',
    });
    dm.setClockState(METER, 'written', 0);
    dm.setDownloading(METER, true);
    dm.handleFrame(frame(METER, '2A18', glucose(2, false), RECEIVED + 30 * 86_400_000));
    expect(bySeq()[1]?.time).toMatchObject({ source: 'device', correctionMs: 0 });
  });

  it('applies quirks: a live-only characteristic, an inverted unit flag, a clock that resets', () => {
    const scale = defineDevice({
      id: 'test-scale',
      vendor: 't',
      model: 's',
      description: 't',
      transport: 'ble',
      match: { ble: { namePattern: /^SCALE/ } },
      capabilities: [weight(), temperature()],
      quirks: [
        { kind: 'inverted-unit-flag', characteristic: '2A9D' },
        { kind: 'clock-resets', year: 2021 },
      ],
    });
    const d = new DeviceManager({
      store,
      patients: new PatientContext({
        mode: 'home',
        patients: [{ id: 'p-1', family: 'A', given: 'B' }],
        homePatientId: 'p-1',
        deviceUsers: [],
      }),
      timeZone: 'UTC',
      clockDriftToleranceMs: 120_000,
      logger: quiet,
      definitions: [scale],
    });
    d.identify('ble:11:11:11:11:11:11', { transport: 'ble', name: 'SCALE-1', services: [] });
    // Flags 0x03 (sent as lb + timestamp) but the device means kg: 7000 × 0.005 = 35 kg, 2021-01-01 00:00:05.
    const bytes = Uint8Array.of(0x03, 0x58, 0x1b, 0xe5, 0x07, 1, 1, 0, 0, 5);
    d.handleFrame(frame('ble:11:11:11:11:11:11', '2A9D', bytes));
    const o = store.list('pending')[0]?.observation;
    expect(o?.value).toEqual({ value: 35, unit: 'kg' });
    expect(o?.flags).toEqual(expect.arrayContaining(['unit-flag-corrected', 'device-clock-reset']));
    expect(o?.time.source).toBe('gateway');
    const live: LiveValue[] = [];
    d.on('live', (v) => live.push(v));
    // Intermediate temperature is a 'live' role: shown, never stored.
    expect(d.handleFrame(frame('ble:11:11:11:11:11:11', '2A1E', Uint8Array.of(0, 0x6e, 0x01, 0, 0xff))).live).toBe(1);
    expect(store.stats().pending).toBe(1);
    d.stop();
  });
});

describe('definition policy from the configuration', () => {
  it('limits the generic definition to the watch rules, and models to the allow-list when given', () => {
    const hr = { transport: 'ble' as const, name: 'NoName', services: [fullUuid('180D')] };
    const polar = { transport: 'ble' as const, name: 'Polar H10 1', services: [fullUuid('180D')] };
    const quietDm = () =>
      new DeviceManager({
        store: undefined as unknown as ReadingStore,
        patients: new PatientContext({ mode: 'cart', patients: [], deviceUsers: [] }),
        timeZone: 'UTC',
        clockDriftToleranceMs: 1,
        logger: quiet,
      });
    const dm = quietDm();
    const homeKit = definitionPolicy(undefined, [{ services: ['181D'], subscribe: ['2A9D'] }]);
    expect(dm.identify('ble:00:00:00:00:00:01', hr, homeKit)).toBeUndefined();
    expect(dm.identify('ble:00:00:00:00:00:02', polar, homeKit)?.definition.id).toBe('polar-h10');
    const onlyScales = definitionPolicy(['and-uc-352ble'], [{ services: ['180D'], subscribe: ['2A37'] }]);
    expect(dm.identify('ble:00:00:00:00:00:03', polar, onlyScales)).toBeUndefined();
    expect(
      dm.identify('ble:00:00:00:00:00:04', hr, definitionPolicy(undefined, [{ services: ['180D'], subscribe: ['2A37'] }]))?.definition.id,
    ).toBe('generic-sig-ble');
    dm.stop();
  });
});

describe('DeviceStateStore', () => {
  it('keeps a forward-only RACP cursor per device across reopen', () => {
    const dir = tempDir();
    try {
      const s = new DeviceStateStore({ dataDir: dir.path });
      expect(s.cursor(METER)).toBeUndefined();
      expect(s.advance(METER, 5)).toBe(5);
      expect(s.advance(METER, 3)).toBe(5);
      s.close();
      const again = new DeviceStateStore({ dataDir: dir.path });
      expect(again.cursor(METER)).toBe(5);
      expect(again.list()).toMatchObject([{ deviceId: METER, recordNumber: 5 }]);
      again.reset(METER);
      expect(again.cursor(METER)).toBeUndefined();
      expect(() => again.advance(METER, -1)).toThrow(RangeError);
      again.close();
    } finally {
      dir.remove();
    }
  });
});
