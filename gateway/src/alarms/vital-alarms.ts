/**
 * Critical vital signs raise an alarm: the reading itself moves to the alarm lane with a flag
 * naming the rule, so it overtakes any spot or waveform backlog and the cloud's alert rules see
 * why. One reading, no synthetic copy: the FHIR export and the dashboard show the real value.
 *
 * Thresholds (adult, in the range of early-warning scores such as NEWS2's red band) are the vitals
 * catalogue's (@telecart/devices) and documented in docs/sync-protocol.md. A value is compared only in the
 * vital's own unit. Readings downloaded from a device's memory ('data-from-storage') are history, not an
 * emergency: they stay on their lane.
 */
import { type AlarmThreshold, VITAL_CATALOGUE, VITAL_IDS, type VitalEntry } from '@telecart/devices';
import type { Component, Quantity } from '@telecart/protocol';
import type { AlarmRule, RecordInput } from '../store/reading-store.js';

interface Armed {
  unit: string;
  thresholds: AlarmThreshold[];
}

/** LOINC (of a reading or of a panel's component) → the thresholds that apply to it, in catalogue order. */
const BY_LOINC: ReadonlyMap<string, Armed> = (() => {
  const out = new Map<string, Armed>();
  const arm = (loinc: string, unit: string, t: AlarmThreshold) => {
    const a = out.get(loinc) ?? { unit, thresholds: [] };
    a.thresholds.push(t);
    out.set(loinc, a);
  };
  for (const id of VITAL_IDS) {
    const e: VitalEntry = VITAL_CATALOGUE[id];
    for (const t of e.alarms ?? []) {
      if (t.component === undefined) for (const l of e.loinc) arm(l, e.unit, t);
      else {
        const c = e.components?.find((x) => x.name === t.component);
        if (c) arm(c.code.loinc, e.unit, t);
      }
    }
  }
  return out;
})();

function thresholdOf(flag: string): number {
  for (const a of BY_LOINC.values()) {
    const t = a.thresholds.find((x) => x.flag === flag);
    const v = t?.below ?? t?.above ?? t?.atOrAbove;
    if (v !== undefined) return v;
  }
  throw new Error(`no alarm threshold raises ${flag} in the vitals catalogue`);
}

export const ALARM_FLAGS = {
  spo2Low: 'alarm:spo2-low',
  systolicHigh: 'alarm:systolic-high',
  pulseHigh: 'alarm:pulse-high',
  pulseLow: 'alarm:pulse-low',
} as const;

/** The catalogue's thresholds under the names the gateway's docs and tests use. */
export const CRITICAL_THRESHOLDS = {
  spo2LowPercent: thresholdOf(ALARM_FLAGS.spo2Low),
  systolicHighMmHg: thresholdOf(ALARM_FLAGS.systolicHigh),
  pulseHighPerMin: thresholdOf(ALARM_FLAGS.pulseHigh),
  pulseLowPerMin: thresholdOf(ALARM_FLAGS.pulseLow),
} as const;

function crosses(t: AlarmThreshold, v: number): boolean {
  return (
    (t.below !== undefined && v < t.below) || (t.above !== undefined && v > t.above) || (t.atOrAbove !== undefined && v >= t.atOrAbove)
  );
}

function check(loinc: string, q: Quantity | undefined): string | null {
  if (q === undefined || !Number.isFinite(q.value)) return null;
  const armed = BY_LOINC.get(loinc);
  if (!armed || q.unit !== armed.unit) return null;
  return armed.thresholds.find((t) => crosses(t, q.value))?.flag ?? null;
}

/** The store's alarm rule: the first critical value of a final, freshly measured reading. */
export const criticalVitals: AlarmRule = (input: RecordInput) => {
  if (input.status !== 'final' || input.flags.includes('data-from-storage')) return null;
  const own = check(input.code.loinc, input.value);
  if (own !== null) return own;
  for (const c of input.components ?? ([] as Component[])) {
    const flag = check(c.code.loinc, c.value);
    if (flag !== null) return flag;
  }
  return null;
};
