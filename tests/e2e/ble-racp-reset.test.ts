/**
 * A meter whose record numbering restarts (battery change, factory reset, replacement meter with the
 * same address) or wraps after 65535, on real transports: the gateway sees it from what the meter
 * replays, warns, notes it with the device, clears its cursor and downloads all records; content
 * keys (device time, code, value) keep every reading in the cloud exactly once, and the new cursor
 * counts in the meter's new numbering.
 */
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type BleRig, idOf, startBleRig } from './ble-harness.js';

const RESET_MSG = 'RACP record numbering restarted on the meter (reset, replaced or wrapped): cursor cleared, downloading all records';
const downloads = (rig: BleRig) => rig.logs.filter((l) => l.msg === 'RACP download complete' || l.msg === 'RACP: no new stored records');
const resets = (rig: BleRig) => rig.logs.filter((l) => l.msg === RESET_MSG);

describe('RACP record numbering reset', () => {
  let rig: BleRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** One gateway run: connect, let the procedures finish `n` downloads in all, stop. */
  async function session(r: BleRig, downloadsSoFar: number): Promise<void> {
    await r.startGateway();
    await waitFor(() => downloads(r).length >= downloadsSoFar, { timeoutMs: 20_000, what: `download ${downloadsSoFar}` });
    await waitFor(async () => (await r.gateway?.store.stats())?.pending === 0, { what: 'gateway backlog drained' });
  }

  async function meterRig(opts: { firstSequenceNumber?: number } = {}): Promise<{ r: BleRig; meter: VirtualBleDevice; id: string }> {
    rig = await startBleRig({ devices: ['glucose-meter'], perDevice: { 'glucose-meter': { name: 'TC-GL600', ...opts } } });
    const meter = rig.sims.byKind('glucose-meter') as VirtualBleDevice;
    return { r: rig, meter, id: idOf(meter.address) };
  }

  it('meter reset after 5 synced records, 2 new ones: the cloud gets 7 readings exactly, the cursor restarts at 2', async () => {
    const { r, meter, id } = await meterRig();
    for (let i = 0; i < 5; i++) meter.measureNow();
    await session(r, 1);
    expect(downloads(r)[0]?.obj).toMatchObject({ deviceId: id, filter: { operator: 'all' }, cursorAfter: 5 });
    await r.cloudHas(5);
    await r.stopGateway();

    // Battery out, memory cleared: numbering starts again at 1.
    meter.resetRecords();
    meter.measureNow();
    meter.measureNow();
    expect(meter.records.map((x) => x.sequenceNumber)).toEqual([1, 2]);
    await session(r, 2);
    await r.cloudHas(7);
    expect(resets(r)).toHaveLength(1);
    expect(resets(r)[0]).toMatchObject({ level: 'warn', obj: { deviceId: id, reason: 'renumbered', oldCursor: 5, meterLast: 2 } });
    expect(downloads(r)[1]?.obj).toMatchObject({ filter: { operator: 'all' }, count: 2, cursorBefore: 5, cursorAfter: 2 });
    // The status page lists it with the device.
    expect(r.deviceState(id)?.numberingReset).toMatchObject({ reason: 'renumbered', oldCursor: 5, meterLast: 2, resets: 1 });
    await r.stopGateway();

    // The next run counts in the new numbering: "≥ 2", nothing new, no second reset; the note survives the restart.
    await session(r, 3);
    expect(downloads(r)[2]).toMatchObject({ msg: 'RACP: no new stored records', obj: { filter: { operator: 'gte', sequenceNumber: 2 } } });
    expect(resets(r)).toHaveLength(1);
    expect(r.deviceState(id)?.numberingReset).toMatchObject({ reason: 'renumbered', resets: 1 });

    const obs = await r.observations();
    expect(obs).toHaveLength(7);
    expect(new Set(obs.map((o) => o.contentKey)).size).toBe(7);
    expect(new Set(obs.map((o) => o.time.device)).size).toBe(7);
  }, 60_000);

  it('reset followed by more readings than the cursor: the record at the cursor is unknown, so all are fetched', async () => {
    const { r, meter, id } = await meterRig();
    for (let i = 0; i < 3; i++) meter.measureNow();
    await session(r, 1);
    await r.cloudHas(3);
    await r.stopGateway();

    // A replacement meter with the same address: records 1..4, so "≥ 3" alone would miss 1 and 2.
    meter.resetRecords();
    for (let i = 0; i < 4; i++) meter.measureNow();
    await session(r, 2);
    await r.cloudHas(7);
    expect(resets(r)[0]?.obj).toMatchObject({ deviceId: id, reason: 'renumbered', oldCursor: 3, meterLast: 4 });
    expect(downloads(r)[1]?.obj).toMatchObject({ filter: { operator: 'all' }, cursorAfter: 4 });
    const obs = await r.observations();
    expect(obs).toHaveLength(7);
    expect(new Set(obs.map((o) => o.contentKey)).size).toBe(7);
  }, 60_000);

  it('sequence numbers that wrap after 65535 are followed, with no duplicate and no reading left behind', async () => {
    const { r, meter, id } = await meterRig({ firstSequenceNumber: 0xfffd });
    for (let i = 0; i < 3; i++) meter.measureNow();
    await session(r, 1);
    expect(downloads(r)[0]?.obj).toMatchObject({ cursorAfter: 0xffff });
    await r.cloudHas(3);
    await r.stopGateway();

    // 65535 → 0 → 1; the old records stay in the meter's memory.
    meter.measureNow();
    meter.measureNow();
    expect(meter.records.map((x) => x.sequenceNumber)).toEqual([0xfffd, 0xfffe, 0xffff, 0, 1]);
    await session(r, 2);
    await r.cloudHas(5);
    expect(resets(r)[0]?.obj).toMatchObject({ deviceId: id, reason: 'wrapped', oldCursor: 0xffff });
    expect(downloads(r)[1]?.obj).toMatchObject({ filter: { operator: 'all' }, count: 5, cursorAfter: 1 });
    await r.stopGateway();

    // After the wrap: "≥ 1" also replays the old high numbers (known, behind the cursor); the cursor goes to 2.
    meter.measureNow();
    await session(r, 3);
    await r.cloudHas(6);
    expect(downloads(r)[2]?.obj).toMatchObject({
      filter: { operator: 'gte', sequenceNumber: 1 },
      fresh: 1,
      cursorBefore: 1,
      cursorAfter: 2,
    });
    expect(resets(r)).toHaveLength(1);
    const obs = await r.observations();
    expect(obs).toHaveLength(6);
    expect(new Set(obs.map((o) => o.contentKey)).size).toBe(6);
  }, 60_000);
});
