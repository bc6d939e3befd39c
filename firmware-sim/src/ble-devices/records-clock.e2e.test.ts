/**
 * The simulators' device behaviour through node-ble on the BlueZ look-alike (real dbus-daemon):
 * RACP procedure bytes on the wire, record memory semantics, Current Time writes, multi-user scale,
 * heart-rate notifications.
 */
import {
  currentTimeFromEpoch,
  decodeCharacteristic,
  decodeCurrentTime,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  decodeHeartRateMeasurement,
  decodeWeightMeasurement,
  decodeWeightScaleFeature,
  encodeCurrentTime,
  epochToZonedFields,
  fullUuid,
  GlucoseContextJoiner,
  glucoseToDrafts,
  zoneOffsetMs,
} from '@telecart/devices';
import type NodeBle from 'node-ble';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BluezRig, type NodeBleSession, startBluezRig } from '../testing/bluez-rig.js';
import { collector } from '../testing/collector.js';
import { bloodPressureCuff } from './blood-pressure-cuff.js';
import { glucoseMeter } from './glucose-meter.js';
import { heartRateMonitor } from './heart-rate-monitor.js';
import { pulseOximeter } from './pulse-oximeter.js';
import type { VirtualBleDevice } from './virtual-device.js';
import { weightScale } from './weight-scale.js';

type Characteristic = NodeBle.GattCharacteristic;

const HOST_NOW = Date.UTC(2026, 2, 1, 7, 30, 0);
const clock = { now: () => HOST_NOW };
const hex = (b: Uint8Array | Buffer) => Buffer.from(b).toString('hex');

describe('simulated record-keeping devices and clocks through node-ble', () => {
  let rig: BluezRig;
  let bt: NodeBleSession;
  let adapter: NodeBle.Adapter;
  const devices: VirtualBleDevice[] = [];

  function add(d: VirtualBleDevice): VirtualBleDevice {
    d.attach(rig.sim.addPeripheral(d.peripheral));
    devices.push(d);
    return d;
  }

  /** Connects and returns a characteristic getter for one service. */
  async function open(d: VirtualBleDevice, service: string): Promise<(uuid: string) => Promise<Characteristic>> {
    const device = await adapter.waitDevice(d.address, 10_000, 20);
    await device.connect();
    const gatt = await device.gatt();
    const s = await gatt.getPrimaryService(fullUuid(service));
    return (uuid) => s.getCharacteristic(fullUuid(uuid));
  }

  /** Subscribes to characteristics, collecting [uuid, hex] in arrival order. */
  async function listen(get: (uuid: string) => Promise<Characteristic>, uuids: string[]) {
    const got = collector<[string, string]>();
    for (const uuid of uuids) {
      const c = await get(uuid);
      c.on('valuechanged', (b: Buffer) => got.push([uuid, hex(b)]));
      await c.startNotifications();
    }
    return got;
  }

  beforeAll(async () => {
    rig = await startBluezRig();
    bt = rig.nodeBle();
    adapter = await bt.bluetooth.defaultAdapter();
    await adapter.startDiscovery();
  });

  afterAll(async () => {
    for (const d of devices) d.stop();
    bt?.destroy();
    await rig?.stop();
  });

  it('glucose meter: RACP count, report ≥ N with contexts, report all, delete, errors — bytes on the wire', async () => {
    const meter = add(glucoseMeter({ seed: 3, clock, address: 'C4:7C:8D:6A:10:06' }));
    for (let i = 0; i < 5; i++) meter.measureNow(); // nobody connected: stored only
    expect(meter.records.map((r) => r.sequenceNumber)).toEqual([1, 2, 3, 4, 5]);
    const get = await open(meter, '1808');
    const racp = await get('2A52');
    // Indications off: ATT "CCCD improperly configured".
    await expect(racp.writeValueWithResponse(Buffer.from([0x04, 0x01]))).rejects.toThrow(/ATT error: 0x81/);
    const got = await listen(get, ['2A18', '2A34', '2A52']);
    await racp.writeValueWithResponse(Buffer.from([0x04, 0x01]));
    await got.until((xs) => xs.length === 1);
    expect(got.items[0]).toEqual(['2A52', '05000500']); // 5 records

    got.items.length = 0;
    await racp.writeValueWithResponse(Buffer.from([0x01, 0x03, 0x01, 0x03, 0x00])); // report seq ≥ 3
    await got.until((xs) => xs.some(([u]) => u === '2A52'));
    const expected = meter.records.filter((r) => r.sequenceNumber >= 3).flatMap((r) => r.pdus.map((p) => [p.characteristic, hex(p.bytes)]));
    expect(got.items).toEqual([...expected, ['2A52', '06000101']]);
    expect(got.items.map(([u]) => u)).toEqual(['2A18', '2A18', '2A34', '2A18', '2A52']); // contexts on even numbers

    // The gateway side: join contexts, map to drafts with record numbers.
    const joiner = new GlucoseContextJoiner();
    const drafts = got.items.flatMap(([u, h]) => {
      const bytes = Buffer.from(h, 'hex');
      const events =
        u === '2A18'
          ? joiner.measurement(decodeOk(decodeGlucoseMeasurement(bytes)), 0)
          : u === '2A34'
            ? joiner.context(decodeOk(decodeGlucoseMeasurementContext(bytes)), 0)
            : joiner.flush();
      return events.flatMap((e) => (e.kind === 'record' ? glucoseToDrafts(e.measurement, { context: e.context }) : []));
    });
    expect(drafts.map((d) => d.recordNumber)).toEqual([3, 4, 5]);
    expect(drafts.every((d) => !d.flags.includes('glucose-context-missing'))).toBe(true);
    expect(drafts[1]?.flags.some((f) => f.startsWith('meal:'))).toBe(true);

    got.items.length = 0;
    await racp.writeValueWithResponse(Buffer.from([0x02, 0x02, 0x01, 0x02, 0x00])); // delete seq ≤ 2
    await got.until((xs) => xs.length === 1);
    expect(got.items[0]).toEqual(['2A52', '06000201']);
    expect(meter.records.map((r) => r.sequenceNumber)).toEqual([3, 4, 5]);

    for (const [request, answer] of [
      ['01040114001e00', '06000106'], // range 20..30: no records found
      ['0701', '06000702'], // combined report: op code not supported
      ['0100', '06000103'], // report with the null operator: invalid operator
      ['01030205', '06000109'], // user-facing-time filter: operand not supported
      ['040100', '05000300'], // 3 left (a trailing byte is ignored)
      ['0201', '06000201'], // delete all
      ['0101', '06000106'], // nothing left
    ] as const) {
      got.items.length = 0;
      await racp.writeValueWithResponse(Buffer.from(request, 'hex'));
      await got.until((xs) => xs.length === 1);
      expect([request, got.items[0]?.[1]]).toEqual([request, answer]);
    }
    expect(meter.racpSent.filter((p) => p.characteristic === '2A52').length).toBeGreaterThanOrEqual(10);
  });

  it('glucose meter: abort stops a report; a second procedure meanwhile is refused', async () => {
    const meter = add(glucoseMeter({ seed: 4, clock, address: 'C4:7C:8D:6A:11:06', recordIntervalMs: 150, contextEvery: 0 }));
    for (let i = 0; i < 10; i++) meter.measureNow();
    const get = await open(meter, '1808');
    const got = await listen(get, ['2A18', '2A52']);
    const racp = await get('2A52');
    await racp.writeValueWithResponse(Buffer.from([0x01, 0x01]));
    await got.until((xs) => xs.length >= 1);
    await expect(racp.writeValueWithResponse(Buffer.from([0x04, 0x01]))).rejects.toThrow(/ATT error: 0x80/);
    await racp.writeValueWithResponse(Buffer.from([0x03, 0x00]));
    await got.until((xs) => xs.some(([u]) => u === '2A52'));
    const records = got.items.filter(([u]) => u === '2A18').length;
    expect(records).toBeLessThan(10);
    expect(got.items.filter(([u]) => u === '2A52').map(([, h]) => h)).toEqual(['06000301']);
    expect(meter.records).toHaveLength(10); // abort deletes nothing
    // The procedure ended: a new request is served.
    got.items.length = 0;
    await racp.writeValueWithResponse(Buffer.from([0x04, 0x01]));
    await got.until((xs) => xs.some(([u]) => u === '2A52'));
    expect(got.items.filter(([u]) => u === '2A52').map(([, h]) => h)).toEqual(['05000a00']);
  });

  it('cuff with keepsRecords and a wrong clock: replays records, accepts a Current Time write and records it', async () => {
    const timeZone = 'Europe/Paris';
    const cuff = add(
      bloodPressureCuff({
        seed: 5,
        clock,
        timeZone,
        address: 'C4:7C:8D:6A:10:01',
        keepsRecords: true,
        clockResetTo: { year: 2021, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 },
      }),
    );
    cuff.measureNow();
    cuff.measureNow();
    expect(cuff.records.map((r) => r.sequenceNumber)).toEqual([1, 2]);
    const first = cuff.records[0]?.reading;
    expect(first?.type === 'blood-pressure' && first.time).toEqual({ year: 2021, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 });

    const get = await open(cuff, '1810');
    const got = await listen(get, ['2A35', '2A52']);
    await got.until((xs) => xs.length === 2); // the two queued readings, delivered on subscribe
    got.items.length = 0;
    await (await get('2A52')).writeValueWithResponse(Buffer.from([0x01, 0x01]));
    await got.until((xs) => xs.length === 3);
    expect(got.items).toEqual([...cuff.records.map((r) => ['2A35', hex(r.pdus[0]?.bytes ?? new Uint8Array())]), ['2A52', '06000101']]);

    const device = await adapter.getDevice(cuff.address);
    const cts = await (await (await device.gatt()).getPrimaryService(fullUuid('1805'))).getCharacteristic(fullUuid('2A2B'));
    const before = decodeOk(decodeCurrentTime(await cts.readValue()));
    expect(before.dateTime).toEqual({ year: 2021, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 });
    const value = currentTimeFromEpoch(HOST_NOW, zoneOffsetMs(HOST_NOW, timeZone) / 60_000, { externalReference: true });
    await cts.writeValueWithResponse(Buffer.from(encodeCurrentTime(value)));
    expect(cuff.deviceClock.writes).toEqual([{ at: HOST_NOW, value, bytes: expect.anything() }]);
    const local = epochToZonedFields(HOST_NOW, timeZone);
    expect(local).toEqual({ year: 2026, month: 3, day: 1, hours: 8, minutes: 30, seconds: 0 });
    expect(decodeOk(decodeCurrentTime(await cts.readValue())).dateTime).toEqual(local);
    const after = cuff.measureNow();
    expect(after?.type === 'blood-pressure' && after.time).toEqual(local);
    // Malformed time: refused with CTS "data field ignored", clock unchanged.
    await expect(cts.writeValueWithResponse(Buffer.from([0xe8, 0x07, 13, 1, 0, 0, 0, 1, 0, 0]))).rejects.toThrow(/ATT error: 0x80/);
    expect(cuff.deviceClock.writes).toHaveLength(1);
  });

  it('oximeter that refuses Current Time writes keeps its wrong clock', async () => {
    const ox = add(
      pulseOximeter({
        clock,
        address: 'C4:7C:8D:6A:10:03',
        clockResetTo: { year: 2021, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 },
        currentTime: 'refuses-writes',
        keepsRecords: true,
      }),
    );
    await open(ox, '1822');
    const device = await adapter.getDevice(ox.address);
    const cts = await (await (await device.gatt()).getPrimaryService(fullUuid('1805'))).getCharacteristic(fullUuid('2A2B'));
    await expect(cts.writeValueWithResponse(Buffer.from(encodeCurrentTime(currentTimeFromEpoch(HOST_NOW))))).rejects.toThrow(
      /ATT error: 0x80/,
    );
    expect(ox.deviceClock.writes).toEqual([]);
    expect(ox.deviceClock.refusedWrites).toHaveLength(1);
    expect(decodeOk(decodeCurrentTime(await cts.readValue())).dateTime.year).toBe(2021);
    expect(ox.peripheral.services.find((s) => s.uuid === '1822')?.characteristics.map((c) => c.uuid)).toContain('2A52');
  });

  it('multi-user scale: user index in each 0x2A9D, multiple users in the feature', async () => {
    const scale = add(
      weightScale({
        seed: 6,
        clock,
        address: 'C4:7C:8D:6A:10:02',
        users: [
          { userId: 1, weightKg: 82 },
          { userId: 2, weightKg: 58 },
        ],
      }),
    );
    const get = await open(scale, '181D');
    expect(decodeOk(decodeWeightScaleFeature(await (await get('2A9E')).readValue())).multipleUsersSupported).toBe(true);
    const got = await listen(get, ['2A9D']);
    scale.measureNow();
    scale.measureNow();
    scale.measureNow();
    await got.until((xs) => xs.length === 3);
    const ms = got.items.map(([, h]) => decodeOk(decodeWeightMeasurement(Buffer.from(h, 'hex'))));
    expect(ms.map((m) => m.userId)).toEqual([1, 2, 1]);
    expect(Math.abs((ms[1]?.weight ?? 0) - 58)).toBeLessThanOrEqual(0.3);
    const drafts = got.items.map(([, h]) => decodeOk(decodeCharacteristic('2A9D', Buffer.from(h, 'hex')))[0]);
    expect(drafts.map((d) => d?.userIndex)).toEqual([1, 2, 1]);
  });

  it('heart-rate monitor: one notification per second with RR intervals matching the rate', async () => {
    const hrm = add(heartRateMonitor({ seed: 7, clock, address: 'C4:7C:8D:6A:10:05', restingBpm: 64 }));
    const get = await open(hrm, '180D');
    expect([...(await (await get('2A38')).readValue())]).toEqual([1]); // chest
    const got = await listen(get, ['2A37']);
    for (let i = 0; i < 30; i++) hrm.measureNow();
    await got.until((xs) => xs.length === 30);
    const ms = got.items.map(([, h]) => decodeOk(decodeHeartRateMeasurement(Buffer.from(h, 'hex'))));
    const rr = ms.flatMap((m) => m.rrIntervals ?? []);
    const seconds = rr.reduce((a, b) => a + b, 0) / 1024;
    expect(Math.abs(seconds - 30)).toBeLessThan(1.5); // 30 s of beats, less the one in progress
    for (const m of ms) {
      expect(m.sensorContact).toBe('contact');
      expect(m.heartRate).toBeGreaterThanOrEqual(40);
      expect(m.heartRate).toBeLessThanOrEqual(180);
      for (const x of m.rrIntervals ?? []) expect(Math.abs(x / 1024 - 60 / m.heartRate) / (60 / m.heartRate)).toBeLessThanOrEqual(0.032);
    }
    const drafts = got.items.flatMap(([, h]) => decodeOk(decodeCharacteristic('2A37', Buffer.from(h, 'hex'))));
    expect(drafts.flatMap((d) => d.flags)).toEqual([]);
  });
});

function decodeOk<T>(r: { ok: true; value: T } | { ok: false; error: { field: string; reason: string } }): T {
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.reason}`);
  return r.value;
}
