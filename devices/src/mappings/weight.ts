/**
 * Weight measurement → a body weight draft (kg or [lb_av], as the scale sent), plus BMI (kg/m2) and
 * body height drafts when present. Height in metres is given in cm (the FHIR vital-signs unit) with the
 * original metres kept on the Quantity; imperial height stays in [in_i].
 */
import type { Quantity } from '@telecart/protocol';
import type { WeightMeasurement } from '../codecs/weight.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { deviceTimeOf, makeDraft, userIndexOf } from './common.js';
import { applyPlausibility } from './plausibility.js';

function heightQuantity(height: number, unitSystem: WeightMeasurement['unitSystem']): Quantity {
  if (unitSystem === 'imperial') return { value: height, unit: UCUM.in };
  return { value: Math.round(height * 1000) / 10, unit: UCUM.cm, original: { value: height, unit: UCUM.m } };
}

export function weightToDrafts(m: WeightMeasurement): ObservationDraft[] {
  const { deviceTime, flags: timeFlags } = deviceTimeOf(m.timestamp);
  const userIndex = userIndexOf(m.userId);
  const flags = m.weight === null ? [...timeFlags, 'value-unavailable:weight'] : timeFlags;
  const base = { status: 'final' as const, flags, deviceTime, userIndex };
  const drafts: ObservationDraft[] = [];
  if (m.weight !== null) {
    drafts.push(
      makeDraft({ ...base, code: VITALS.bodyWeight, value: { value: m.weight, unit: m.unitSystem === 'SI' ? UCUM.kg : UCUM.lb } }),
    );
  }
  if (m.bmi !== undefined) drafts.push(makeDraft({ ...base, code: VITALS.bmi, value: { value: m.bmi, unit: UCUM.kgPerM2 } }));
  if (m.height !== undefined) drafts.push(makeDraft({ ...base, code: VITALS.bodyHeight, value: heightQuantity(m.height, m.unitSystem) }));
  return drafts.map(applyPlausibility);
}
