/**
 * Serial packets → ObservationDrafts (pure). DF13 spot checks are final readings; DF2/7/8 values
 * are live (preliminary) — the gateway decides when a held value becomes a final reading.
 * Missing-data values (HR 511, SpO2 127) never become numbers: the draft is left out.
 */

import { deviceTimeOf, makeDraft } from '../mappings/common.js';
import { applyPlausibility } from '../mappings/plausibility.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { NONIN_DISQUALIFYING_FLAGS, noninStat2Flags, noninStatusFlags } from './codecs/nonin-common.js';
import { type NoninDf8Packet, noninDf8Flags } from './codecs/nonin-df8.js';
import { NONIN_DF13_STATUS, type NoninDf13Record, noninDf13Flags } from './codecs/nonin-df13.js';
import type { NoninRealtimePacket } from './codecs/nonin-realtime.js';

export interface Spo2Pulse {
  spo2: number | null;
  hr: number | null;
  flags: string[];
}

function drafts(v: Spo2Pulse, status: ObservationDraft['status'], extra: Partial<ObservationDraft> = {}): ObservationDraft[] {
  const out: ObservationDraft[] = [];
  const base = { status, flags: v.flags, ...(extra.deviceTime ? { deviceTime: extra.deviceTime } : {}) };
  if (v.spo2 !== null) out.push(makeDraft({ ...base, code: VITALS.spo2, value: { value: v.spo2, unit: UCUM.percent } }));
  if (v.hr !== null) out.push(makeDraft({ ...base, code: VITALS.oximetryPulseRate, value: { value: v.hr, unit: UCUM.perMin } }));
  return out.map(applyPlausibility);
}

/** A DF13 spot check → final SpO2 and pulse drafts in device time; none when the device says "no measurement". */
export function noninSpotCheckToDrafts(r: NoninDf13Record): ObservationDraft[] {
  if (r.status & NONIN_DF13_STATUS.NOMS) return [];
  const { deviceTime, flags } = deviceTimeOf(r.timestamp ?? undefined);
  return drafts({ spo2: r.spo2, hr: r.hr, flags: [...noninDf13Flags(r), ...flags] }, 'final', deviceTime ? { deviceTime } : {});
}

/** The 4-beat SpO2/HR of a DF2/DF7 packet with the union of its frames' status flags (absent values → null). */
export function noninRealtimeSpo2Pulse(p: NoninRealtimePacket): Spo2Pulse {
  const flags = new Set<string>();
  for (const f of p.frames) if (f) for (const x of noninStatusFlags(f.status)) flags.add(x);
  if (p.stat2 !== undefined) for (const x of noninStat2Flags(p.stat2)) flags.add(x);
  return { spo2: p.spo2 ?? null, hr: p.hr ?? null, flags: [...flags] };
}

export function noninDf8Spo2Pulse(p: NoninDf8Packet): Spo2Pulse {
  return { spo2: p.spo2, hr: p.hr, flags: noninDf8Flags(p) };
}

/** Live (preliminary) drafts; values the device marks as not tracking carry their flags, never a substitute. */
export function liveSpo2PulseDrafts(v: Spo2Pulse): ObservationDraft[] {
  return drafts(v, 'preliminary');
}

/** True when the device itself says the value is not a measurement (sensor off, out of track). */
export function noninDisqualified(flags: readonly string[]): boolean {
  return flags.some((f) => NONIN_DISQUALIFYING_FLAGS.includes(f));
}
