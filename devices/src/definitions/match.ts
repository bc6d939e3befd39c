/**
 * Picking the definition for a device: every definition whose match fits is scored by how specific
 * the match is (name, manufacturer data and USB identity weigh more than a service UUID); the highest
 * score wins, a generic definition only when nothing else fits. Pure.
 */
import { fullUuid } from '../model/frame.js';
import { measurements } from './define.js';
import type { BleMatch, DefinitionChoice, DeviceDefinition, DeviceIdentity, UsbMatch } from './types.js';

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > data.length) return false;
  return prefix.every((b, i) => data[i] === b);
}

/** Score and reason of a BLE match, or undefined when a given field does not fit. */
function scoreBle(m: BleMatch, id: DeviceIdentity): { score: number; reason: string[] } | undefined {
  const reason: string[] = [];
  let score = 0;
  if (m.services && m.services.length > 0) {
    const advertised = new Set((id.services ?? []).map(fullUuid));
    const hit = m.services.find((s) => advertised.has(fullUuid(s)));
    // A device advertising nothing can still be recognised by its name (many cuffs advertise no UUID).
    if (hit) {
      score += 10;
      reason.push(`service ${hit}`);
    } else if (advertised.size > 0 || !m.namePattern) return undefined;
  }
  if (m.namePattern) {
    if (!m.namePattern.test(id.name ?? '')) return undefined;
    score += 20;
    reason.push(`name ${m.namePattern.source}`);
  }
  if (m.manufacturer) {
    const data = id.manufacturerData?.[m.manufacturer.companyId];
    if (!data || (m.manufacturer.dataPrefix && !startsWith(data, m.manufacturer.dataPrefix))) return undefined;
    score += m.manufacturer.dataPrefix ? 40 : 30;
    reason.push(`manufacturer 0x${hex4(m.manufacturer.companyId)}`);
  }
  return score > 0 ? { score, reason } : undefined;
}

function scoreUsb(ms: UsbMatch[], id: DeviceIdentity): { score: number; reason: string[] } | undefined {
  const usb = id.usb;
  if (!usb) return undefined;
  for (const m of ms) {
    if (m.vid !== usb.vid || m.pid !== usb.pid) continue;
    if (m.productPattern && !m.productPattern.test(usb.product ?? '')) continue;
    return { score: m.productPattern ? 40 : 30, reason: [`usb ${hex4(m.vid)}:${hex4(m.pid)}`] };
  }
  return undefined;
}

/** A generic definition fits a BLE device advertising one of the services of its measurement profiles. */
function scoreGeneric(d: DeviceDefinition, id: DeviceIdentity): { score: number; reason: string[] } | undefined {
  if (id.transport !== 'ble') return undefined;
  const advertised = new Set((id.services ?? []).map(fullUuid));
  const hits = [...new Set(measurements(d).map((m) => m.service))].filter((s) => advertised.has(fullUuid(s)));
  return hits.length > 0 ? { score: 1, reason: [`generic: service ${hits.join(',')}`] } : undefined;
}

export function scoreDefinition(d: DeviceDefinition, id: DeviceIdentity): DefinitionChoice | undefined {
  if (d.transport !== id.transport) return undefined;
  let r: { score: number; reason: string[] } | undefined;
  if (d.generic) r = scoreGeneric(d, id);
  else if (id.transport === 'ble' && d.match.ble) r = scoreBle(d.match.ble, id);
  else if (id.transport === 'serial' && d.match.usb) r = scoreUsb(d.match.usb, id);
  else if (id.transport === 'audio' && d.match.audio && d.match.audio.namePattern.test(id.name ?? ''))
    r = { score: 20, reason: ['audio name'] };
  return r ? { definition: d, score: r.score, reason: r.reason.join(' + ') } : undefined;
}

/** The best definition for a device, or undefined when none fits (the device is then ignored). */
export function matchDefinition(definitions: readonly DeviceDefinition[], id: DeviceIdentity): DefinitionChoice | undefined {
  let best: DefinitionChoice | undefined;
  for (const d of definitions) {
    const c = scoreDefinition(d, id);
    // Ties go to the earlier definition: the list order is the tie-break, and is stable.
    if (c && (!best || c.score > best.score)) best = c;
  }
  return best;
}
