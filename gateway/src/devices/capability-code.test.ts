/**
 * What a capability carries is what the DeviceManager does: a vendor characteristic's decoder, and a
 * record joiner for records spanning two characteristics, come from the definition alone (no gateway
 * code knows them). The glucose join is one such joiner, used for meters and for unidentified devices.
 */
import {
  codecFail,
  codecOk,
  type DeviceFrame,
  defineDevice,
  encodeGlucoseMeasurement,
  encodeGlucoseMeasurementContext,
  fullUuid,
  type JoinOutput,
  type MeasurementCapability,
  medfloat,
  type ObservationDraft,
  type RecordJoiner,
  UCUM,
  VITALS,
} from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { PatientContext } from '../patient/context.js';
import { ReadingStore } from '../store/reading-store.js';
import { type TempDir, tempDir } from '../testing/fixtures.js';
import { DeviceManager } from './device-manager.js';

const RECEIVED = Date.parse('2024-05-01T08:20:00.000Z');
const VENDOR_UUID = 'a0b40001-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const VENDOR_PART_2 = 'a0b40002-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const frame = (deviceId: string, characteristic: string, bytes: Uint8Array): DeviceFrame => ({
  deviceId,
  transport: 'ble',
  characteristic,
  bytes,
  receivedAt: RECEIVED,
});

const respiratoryRate = (value: number): ObservationDraft => ({
  code: VITALS.respiratoryRate,
  value: { value, unit: UCUM.perMin },
  status: 'final',
  flags: [],
  lane: 'spot',
});

/** A vendor characteristic of one byte: the respiratory rate; 0 is refused as a decode error. */
const vendorRate: MeasurementCapability = {
  kind: 'measurement',
  profile: 'heart-rate',
  service: 'a0b40000-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  characteristics: [
    {
      uuid: VENDOR_UUID,
      role: 'reading',
      decode: (b) => (b[0] ? codecOk([respiratoryRate(b[0])]) : codecFail('rate', 'zero is not a rate')),
    },
  ],
};

/** A vendor record in two PDUs: part 1 holds a rate, part 2 says "final"; joined, one reading. */
function twoPartJoiner(): RecordJoiner {
  let held: number | undefined;
  const none = (): JoinOutput => ({ records: [], skipped: [] });
  const release = (): JoinOutput => {
    const out = held === undefined ? none() : { records: [[{ ...respiratoryRate(held), flags: ['part-2-missing'] }]], skipped: [] };
    held = undefined;
    return out;
  };
  return {
    take(characteristic, bytes) {
      if (characteristic === VENDOR_UUID) {
        const before = release();
        held = bytes[0];
        return codecOk(before);
      }
      if (held === undefined) return codecOk({ records: [], skipped: [{ message: 'part 2 without part 1', detail: { byte: bytes[0] } }] });
      const out: JoinOutput = { records: [[respiratoryRate(held)]], skipped: [] };
      held = undefined;
      return codecOk(out);
    },
    tick: none,
    flush: release,
  };
}

const twoPart: MeasurementCapability = {
  kind: 'measurement',
  profile: 'heart-rate',
  service: 'a0b40000-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  characteristics: [
    { uuid: VENDOR_UUID, role: 'reading' },
    { uuid: VENDOR_PART_2, role: 'context' },
  ],
  join: { characteristics: [VENDOR_UUID, VENDOR_PART_2], create: twoPartJoiner },
};

describe('capabilities carry the code the DeviceManager runs', () => {
  let dir: TempDir;
  let store: ReadingStore;
  let dm: DeviceManager;
  const warnings: string[] = [];

  beforeEach(() => {
    dir = tempDir();
    store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1' });
    const patients = new PatientContext({
      mode: 'home',
      patients: [{ id: 'p-1', family: 'A', given: 'B' }],
      homePatientId: 'p-1',
      deviceUsers: [],
    });
    warnings.length = 0;
    dm = new DeviceManager({
      store,
      patients,
      timeZone: 'UTC',
      clockDriftToleranceMs: 120_000,
      logger: { ...quiet, warn: (_o: unknown, msg?: string) => warnings.push(msg ?? '') },
      clock: { now: () => RECEIVED },
      definitions: [
        defineDevice({
          id: 'acme-rr',
          vendor: 'Acme',
          model: 'RR-1',
          description: 'test: vendor respiratory rate',
          transport: 'ble',
          match: { ble: { namePattern: /^RR-1/ } },
          capabilities: [vendorRate],
        }),
        defineDevice({
          id: 'acme-rr2',
          vendor: 'Acme',
          model: 'RR-2',
          description: 'test: two-part vendor record',
          transport: 'ble',
          match: { ble: { namePattern: /^RR-2/ } },
          capabilities: [twoPart],
        }),
      ],
    });
  });
  afterEach(() => {
    dm.stop();
    store.close();
    dir.remove();
  });

  const stored = () =>
    store
      .list('pending')
      .map((r) => r.observation)
      .sort((a, b) => a.seq - b.seq);

  it("decodes a vendor characteristic with the definition's decoder, and reports its decode errors", () => {
    const dev = 'ble:00:00:00:00:00:01';
    // Not identified yet: no definition says what this characteristic is.
    expect(dm.handleFrame(frame(dev, VENDOR_UUID, Uint8Array.of(16))).malformed).toBe('decode:characteristic');
    dm.identify(dev, { transport: 'ble', name: 'RR-1 0001' });
    expect(dm.handleFrame(frame(dev, VENDOR_UUID, Uint8Array.of(16))).recorded).toBe(1);
    expect(dm.handleFrame(frame(dev, VENDOR_UUID, Uint8Array.of(0))).malformed).toBe('decode:rate');
    expect(stored().map((o) => [o.code.loinc, o.value?.value])).toEqual([[VITALS.respiratoryRate.loinc, 16]]);
  });

  it("joins a two-part vendor record with the capability's joiner; flush at disconnect releases a held part", () => {
    const dev = 'ble:00:00:00:00:00:02';
    dm.identify(dev, { transport: 'ble', name: 'RR-2 0001' });
    expect(dm.handleFrame(frame(dev, VENDOR_UUID, Uint8Array.of(14))).recorded).toBe(0);
    expect(dm.handleFrame(frame(dev, VENDOR_PART_2, Uint8Array.of(1))).recorded).toBe(1);
    expect(dm.handleFrame(frame(dev, VENDOR_PART_2, Uint8Array.of(9))).recorded).toBe(0);
    expect(warnings).toEqual(['part 2 without part 1']);
    dm.handleFrame(frame(dev, VENDOR_UUID, Uint8Array.of(18)));
    dm.setDeviceState(dev, 'disconnected');
    expect(stored().map((o) => [o.value?.value, o.flags])).toEqual([
      [14, []],
      [18, ['part-2-missing']],
    ]);
  });

  it('joins glucose records of a device no definition describes, as the standard profile says', () => {
    const dev = 'ble:00:00:00:00:00:03';
    dm.setDeviceState(dev, 'connected');
    const m = encodeGlucoseMeasurement({
      sequenceNumber: 4,
      baseTime: { year: 2024, month: 5, day: 1, hours: 8, minutes: 4, seconds: 0 },
      unit: 'kg/L',
      concentration: { value: medfloat(0.00105), type: 1, sampleLocation: 1 },
      contextFollows: true,
    });
    expect(dm.handleFrame(frame(dev, '2A18', m)).recorded).toBe(0);
    expect(dm.handleFrame(frame(dev, fullUuid('2A34'), encodeGlucoseMeasurementContext({ sequenceNumber: 4, meal: 1 }))).recorded).toBe(1);
    expect(dm.handleFrame(frame(dev, '2A34', encodeGlucoseMeasurementContext({ sequenceNumber: 5, meal: 1 }))).recorded).toBe(0);
    expect(warnings).toEqual(['glucose context without its measurement skipped']);
    expect(stored()[0]?.flags).toContain('meal:preprandial');
  });
});
