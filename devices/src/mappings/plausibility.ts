/**
 * Gateway plausibility checks. They FLAG and never drop: a surprising value may be real, and the
 * clinician decides. The limits are the vitals catalogue's (SpO2 0–100 %, pulse 20–300 /min, systolic ≤ 300 mm[Hg],
 * body temperature 25–45 °C, body weight > 0 and ≤ 500 kg, glucose 10–1000 mg/dL or 0.55–55.5 mmol/L, HbA1c 3–20 %);
 * a blood pressure panel's systolic must also exceed its diastolic.
 */
import type { Quantity } from '@telecart/protocol';
import type { ObservationDraft } from '../model/draft.js';
import { outside, type VitalEntry, vitalEntry, vitalIdOfLoinc } from '../vitals/catalogue.js';
import { finishFlags } from './common.js';

/** True when the quantity is outside the vital's plausible range; unknown units are not judged. */
function implausible(entry: VitalEntry, q: Quantity): boolean {
  const p = entry.plausible;
  if (!p) return false;
  const own = p.in?.[q.unit];
  if (own) return outside(own, q.value);
  const v = entry.unit === q.unit ? q.value : entry.convert?.[q.unit]?.toUnit(q.value);
  return v !== undefined && outside(p, v);
}

function component(d: ObservationDraft, code: string, unit: string): Quantity | undefined {
  return d.components?.find((x) => x.code.loinc === code && x.value.unit === unit)?.value;
}

/** The 'implausible:*' flags a draft deserves (empty when all is plausible or the code is not checked). */
export function plausibilityFlags(d: ObservationDraft): string[] {
  const id = vitalIdOfLoinc(d.code.loinc);
  if (id === undefined) return [];
  const entry = vitalEntry(id);
  const p = entry.plausible;
  if (!p) return [];
  if (!entry.components) return d.value && implausible(entry, d.value) ? [p.flag] : [];
  // Panels: components are compared in the panel's own unit only (the mappings convert before).
  const flags: string[] = [];
  const [first, second] = entry.components;
  const a = first && component(d, first.code.loinc, entry.unit);
  const b = second && component(d, second.code.loinc, entry.unit);
  // Blood pressure: the first series (systolic) must exceed the second (diastolic).
  if (id === 'bp' && a && b && a.value <= b.value) flags.push(`implausible:${first?.name}<=${second?.name}`);
  const limited = entry.components.find((c) => c.name === p.component);
  const q = limited && component(d, limited.code.loinc, entry.unit);
  if (q && outside(p, q.value)) flags.push(p.flag);
  return flags;
}

/** The draft with its plausibility flags appended (a new object; the input is not changed). */
export function applyPlausibility(d: ObservationDraft): ObservationDraft {
  const extra = plausibilityFlags(d);
  return extra.length === 0 ? d : { ...d, flags: finishFlags([...d.flags, ...extra]) };
}
