/**
 * One simulated device of each kind on the BlueZ look-alike (private dbus-daemon), read by the
 * gateway through node-ble and its device definitions, delivered to the cloud over MQTT: each
 * device gets the right definition (model or generic), its readings arrive with code, unit,
 * device information and patient; ICP is shown live on the nurse SSE stream and never stored;
 * glucose contexts are joined; a multi-user scale's users go to their configured patients and an
 * unmapped user is held, never guessed.
 */
import { decodeCharacteristic, formatDeviceDateTime } from '@telecart/devices';
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import type { Observation } from '@telecart/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type BleRig, connected, idOf, RESIDENTS, startBleRig } from './ble-harness.js';

const NAMES = {
  'heart-rate-monitor': 'Polar H10 0A1B2C',
  'glucose-meter': 'meter+06512345',
  'blood-pressure-cuff': 'A&D_UA-651_0001',
  'weight-scale': 'A&D_UC-352_0001',
  'pulse-oximeter': 'Nonin3230_502',
} as const;
const SCALE = 'C4:7C:8D:6A:00:02';
const [P1, P2] = [RESIDENTS[0]!.id, RESIDENTS[1]!.id];

/** Final readings a simulator delivered, decoded as the gateway should (glucose context ignored here). */
function expectedCount(d: VirtualBleDevice): number {
  let n = 0;
  for (const pdu of d.sent) {
    if (pdu.characteristic === '2A34' || pdu.characteristic === '2A52') continue;
    const r = decodeCharacteristic(pdu.characteristic, pdu.bytes);
    if (r.ok) n += r.value.filter((x) => x.status === 'final').length;
  }
  return n;
}

/** Reads the gateway's SSE stream, collecting `live` events, until aborted. */
function liveEvents(
  url: string,
  signal: AbortSignal,
): { events: { code: { loinc: string }; value?: { value: number } }[]; ready: Promise<void> } {
  const events: { code: { loinc: string }; value?: { value: number } }[] = [];
  const ready = (async () => {
    const res = await fetch(`${url}/api/events`, { signal });
    return res;
  })();
  void ready
    .then(async (res) => {
      const reader = res.body?.getReader();
      if (!reader) return;
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += new TextDecoder().decode(value);
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (/^event: live$/m.test(block)) events.push(JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}'));
          i = buf.indexOf('\n\n');
        }
      }
    })
    .catch(() => undefined);
  return { events, ready: ready.then(() => undefined) };
}

describe('BLE devices end to end, one per kind', () => {
  let rig: BleRig;
  const abort = new AbortController();
  let live: ReturnType<typeof liveEvents>;
  const byDevice = async (address: string, n: number): Promise<Observation[]> => {
    const id = idOf(address);
    return waitFor(
      async () => {
        const mine = (await rig.observations()).filter((o) => o.device.id === id);
        return mine.length >= n ? mine : undefined;
      },
      { what: `${n} readings of ${id} in the cloud` },
    );
  };

  beforeAll(async () => {
    rig = await startBleRig({
      devices: ['heart-rate-monitor', 'glucose-meter', 'blood-pressure-cuff', 'weight-scale', 'pulse-oximeter', 'thermometer'],
      perDevice: {
        'heart-rate-monitor': { name: NAMES['heart-rate-monitor'] },
        'glucose-meter': { name: NAMES['glucose-meter'] },
        'blood-pressure-cuff': { name: NAMES['blood-pressure-cuff'] },
        'weight-scale': {
          name: NAMES['weight-scale'],
          users: [
            { userId: 1, weightKg: 61 },
            { userId: 2, weightKg: 88 },
            { userId: 3, weightKg: 75 },
          ],
        },
        'pulse-oximeter': { name: NAMES['pulse-oximeter'] },
      },
      config: {
        deviceUsers: [
          { deviceId: idOf(SCALE), userIndex: 1, patientId: P1 },
          { deviceId: idOf(SCALE), userIndex: 2, patientId: P2 },
        ],
      },
    });
    // Two glucose readings in the meter's memory before the gateway is there: fetched through RACP.
    rig.sims.byKind('glucose-meter')?.measureNow();
    rig.sims.byKind('glucose-meter')?.measureNow();
    const gw = await rig.startGateway();
    live = liveEvents(gw.httpUrl, abort.signal);
    await live.ready;
    for (const d of rig.sims.devices) await connected(rig, idOf(d.address));
  }, 60_000);

  afterAll(async () => {
    abort.abort();
    await rig?.stop();
  });

  const definitionOf = (address: string) => rig.deviceState(idOf(address))?.definition?.id;

  it('heart-rate strap (Polar definition): notifications become heart-rate readings with DIS info', async () => {
    const hr = rig.sims.byKind('heart-rate-monitor') as VirtualBleDevice;
    expect(definitionOf(hr.address)).toBe('polar-h10');
    for (let i = 0; i < 3; i++) hr.measureNow();
    const obs = await byDevice(hr.address, 3);
    expect(obs).toHaveLength(expectedCount(hr));
    expect(obs[0]).toMatchObject({
      code: { loinc: '8867-4' },
      value: { unit: '/min' },
      device: { transport: 'ble', model: 'TC-HR500', manufacturer: expect.any(String) },
      patient: { id: P1, assignment: 'home-kit' },
    });
    expect(rig.logs.some((l) => l.msg === 'device definition picked' && l.obj.definition === 'polar-h10')).toBe(true);
  });

  it('glucose meter (bonding, RACP, context): stored and live records, contexts joined by sequence number', async () => {
    const meter = rig.sims.byKind('glucose-meter') as VirtualBleDevice;
    expect(definitionOf(meter.address)).toBe('roche-accu-chek-guide');
    expect(rig.sims.sim.isPaired(meter.address)).toBe(true);
    await byDevice(meter.address, 2);
    meter.measureNow();
    meter.measureNow();
    const obs = await byDevice(meter.address, 4);
    // Keys name the measurement (device time, code, value): four records, four keys.
    expect(new Set(obs.map((o) => o.contentKey)).size).toBe(4);
    expect(obs.every((o) => o.contentKey?.includes(`|t${o.time.device}|`))).toBe(true);
    const withMeal = obs.filter((o) => o.flags.some((f) => f.startsWith('meal:')));
    // The simulator notes a meal on every second reading (sequence numbers 2 and 4).
    const mealTimes = meter.records.filter((x) => x.sequenceNumber % 2 === 0 && x.reading.type === 'glucose');
    expect(withMeal.map((o) => o.time.device).sort()).toEqual(
      mealTimes.map((x) => (x.reading.type === 'glucose' ? formatDeviceDateTime(x.reading.time) : '')).sort(),
    );
    expect(obs.every((o) => !o.flags.includes('glucose-context-missing'))).toBe(true);
    expect(obs[0]?.value?.unit).toBe('mg/dL');
  });

  it('blood-pressure cuff (A&D definition): cuff pressure shown live on the SSE stream, never stored', async () => {
    const cuff = rig.sims.byKind('blood-pressure-cuff') as VirtualBleDevice;
    expect(definitionOf(cuff.address)).toBe('and-ua-651ble');
    cuff.measureNow();
    const obs = await byDevice(cuff.address, 2);
    expect(obs.map((o) => o.code.loinc).sort()).toEqual(['85354-9', '8867-4']);
    await waitFor(() => live.events.filter((e) => e.code.loinc === '8478-0' || e.value !== undefined).length >= 3, {
      what: 'ICP live events',
    });
    const icp = cuff.sent.filter((p) => p.characteristic === '2A36');
    expect(icp.length).toBe(3);
    expect(live.events.length).toBeGreaterThanOrEqual(icp.length);
    expect(obs.some((o) => o.status !== 'final')).toBe(false);
  });

  it('multi-user scale (A&D definition): users 1 and 2 go to their patients, unmapped user 3 is held', async () => {
    const scale = rig.sims.byKind('weight-scale') as VirtualBleDevice;
    expect(definitionOf(scale.address)).toBe('and-uc-352ble');
    scale.measureNow();
    scale.measureNow();
    scale.measureNow();
    const obs = await byDevice(scale.address, 2);
    const gw = rig.gateway;
    await waitFor(() => (gw?.store.held().length ?? 0) >= 1, { what: 'user 3 held' });
    expect(obs.map((o) => [o.patient?.id, o.patient?.assignment, o.patient?.userIndex]).sort()).toEqual([
      [P1, 'device-user', 1],
      [P2, 'device-user', 2],
    ]);
    const held = gw?.store.held() ?? [];
    expect(held.map((h) => h.observation.flags.includes('no-patient'))).toEqual([true]);
  });

  it('pulse oximeter (Nonin definition): spot-check stored, continuous values live only', async () => {
    const ox = rig.sims.byKind('pulse-oximeter') as VirtualBleDevice;
    expect(definitionOf(ox.address)).toBe('nonin-3230');
    ox.measureNow();
    const obs = await byDevice(ox.address, expectedCount(ox));
    expect(obs.map((o) => o.code.loinc)).toContain('2708-6');
    expect(obs).toHaveLength(expectedCount(ox));
  });

  it('thermometer unknown by model: served by the generic SIG definition', async () => {
    const th = rig.sims.byKind('thermometer') as VirtualBleDevice;
    expect(definitionOf(th.address)).toBe('generic-sig-ble');
    expect(rig.deviceState(idOf(th.address))?.definition?.reason).toBe('generic: service 1809');
    th.measureNow();
    const obs = await byDevice(th.address, 1);
    expect(obs[0]).toMatchObject({ code: { loinc: '8310-5' }, value: { unit: 'Cel' } });
  });
});
