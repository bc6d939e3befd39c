import type { BleCentral } from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BluezRig, startBluezRig } from '../testing/bluez-rig.js';
import { collector } from '../testing/collector.js';
import type { PeripheralLink, SimPeripheral } from './types.js';

const text = (s: string) => new TextEncoder().encode(s);
const controlPointWrites: { bytes: number[]; type: string }[] = [];

function cuff(address: string, onSubscribe?: (link: PeripheralLink) => void): SimPeripheral {
  return {
    address,
    name: 'SIM-CUFF',
    advertisedServices: ['1810'],
    services: [
      {
        uuid: '1810',
        characteristics: [
          { uuid: '2A35', flags: ['indicate'] },
          { uuid: '2A36', flags: ['notify'] },
          { uuid: '2A49', flags: ['read'], value: Uint8Array.of(0, 0) },
          {
            uuid: '2A52',
            flags: ['write', 'indicate'],
            write: (value, o) => {
              controlPointWrites.push({ bytes: [...value], type: o.type });
            },
          },
        ],
      },
      {
        uuid: '180A',
        characteristics: [
          { uuid: '2A29', flags: ['read'], value: text('Telecart Sim\0\0') },
          { uuid: '2A24', flags: ['read'], value: text('BP-1') },
          { uuid: '2A25', flags: ['read'], read: () => text(`SN-${address.slice(-2)}`) },
          { uuid: '2A26', flags: ['read'], value: text('1.0.3') },
        ],
      },
    ],
    // Measurements go out once the central listens to both characteristics.
    onSubscriptionChange: (link, _uuid, on) => {
      if (on && link.isSubscribed('2A35') && link.isSubscribed('2A36')) onSubscribe?.(link);
    },
  };
}

const thermometer: SimPeripheral = {
  address: 'C0:FF:EE:00:00:99',
  name: 'OTHER',
  advertisedServices: ['1809'],
  services: [{ uuid: '1809', characteristics: [{ uuid: '2A1C', flags: ['indicate'] }] }],
};

describe('BleCentral on the BlueZ look-alike', () => {
  let rig: BluezRig;

  beforeEach(async () => {
    rig = await startBluezRig();
  });

  afterEach(() => rig.stop());

  function startCentral(): BleCentral {
    const c = rig.central({
      rules: [{ services: ['1810'], subscribe: ['2A35', '2A36'] }],
      scanIntervalMs: 50,
      backoff: { initialMs: 20, maxMs: 200 },
      operationTimeoutMs: 5000,
    });
    c.start();
    return c;
  }

  it('connects matching devices only, attaches DIS info and forwards every PDU, identical ones included', async () => {
    const pdus = [Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3), Uint8Array.of(4)];
    rig.sim.addPeripheral(
      cuff('C0:FF:EE:00:00:01', (link) => {
        for (const p of pdus) link.notify('2A35', p);
        link.notify('2A36', Uint8Array.of(9, 9));
      }),
    );
    rig.sim.addPeripheral(thermometer);
    const c = startCentral();
    await rig.frames.until((xs) => xs.length === 4);
    await rig.states.until((xs) => xs.at(-1)?.state === 'connected');
    expect(rig.frames.items.map((f) => [f.characteristic, [...f.bytes]])).toEqual([
      ['2A35', [1, 2, 3]],
      ['2A35', [1, 2, 3]],
      ['2A35', [4]],
      ['2A36', [9, 9]],
    ]);
    const f = rig.frames.items[0];
    expect(f).toMatchObject({
      deviceId: 'ble:C0:FF:EE:00:00:01',
      transport: 'ble',
      name: 'SIM-CUFF',
      service: '1810',
      info: { manufacturer: 'Telecart Sim', model: 'BP-1', serial: 'SN-01', firmware: '1.0.3' },
    });
    expect(c.devices()).toEqual([
      { deviceId: 'ble:C0:FF:EE:00:00:01', address: 'C0:FF:EE:00:00:01', name: 'SIM-CUFF', state: 'connected' },
    ]);
    expect(rig.states.items.map((s) => s.state)).toEqual(['discovered', 'connecting', 'connected']);
  });

  it('reconnects with back-off after the device walks away and comes back, and resumes frames', async () => {
    let n = 0;
    const def = cuff('C0:FF:EE:00:00:02', (link) => link.notify('2A35', Uint8Array.of(++n)));
    rig.sim.addPeripheral(def);
    startCentral();
    await rig.frames.until((xs) => xs.length === 1);
    rig.sim.removePeripheral(def.address);
    // Absent: attempts fail and the delay grows.
    await rig.states.until((xs) => xs.filter((s) => s.state === 'backoff').length >= 3);
    const delays = rig.states.items.filter((s) => s.state === 'backoff').map((s) => s.delayMs ?? 0);
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    expect(rig.states.items.some((s) => s.state === 'disconnected')).toBe(true);
    rig.sim.addPeripheral(def);
    await rig.frames.until((xs) => xs.length === 2);
    expect(rig.frames.items.map((f) => [...f.bytes])).toEqual([[1], [2]]);
    expect(rig.frames.items[1]?.info?.serial).toBe('SN-02');
  });

  it('backs off when Connect fails and the device is still there', async () => {
    const def = cuff('C0:FF:EE:00:00:03', (link) => link.notify('2A35', Uint8Array.of(7)));
    rig.sim.addPeripheral(def);
    rig.sim.failNextConnects(def.address, 2);
    startCentral();
    await rig.frames.until((xs) => xs.length === 1);
    await rig.states.until((xs) => xs.at(-1)?.state === 'connected');
    const seq = rig.states.items.map((s) => s.state);
    expect(seq.filter((s) => s === 'backoff')).toHaveLength(2);
    expect(seq.at(-1)).toBe('connected');
    expect(rig.states.items.find((s) => s.state === 'backoff')?.reason).toMatch(/le-connection-abort-by-local/);
  });

  it('writes control points with response and reads through the device queue', async () => {
    const def = cuff('C0:FF:EE:00:00:05');
    rig.sim.addPeripheral(def);
    const c = startCentral();
    await rig.states.until((xs) => xs.at(-1)?.state === 'connected');
    controlPointWrites.length = 0;
    await c.write(def.address, '2A52', Uint8Array.of(0x01, 0x01));
    expect(controlPointWrites).toEqual([{ bytes: [1, 1], type: 'request' }]);
    expect([...(await c.read(def.address, '2A49'))]).toEqual([0, 0]);
    await expect(c.read(def.address, '2A1C')).rejects.toThrow(/no characteristic 2A1C/);
    await expect(c.write('C0:FF:EE:00:00:77', '2A52', Uint8Array.of(1))).rejects.toThrow(/unknown BLE device/);
  });

  it('survives the bus dying under it, and stop() still returns', async () => {
    const def = cuff('C0:FF:EE:00:00:06', (link) => link.notify('2A35', Uint8Array.of(1)));
    rig.sim.addPeripheral(def);
    const warnings = collector<string>();
    const c = rig.central({
      rules: [{ services: ['1810'], subscribe: ['2A35', '2A36'] }],
      scanIntervalMs: 50,
      operationTimeoutMs: 300,
      stopTimeoutMs: 100,
      logger: { warn: (m) => warnings.push(m) },
    });
    c.start();
    await rig.frames.until((xs) => xs.length === 1);
    await rig.bus.stop(); // dbus-daemon gone: every call now fails or never answers
    const scanFailures = (xs: string[]) => xs.filter((w) => w === 'BLE scan failed').length;
    const before = scanFailures(warnings.items);
    await warnings.until((xs) => scanFailures(xs) >= before + 2); // logged, retried, not thrown
    await rig.stopCentral();
    expect(c.devices()).toEqual([]);
  });

  it('stop() disconnects, ends its discovery and closes its bus connection', async () => {
    const def = cuff('C0:FF:EE:00:00:04', (link) => link.notify('2A35', Uint8Array.of(1)));
    const link = rig.sim.addPeripheral(def);
    const c = startCentral();
    await rig.frames.until((xs) => xs.length === 1);
    expect(rig.sim.discovering).toBe(true);
    await rig.stopCentral();
    expect(link.connected).toBe(false);
    expect(rig.sim.discovering).toBe(false);
    expect(c.listenerCount('frame')).toBe(0);
  });
});
