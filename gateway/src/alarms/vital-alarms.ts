/**
 * Critical vital signs raise an alarm: the reading itself moves to the alarm lane with a flag
 * naming the rule, so it overtakes any spot or waveform backlog and the cloud's alert rules see
 * why. One reading, no synthetic copy: the FHIR export and the dashboard show the real value.
 *
 * Thresholds (adult, in the range of early-warning scores such as NEWS2's red band) are fixed
 * here and documented in docs/sync-protocol.md. Readings downloaded from a device's memory
 * ('data-from-storage') are history, not an emergency: they stay on their lane.
 */
import type { Component, Quantity } from '@telecart/protocol';
import type { AlarmRule, RecordInput } from '../store/reading-store.js';

export const CRITICAL_THRESHOLDS = {
  spo2LowPercent: 88,
  systolicHighMmHg: 180,
  pulseHighPerMin: 130,
  pulseLowPerMin: 40,
} as const;

export const ALARM_FLAGS = {
  spo2Low: 'alarm:spo2-low',
  systolicHigh: 'alarm:systolic-high',
  pulseHigh: 'alarm:pulse-high',
  pulseLow: 'alarm:pulse-low',
} as const;

const SPO2 = new Set(['2708-6', '59408-5']);
const SYSTOLIC = '8480-6';
const PULSE = '8867-4';

function check(loinc: string, q: Quantity | undefined): string | null {
  if (q === undefined || !Number.isFinite(q.value)) return null;
  if (SPO2.has(loinc) && q.unit === '%' && q.value < CRITICAL_THRESHOLDS.spo2LowPercent) return ALARM_FLAGS.spo2Low;
  if (loinc === SYSTOLIC && q.unit === 'mm[Hg]' && q.value >= CRITICAL_THRESHOLDS.systolicHighMmHg) return ALARM_FLAGS.systolicHigh;
  if (loinc === PULSE && q.unit === '/min') {
    if (q.value > CRITICAL_THRESHOLDS.pulseHighPerMin) return ALARM_FLAGS.pulseHigh;
    if (q.value < CRITICAL_THRESHOLDS.pulseLowPerMin) return ALARM_FLAGS.pulseLow;
  }
  return null;
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
