import { fullUuid } from '@telecart/devices';
import { type ClientInterface, sessionBus, Variant } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BluezRig, startBluezRig } from '../testing/bluez-rig.js';
import type { PeripheralLink, SimPeripheral } from './types.js';

/** The D-Bus methods a test calls: dbus-next types a proxy interface's members as an untyped index. */
type Methods<M extends string> = ClientInterface & { [K in M]: (...args: unknown[]) => Promise<unknown> };

const ADDRESS = 'C0:FF:EE:00:00:01';
const written: { value: number[]; type: string }[] = [];
const thing: SimPeripheral = {
  address: ADDRESS,
  name: 'SIM-THING',
  advertisedServices: ['1810'],
  manufacturerData: { 76: Uint8Array.of(1, 2, 3) },
  services: [
    {
      uuid: '1810',
      characteristics: [
        { uuid: '2A35', flags: ['indicate'] },
        { uuid: '2A49', flags: ['read'], value: Uint8Array.of(0x01, 0x00) },
        {
          uuid: '2A52',
          flags: ['write', 'indicate'],
          write: (v, o) => {
            written.push({ value: [...v], type: o.type });
          },
        },
      ],
    },
  ],
};

describe('node-ble against the BlueZ look-alike', () => {
  let rig: BluezRig;
  let link: PeripheralLink;

  beforeAll(async () => {
    rig = await startBluezRig();
    link = rig.sim.addPeripheral(thing);
  });

  afterAll(() => rig?.stop());

  it('discovers, connects, reads, writes and receives every indication, identical ones included', async () => {
    const { bluetooth, destroy } = rig.nodeBle();
    try {
      const adapter = await bluetooth.defaultAdapter();
      expect(await adapter.devices()).toEqual([]); // not discovering yet: nothing known
      await adapter.startDiscovery();
      expect(await adapter.isDiscovering()).toBe(true);
      const device = await adapter.waitDevice(ADDRESS, 10_000, 50);
      expect(await device.getName()).toBe('SIM-THING');
      expect(await device.getManufacturerData()).toEqual({ 76: Buffer.from([1, 2, 3]) });
      const connected = new Promise((resolve) => device.once('connect', resolve));
      await device.connect();
      await connected;
      const gatt = await device.gatt();
      expect(await gatt.services()).toEqual([fullUuid('1810')]);
      const service = await gatt.getPrimaryService(fullUuid('1810'));
      expect((await service.characteristics()).sort()).toEqual(['2A35', '2A49', '2A52'].map(fullUuid).sort());

      const feature = await service.getCharacteristic(fullUuid('2A49'));
      expect([...(await feature.readValue())]).toEqual([1, 0]);
      expect(await feature.getFlags()).toEqual(['read']);

      const cp = await service.getCharacteristic(fullUuid('2A52'));
      await expect(cp.writeValue(Buffer.from([1, 1]))).rejects.toThrow(/ATT error: 0x06/); // node-ble's 'reliable' default
      await cp.writeValueWithResponse(Buffer.from([1, 1]));
      expect(written).toEqual([{ value: [1, 1], type: 'request' }]);

      const bpm = await service.getCharacteristic(fullUuid('2A35'));
      const received: number[][] = [];
      const three = new Promise<void>((resolve) => {
        bpm.on('valuechanged', (b: Buffer) => {
          received.push([...b]);
          if (received.length === 3) resolve();
        });
      });
      expect(link.notify('2A35', Uint8Array.of(9))).toBe(false); // not subscribed yet
      await bpm.startNotifications();
      expect(await bpm.isNotifying()).toBe(true);
      expect(link.notify('2A35', Uint8Array.of(7, 7))).toBe(true);
      expect(link.notify('2A35', Uint8Array.of(7, 7))).toBe(true);
      expect(link.notify('2A35', Uint8Array.of(8))).toBe(true);
      await three;
      expect(received).toEqual([[7, 7], [7, 7], [8]]);

      const disconnected = new Promise((resolve) => device.once('disconnect', resolve));
      rig.sim.removePeripheral(ADDRESS);
      await disconnected;
      expect(await adapter.devices()).toEqual([]);
      await adapter.stopDiscovery();
    } finally {
      destroy();
    }
  });

  it('serves the ObjectManager and BlueZ error names to other clients', async () => {
    rig.sim.addPeripheral({ ...thing, address: 'C0:FF:EE:00:00:02' });
    const client = sessionBus({ busAddress: rig.bus.address });
    try {
      const root = await client.getProxyObject('org.bluez', '/');
      const om = root.getInterface('org.freedesktop.DBus.ObjectManager') as Methods<'GetManagedObjects'>;
      const adapterObj = await client.getProxyObject('org.bluez', '/org/bluez/hci0');
      const adapter = adapterObj.getInterface('org.bluez.Adapter1') as Methods<
        'SetDiscoveryFilter' | 'StartDiscovery' | 'StopDiscovery' | 'RemoveDevice'
      >;
      const added = new Promise<string>((resolve) => {
        om.on('InterfacesAdded', (path: string) => resolve(path));
      });
      await adapter.SetDiscoveryFilter({ Transport: new Variant('s', 'le') });
      await adapter.StartDiscovery();
      await expect(adapter.StartDiscovery()).rejects.toMatchObject({ type: 'org.bluez.Error.InProgress' });
      expect(await added).toBe('/org/bluez/hci0/dev_C0_FF_EE_00_00_02');
      const objects = (await om.GetManagedObjects()) as Record<string, Record<string, unknown>>;
      expect(Object.keys(objects)).toEqual(
        expect.arrayContaining(['/org/bluez', '/org/bluez/hci0', '/org/bluez/hci0/dev_C0_FF_EE_00_00_02']),
      );
      const devObj = await client.getProxyObject('org.bluez', '/org/bluez/hci0/dev_C0_FF_EE_00_00_02');
      const dev = devObj.getInterface('org.bluez.Device1') as Methods<'Disconnect' | 'CancelPairing'>;
      await expect(dev.Disconnect()).rejects.toMatchObject({ type: 'org.bluez.Error.NotConnected' });
      await expect(dev.CancelPairing()).rejects.toMatchObject({ type: 'org.bluez.Error.DoesNotExist' });
      await adapter.StopDiscovery(); // so the removed device is not found again
      await adapter.RemoveDevice('/org/bluez/hci0/dev_C0_FF_EE_00_00_02');
      await expect(adapter.RemoveDevice('/org/bluez/hci0/dev_C0_FF_EE_00_00_02')).rejects.toMatchObject({
        type: 'org.bluez.Error.DoesNotExist',
      });
      await expect(adapter.StopDiscovery()).rejects.toMatchObject({ type: 'org.bluez.Error.Failed' });
    } finally {
      client.disconnect();
    }
  });
});
