/**
 * Bonding and GATT collisions on the BlueZ look-alike, driven by the real BLE central (node-ble):
 * a device requiring bonding refuses GATT access until paired, Pair() asks the registered
 * org.bluez.Agent1 as the io capabilities require, pairing fails without an agent, and the
 * per-device GATT queue keeps a device that rejects overlapping requests working.
 */
import { type BleCentral, type BleDeviceLink, bloodPressure, bonding, defineDevice } from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BluezRig, startBluezRig } from '../testing/bluez-rig.js';
import { collector } from '../testing/collector.js';
import type { SimPeripheral, SimSecurity } from './types.js';

const ADDRESS = 'C0:FF:EE:00:00:42';

function securedCuff(security: SimSecurity | undefined, gattTiming?: SimPeripheral['gattTiming']): SimPeripheral {
  return {
    address: ADDRESS,
    name: 'SECURE-CUFF',
    advertisedServices: ['1810'],
    ...(security ? { security } : {}),
    ...(gattTiming ? { gattTiming } : {}),
    services: [
      {
        uuid: '1810',
        characteristics: [
          { uuid: '2A35', flags: ['indicate'] },
          { uuid: '2A49', flags: ['read'], value: Uint8Array.of(1, 0) },
        ],
      },
      { uuid: '180A', characteristics: [{ uuid: '2A29', flags: ['read'], value: new TextEncoder().encode('Sim') }] },
    ],
    onSubscriptionChange: (link, uuid, on) => {
      if (on && uuid.includes('2a35')) link.notify('2A35', Uint8Array.of(0xaa));
    },
  };
}

const definition = (mode: 'required' | 'optional') =>
  defineDevice({
    id: `test-secure-cuff-${mode}`,
    vendor: 'test',
    model: 'secure cuff',
    description: 'test',
    transport: 'ble',
    match: { ble: { namePattern: /^SECURE-CUFF/ } },
    capabilities: [bloodPressure(), bonding(mode)],
  });

describe('pairing and bonding on the BlueZ look-alike', () => {
  let rig: BluezRig;
  const links = collector<BleDeviceLink>();

  beforeEach(async () => {
    links.clear();
    rig = await startBluezRig();
  });

  afterEach(() => rig.stop());

  function start(opts: { mode: 'required' | 'optional'; agent?: 'KeyboardDisplay' | 'NoInputNoOutput'; passkey?: number }): BleCentral {
    const c = rig.central({
      rules: [],
      definitions: [definition(opts.mode)],
      ...(opts.agent ? { pairing: { capability: opts.agent, passkeyFor: () => opts.passkey } } : {}),
      scanIntervalMs: 50,
      backoff: { initialMs: 50, maxMs: 200 },
      operationTimeoutMs: 5000,
    });
    c.use({ hooks: { onConnected: (l) => links.push(l) } });
    c.start();
    return c;
  }

  it('pairs a device whose definition requires bonding, typing the configured passkey', async () => {
    rig.sim.addPeripheral(securedCuff({ bonding: 'required', io: 'DisplayOnly', passkey: 654321 }));
    start({ mode: 'required', agent: 'KeyboardDisplay', passkey: 654321 });
    await rig.frames.until((xs) => xs.length >= 1);
    expect(rig.sim.isPaired(ADDRESS)).toBe(true);
    expect(rig.sim.agentRegistered).toBe(true);
    expect(rig.states.items.map((s) => s.state)).toContain('pairing');
    expect(rig.frames.items[0]?.bytes).toEqual(Uint8Array.of(0xaa));
  });

  it('pairs on "Insufficient Authentication" when the definition only allows bonding (numeric comparison)', async () => {
    rig.sim.addPeripheral(securedCuff({ bonding: 'required', io: 'DisplayYesNo', passkey: 111111 }));
    start({ mode: 'optional', agent: 'KeyboardDisplay' });
    await rig.frames.until((xs) => xs.length >= 1);
    expect(rig.sim.isPaired(ADDRESS)).toBe(true);
    expect(rig.states.items.find((s) => s.state === 'pairing')?.reason).toMatch(/StartNotify refused: 2A35/);
  });

  it('fails to pair without an agent and with a wrong passkey, and never subscribes', async () => {
    rig.sim.addPeripheral(securedCuff({ bonding: 'required', io: 'DisplayOnly', passkey: 654321 }));
    start({ mode: 'required' });
    await rig.states.until((xs) => xs.filter((s) => s.state === 'backoff').length >= 2);
    expect(rig.states.items.filter((s) => s.state === 'backoff').map((s) => s.reason)).toContainEqual(expect.stringMatching(/No agent/));
    expect(rig.sim.isPaired(ADDRESS)).toBe(false);
    expect(rig.frames.items).toHaveLength(0);
    await rig.stopCentral();
    rig.states.clear();
    start({ mode: 'required', agent: 'KeyboardDisplay', passkey: 1 });
    await rig.states.until((xs) => xs.filter((s) => s.state === 'backoff').length >= 1);
    expect(rig.sim.isPaired(ADDRESS)).toBe(false);
    expect(rig.frames.items).toHaveLength(0);
  });

  it('refuses reads of a bonding device until paired (NotPermitted), Device Information stays readable', async () => {
    rig.sim.addPeripheral(securedCuff({ bonding: 'required', io: 'NoInputNoOutput' }));
    const { bluetooth, destroy } = rig.nodeBle();
    try {
      const adapter = await bluetooth.defaultAdapter();
      await adapter.startDiscovery();
      const device = await adapter.waitDevice(ADDRESS, 5000, 20);
      await device.connect();
      const gatt = await device.gatt();
      const feature = await (await gatt.getPrimaryService('00001810-0000-1000-8000-00805f9b34fb')).getCharacteristic(
        '00002a49-0000-1000-8000-00805f9b34fb',
      );
      await expect(feature.readValue()).rejects.toThrow(/Insufficient Authentication/);
      const maker = await (await gatt.getPrimaryService('0000180a-0000-1000-8000-00805f9b34fb')).getCharacteristic(
        '00002a29-0000-1000-8000-00805f9b34fb',
      );
      expect((await maker.readValue()).toString()).toBe('Sim');
      // No agent registered on this connection: Pair() fails.
      await expect(device.pair()).rejects.toThrow(/No agent/);
      await device.disconnect();
    } finally {
      destroy();
    }
  });

  it('serializes GATT operations on a device that rejects overlapping requests', async () => {
    rig.sim.addPeripheral(securedCuff(undefined, { latencyMs: 10, rejectConcurrent: true }));
    const c = start({ mode: 'optional' });
    await links.until((xs) => xs.length >= 1);
    const link = links.items[0] as BleDeviceLink;
    // Through the queue: all succeed.
    const viaQueue = await Promise.allSettled([1, 2, 3, 4].map(() => link.read('2A49')));
    expect(viaQueue.every((r) => r.status === 'fulfilled')).toBe(true);
    // Around the queue (raw node-ble, same bus): overlapping requests collide.
    await expect(rawRead()).rejects.toThrow(/In Progress/);
    // And the queued path still works afterwards.
    expect(await c.read(ADDRESS, '2A49')).toEqual(Uint8Array.of(1, 0));

    async function rawRead(): Promise<void> {
      const { bluetooth, destroy } = rig.nodeBle();
      try {
        const adapter = await bluetooth.defaultAdapter();
        const device = await adapter.getDevice(ADDRESS);
        const gatt = await device.gatt();
        const ch = await (await gatt.getPrimaryService('00001810-0000-1000-8000-00805f9b34fb')).getCharacteristic(
          '00002a49-0000-1000-8000-00805f9b34fb',
        );
        const results = await Promise.allSettled([ch.readValue(), ch.readValue(), ch.readValue()]);
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        destroy();
      }
    }
  });
});
