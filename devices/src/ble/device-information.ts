/** Reads the Device Information Service (0x180A) strings once per connection. */
import type { DeviceInfo } from '../model/frame.js';
import { fullUuid } from '../model/frame.js';

/** What the reader needs from node-ble's GattServer (a subset, so tests can give a plain object). */
export interface GattServerLike {
  services(): Promise<string[]>;
  getPrimaryService(uuid: string): Promise<{
    characteristics(): Promise<string[]>;
    getCharacteristic(uuid: string): Promise<{ readValue(offset?: number): Promise<Buffer> }>;
  }>;
}

const DIS_FIELDS: [string, keyof DeviceInfo][] = [
  ['2A29', 'manufacturer'],
  ['2A24', 'model'],
  ['2A25', 'serial'],
  ['2A26', 'firmware'],
];

const MAX_LENGTH = 128;

/** UTF-8 string characteristic: devices pad with NULs or spaces; invalid bytes become U+FFFD. */
export function decodeDisString(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const nul = text.indexOf('\0');
  return (nul >= 0 ? text.slice(0, nul) : text).trim().slice(0, MAX_LENGTH);
}

/**
 * Returns the DIS fields the device has; undefined when it has no DIS. A field that fails to read is
 * reported through `onError` and left out: identity is nice to have, the measurements matter.
 */
export async function readDeviceInformation(
  gatt: GattServerLike,
  run: <T>(what: string, op: () => Promise<T>) => Promise<T>,
  onError: (field: string, e: unknown) => void,
): Promise<DeviceInfo | undefined> {
  const services = await run('list services', () => gatt.services());
  if (!services.includes(fullUuid('180A'))) return undefined;
  const dis = await gatt.getPrimaryService(fullUuid('180A'));
  const chars = await run('list DIS characteristics', () => dis.characteristics());
  const info: DeviceInfo = {};
  for (const [uuid, key] of DIS_FIELDS) {
    if (!chars.includes(fullUuid(uuid))) continue;
    try {
      const c = await dis.getCharacteristic(fullUuid(uuid));
      const value = decodeDisString(await run(`read ${uuid}`, () => c.readValue()));
      if (value) info[key] = value;
    } catch (e) {
      onError(uuid, e);
    }
  }
  return info;
}
