/** defineDevice() and the typed lookups drivers use on a definition. */
import { fullUuid, shortUuid } from '../model/frame.js';
import type {
  BondingCapability,
  Capability,
  CharacteristicUse,
  CurrentTimeCapability,
  DeviceDefinition,
  DeviceDefinitionInput,
  MeasurementCapability,
  Quirk,
  RecordAccessCapability,
} from './types.js';

const ID = /^[a-z0-9][a-z0-9-]{1,63}$/;

/** Checks and freezes a definition; throws on a programming error (bad id, no match, no capability). */
export function defineDevice(input: DeviceDefinitionInput): DeviceDefinition {
  if (!ID.test(input.id)) throw new Error(`device definition id "${input.id}" must be kebab-case`);
  const m = input.match;
  if (!input.generic && !m.ble && !m.usb?.length && !m.audio) throw new Error(`device definition ${input.id}: no match given`);
  if (input.capabilities.length === 0) throw new Error(`device definition ${input.id}: no capability`);
  return Object.freeze({ ...input, quirks: input.quirks ?? [] });
}

export function capabilitiesOf<K extends Capability['kind']>(d: DeviceDefinition, kind: K): Extract<Capability, { kind: K }>[] {
  return d.capabilities.filter((c): c is Extract<Capability, { kind: K }> => c.kind === kind);
}

export function capabilityOf<K extends Capability['kind']>(d: DeviceDefinition, kind: K): Extract<Capability, { kind: K }> | undefined {
  return capabilitiesOf(d, kind)[0];
}

export function quirkOf<K extends Quirk['kind']>(d: DeviceDefinition, kind: K): Extract<Quirk, { kind: K }> | undefined {
  return d.quirks.find((q): q is Extract<Quirk, { kind: K }> => q.kind === kind);
}

export function measurements(d: DeviceDefinition): MeasurementCapability[] {
  return capabilitiesOf(d, 'measurement');
}

/** Role of a characteristic ('2A35' or full UUID) in this definition; undefined when not used. */
export function roleOf(d: DeviceDefinition, characteristic: string): CharacteristicUse['role'] | 'control' | undefined {
  const s = shortUuid(fullUuid(characteristic));
  for (const m of measurements(d)) {
    const use = m.characteristics.find((c) => shortUuid(fullUuid(c.uuid)) === s);
    if (use) return use.role;
  }
  const racp = capabilityOf(d, 'record-access');
  const cts = capabilityOf(d, 'current-time');
  if ((racp && shortUuid(fullUuid(racp.uuid)) === s) || (cts && shortUuid(fullUuid(cts.uuid)) === s)) return 'control';
  return undefined;
}

/** The measurement capability whose record joiner takes this characteristic ('2A18' or full UUID), if any. */
export function recordJoinOf(d: DeviceDefinition, characteristic: string): MeasurementCapability | undefined {
  const s = shortUuid(fullUuid(characteristic));
  return measurements(d).find((m) => m.join?.characteristics.some((c) => shortUuid(fullUuid(c)) === s));
}

/** The decoder a definition gives for a characteristic (vendor characteristics); undefined: the SIG codec table's. */
export function characteristicDecoderOf(d: DeviceDefinition, characteristic: string): CharacteristicUse['decode'] {
  const s = shortUuid(fullUuid(characteristic));
  for (const m of measurements(d)) {
    const use = m.characteristics.find((c) => shortUuid(fullUuid(c.uuid)) === s);
    if (use?.decode) return use.decode;
  }
  return undefined;
}

/** True when readings from this characteristic carry a user index that must map to a patient. */
export function isMultiUser(d: DeviceDefinition): boolean {
  return measurements(d).some((m) => m.multiUser === true);
}

export interface BleSubscription {
  /** Full lower-case UUID. */
  uuid: string;
  role: 'reading' | 'live' | 'context' | 'control';
}

/**
 * What the BLE driver subscribes to (StartNotify) for a definition: every measurement
 * characteristic except features, the RACP, and the Current Time (it notifies adjustments).
 */
export function bleSubscriptions(d: DeviceDefinition): BleSubscription[] {
  const out: BleSubscription[] = [];
  for (const m of measurements(d)) {
    for (const c of m.characteristics) if (c.role !== 'feature') out.push({ uuid: fullUuid(c.uuid), role: c.role });
  }
  const racp: RecordAccessCapability | undefined = capabilityOf(d, 'record-access');
  if (racp) out.push({ uuid: fullUuid(racp.uuid), role: 'control' });
  return out;
}

export function bondingOf(d: DeviceDefinition): BondingCapability['mode'] | undefined {
  return capabilityOf(d, 'bonding')?.mode;
}

export function currentTimeOf(d: DeviceDefinition): CurrentTimeCapability | undefined {
  return capabilityOf(d, 'current-time');
}
