/**
 * Opening node-ble on an explicit bus, and the few things node-ble does not expose in its typings
 * (the D-Bus connection's error events, Device1.UUIDs, listener clean-up). Each access is checked
 * at run time so a node-ble upgrade degrades to a logged warning, not a crash.
 */
import type { EventEmitter } from 'node:events';
import type { MessageBus } from 'dbus-next';
import nodeBle from 'node-ble';

export type NodeBleBluetooth = nodeBle.Bluetooth;
export type NodeBleAdapter = nodeBle.Adapter;
export type NodeBleDevice = nodeBle.Device;
export type NodeBleCharacteristic = nodeBle.GattCharacteristic;

export interface NodeBleSession {
  bluetooth: NodeBleBluetooth;
  destroy(): void;
}

/**
 * node-ble's createBluetooth() reads DBUS_SYSTEM_BUS_ADDRESS when it runs; we set it for that one
 * synchronous call so each central can use its own bus (a private test bus, or the system bus).
 */
export function openNodeBle(busAddress: string | undefined, onBusError: (e: unknown) => void): NodeBleSession {
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  if (busAddress !== undefined) process.env.DBUS_SYSTEM_BUS_ADDRESS = busAddress;
  let session: NodeBleSession;
  try {
    session = nodeBle.createBluetooth();
  } finally {
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
    else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  }
  // dbus-next emits 'error' on the connection (socket errors, failed AddMatch); unhandled, that kills the process.
  const dbus = fieldOf(session.bluetooth, 'dbus');
  if (isEmitter(dbus)) dbus.on('error', onBusError);
  return session;
}

function fieldOf(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

function isEmitter(v: unknown): v is EventEmitter {
  return typeof v === 'object' && v !== null && typeof (v as EventEmitter).on === 'function';
}

interface BusHelperLike {
  prop(name: string): Promise<unknown>;
  removeListeners(): void;
}

function helperOf(o: unknown): BusHelperLike | undefined {
  const h = fieldOf(o, 'helper');
  if (typeof h === 'object' && h !== null) {
    const c = h as Record<string, unknown>;
    if (typeof c.prop === 'function' && typeof c.removeListeners === 'function') return h as BusHelperLike;
  }
  return undefined;
}

/** Device1.UUIDs (advertised services); [] when absent or unreadable. */
export async function advertisedUuids(device: NodeBleDevice): Promise<string[]> {
  const helper = helperOf(device);
  if (!helper) return [];
  try {
    const v = await helper.prop('UUIDs');
    return Array.isArray(v) && v.every((u) => typeof u === 'string') ? v.map((u) => u.toLowerCase()) : [];
  } catch {
    return []; // BlueZ omits UUIDs when nothing was advertised
  }
}

export async function deviceName(device: NodeBleDevice): Promise<string | undefined> {
  try {
    const name: unknown = await device.getName();
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined; // Name is optional in Device1
  }
}

/** Drops our listeners and node-ble's D-Bus signal listeners for a device or characteristic object. */
export function releaseListeners(o: NodeBleDevice | NodeBleCharacteristic): void {
  o.removeAllListeners();
  helperOf(o)?.removeListeners();
}

/** node-ble's own D-Bus connection (the pairing agent is exported on it, so BlueZ ties it to us). */
export function busOf(bluetooth: NodeBleBluetooth): MessageBus | undefined {
  const bus = fieldOf(bluetooth, 'dbus');
  return typeof bus === 'object' && bus !== null && typeof (bus as MessageBus).export === 'function' ? (bus as MessageBus) : undefined;
}

/** Device1.ManufacturerData as company id → bytes; {} when absent or unreadable. */
export async function manufacturerData(device: NodeBleDevice): Promise<Record<number, Uint8Array>> {
  try {
    const raw: unknown = await device.getManufacturerData();
    const out: Record<number, Uint8Array> = {};
    if (typeof raw !== 'object' || raw === null) return out;
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      const id = Number(k);
      if (Number.isInteger(id) && v instanceof Uint8Array) out[id] = Uint8Array.from(v);
    }
    return out;
  } catch {
    return {}; // optional in Device1
  }
}
