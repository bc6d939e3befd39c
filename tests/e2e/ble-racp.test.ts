/**
 * Record Access Control Point downloads across gateway restarts, on real transports: a restarted
 * gateway asks the meter only for records from its persisted cursor on ("≥ cursor": the record at the
 * cursor comes back once more, as the proof that the meter's numbering did not restart), and the
 * cloud ends with every record exactly once. A device that only supports "all records" is re-read whole,
 * and content keys keep the re-read records out of the cloud a second time.
 */
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type BleRig, idOf, startBleRig } from './ble-harness.js';

const downloads = (rig: BleRig) => rig.logs.filter((l) => l.msg === 'RACP download complete' || l.msg === 'RACP: no new stored records');
const replayed = (d: VirtualBleDevice, characteristic: string) => d.racpSent.filter((p) => p.characteristic === characteristic).length;

describe('RACP stored-record download', () => {
  let rig: BleRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('downloads only the records a restarted gateway has not synced, with no duplicate in the cloud', async () => {
    rig = await startBleRig({ devices: ['glucose-meter'], perDevice: { 'glucose-meter': { name: 'TC-GL600' } } });
    const r = rig;
    const meter = r.sims.byKind('glucose-meter') as VirtualBleDevice;
    const id = idOf(meter.address);
    for (let i = 0; i < 3; i++) meter.measureNow();

    await r.startGateway();
    await r.cloudHas(3);
    await waitFor(() => downloads(r).length >= 1, { what: 'first download' });
    expect(downloads(r)[0]?.obj).toMatchObject({ deviceId: id, filter: { operator: 'all' }, count: 3, cursorAfter: 3 });
    expect(replayed(meter, '2A18')).toBe(3);
    await r.stopGateway();

    // Two more while the gateway is down.
    meter.measureNow();
    meter.measureNow();
    await r.startGateway();
    await r.cloudHas(5);
    await waitFor(() => downloads(r).length >= 2, { what: 'second download' });
    expect(downloads(r)[1]?.obj).toMatchObject({
      filter: { operator: 'gte', sequenceNumber: 3 },
      count: 3,
      fresh: 2,
      cursorBefore: 3,
      cursorAfter: 5,
    });
    // Records 3 (known: the numbering check), 4 and 5.
    expect(replayed(meter, '2A18')).toBe(6);
    await r.stopGateway();

    // Nothing new: only the record at the cursor is replayed, and the store knows it.
    await r.startGateway();
    await waitFor(() => downloads(r).length >= 3, { what: 'third check' });
    expect(downloads(r)[2]).toMatchObject({ msg: 'RACP: no new stored records', obj: { count: 1, fresh: 0, cursor: 5 } });
    expect(replayed(meter, '2A18')).toBe(7);

    const obs = await r.observations();
    expect(obs).toHaveLength(5);
    expect(new Set(obs.map((o) => o.contentKey)).size).toBe(5);
    // Keys name the measurement (device time, code, value), not the meter's record number.
    expect(obs.every((o) => o.contentKey?.startsWith(`${id}|t${o.time.device}|`))).toBe(true);
    // Stored records keep their own (old) device time.
    expect(obs.every((o) => o.time.source === 'device')).toBe(true);
  }, 60_000);

  it('re-reads an "all records only" cuff whole after a restart; content keys keep the cloud free of duplicates', async () => {
    rig = await startBleRig({
      devices: ['blood-pressure-cuff'],
      perDevice: { 'blood-pressure-cuff': { name: 'A&D_UA-651_0002', keepsRecords: true } },
    });
    const r = rig;
    const cuff = r.sims.byKind('blood-pressure-cuff') as VirtualBleDevice;
    cuff.measureNow();
    cuff.measureNow();
    await r.startGateway();
    // Two readings × (panel + pulse): sent live on subscribe and again by the RACP download.
    await r.cloudHas(4);
    await waitFor(() => downloads(r).length >= 1, { what: 'first download' });
    expect(downloads(r)[0]?.obj).toMatchObject({ filter: { operator: 'all' } });
    await r.stopGateway();
    await r.startGateway();
    await waitFor(() => downloads(r).length >= 2, { what: 'second download' });
    expect(downloads(r)[1]?.obj).toMatchObject({ filter: { operator: 'all' }, count: 2 });
    expect(replayed(cuff, '2A35')).toBe(4);
    await waitFor(async () => (await r.gateway?.store.stats())?.pending === 0, { what: 'gateway backlog drained' });
    const obs = await r.observations();
    expect(obs).toHaveLength(4);
    expect(new Set(obs.map((o) => o.contentKey)).size).toBe(4);
  }, 60_000);
});
