/**
 * Generic device definitions: any device that speaks a standard Bluetooth SIG health profile
 * is served by one of these, whatever its brand. A definition says how to recognise the device
 * (advertised services) and what to subscribe to; the codec registry decodes what arrives.
 */
import type { BleWatchRule } from '../ble/watch-rules.js';

export interface BleDeviceDefinition {
  /** Stable name recorded on every reading as `device.definition`. */
  id: string;
  description: string;
  match: { services: string[]; namePattern?: RegExp };
  /** Measurement characteristics to subscribe to (indications or notifications). */
  subscribe: string[];
}

export const SIG_PROFILE_DEFINITIONS: readonly BleDeviceDefinition[] = [
  { id: 'sig-blood-pressure', description: 'Blood Pressure Profile (0x1810)', match: { services: ['1810'] }, subscribe: ['2A35', '2A36'] },
  { id: 'sig-weight-scale', description: 'Weight Scale Profile (0x181D)', match: { services: ['181D'] }, subscribe: ['2A9D'] },
  { id: 'sig-pulse-oximeter', description: 'Pulse Oximeter Profile (0x1822)', match: { services: ['1822'] }, subscribe: ['2A5E', '2A5F'] },
  { id: 'sig-health-thermometer', description: 'Health Thermometer Profile (0x1809)', match: { services: ['1809'] }, subscribe: ['2A1C'] },
];

export function watchRulesFor(definitions: readonly BleDeviceDefinition[]): BleWatchRule[] {
  return definitions.map((d) => ({
    services: d.match.services,
    subscribe: d.subscribe,
    ...(d.match.namePattern ? { namePattern: d.match.namePattern } : {}),
  }));
}

/** The definition a device with these advertised services falls under, for `device.definition`. */
export function definitionForServices(
  definitions: readonly BleDeviceDefinition[],
  advertisedShort: readonly string[],
): BleDeviceDefinition | undefined {
  const set = new Set(advertisedShort.map((s) => s.toUpperCase()));
  return definitions.find((d) => d.match.services.some((s) => set.has(s.toUpperCase())));
}
