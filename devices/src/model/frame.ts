/**
 * The raw unit a transport driver hands to the gateway: bytes from one characteristic
 * (or one serial packet), with where and when they came from. Decoding happens later,
 * in pure codecs, so drivers stay I/O only.
 */
export interface DeviceInfo {
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmware?: string;
}

export interface DeviceFrame {
  /** Stable id: 'ble:' + upper-case MAC for BLE, 'serial:' + serial number or port for serial. */
  deviceId: string;
  transport: 'ble' | 'serial' | 'audio';
  /** Advertised or configured name, e.g. 'UA-651BLE'. */
  name?: string;
  /** 16-bit SIG short form upper-case hex ('2A35') when it is one, else the full lower-case 128-bit UUID. */
  characteristic: string;
  /** 16-bit SIG service short form ('1810') or full UUID. */
  service?: string;
  bytes: Uint8Array;
  /** Gateway receive time, ms since epoch (from the injected clock). */
  receivedAt: number;
  /** Device Information Service values, read once per connection. */
  info?: DeviceInfo;
}

/** Injected time source: tests run real code on a fake clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const SIG_BASE = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/i;

/** '00002a35-0000-1000-8000-00805f9b34fb' → '2A35'; other UUIDs → lower-case as given. */
export function shortUuid(uuid: string): string {
  const m = SIG_BASE.exec(uuid);
  if (m?.[1]) return m[1].toUpperCase();
  return /^[0-9a-f]{4}$/i.test(uuid) ? uuid.toUpperCase() : uuid.toLowerCase();
}

/** '2A35' → '00002a35-0000-1000-8000-00805f9b34fb' (BlueZ exposes 128-bit lower-case UUIDs). */
export function fullUuid(uuid: string): string {
  return /^[0-9a-f]{4}$/i.test(uuid) ? `0000${uuid.toLowerCase()}-0000-1000-8000-00805f9b34fb` : uuid.toLowerCase();
}
