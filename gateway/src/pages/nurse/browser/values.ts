/** A reading or live value as the nurse reads it: the vital's label, the value(s) and the unit. */
import { readJson } from '@telecart/ui/browser';
import type { NurseVitals } from '../vitals-data.js';
import { state, t } from './state.js';
import type { Coded, Quantity } from './types.js';

const vitals = readJson<NurseVitals>('nurse-vitals');

const unit = (u: string): string => vitals.units[u] ?? u;

export function label(code: Coded['code']): string {
  return vitals.labels[code.loinc]?.[state.lang] ?? code.display;
}

// A meter's HI / LO reading is a bound, not a value: '> 600', never '600'.
const num = (q: Quantity): string => `${q.comparator ? `${q.comparator} ` : ''}${q.value}`;

export function valueText(o: Coded): string {
  const [a, b, c] = o.components ?? [];
  if (a) {
    // Blood pressure: systolic/diastolic, then the mean arterial pressure when the cuff sent one.
    return `${num(a.value)}${b ? `/${num(b.value)}` : ''} ${unit(a.value.unit)}${c ? ` (${t().map} ${num(c.value)})` : ''}`;
  }
  return o.value ? `${num(o.value)} ${unit(o.value.unit)}` : '';
}
