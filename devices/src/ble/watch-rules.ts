/** Which advertised devices the BLE central connects to, and what it subscribes to on them. Pure. */
import { fullUuid } from '../model/frame.js';

export interface BleWatchRule {
  /** Service UUIDs (short '1810' or full) a device must advertise. */
  services: string[];
  /** Characteristic UUIDs to StartNotify on (indicate or notify), wherever present. */
  subscribe: string[];
  /** When given, the advertised name must match too. Devices advertising no service UUIDs match on it alone. */
  namePattern?: RegExp;
}

export interface AdvertisedDevice {
  name?: string;
  /** Advertised service UUIDs as BlueZ lists them (full, lower-case). */
  uuids: string[];
}

/**
 * A device matches a rule when it advertises one of the rule's services (or advertises none and the
 * rule has a name pattern), and its name matches the rule's pattern when there is one.
 */
export function ruleMatches(rule: BleWatchRule, device: AdvertisedDevice): boolean {
  const advertised = new Set(device.uuids.map(fullUuid));
  const servicesOk = advertised.size === 0 ? rule.namePattern !== undefined : rule.services.some((s) => advertised.has(fullUuid(s)));
  const nameOk = rule.namePattern === undefined || rule.namePattern.test(device.name ?? '');
  return servicesOk && nameOk;
}

/** Full UUIDs of the characteristics to subscribe on a device matched by these rules; empty = no match. */
export function subscriptionsFor(rules: BleWatchRule[], device: AdvertisedDevice): Set<string> | undefined {
  const matched = rules.filter((r) => ruleMatches(r, device));
  if (matched.length === 0) return undefined;
  return new Set(matched.flatMap((r) => r.subscribe.map(fullUuid)));
}
