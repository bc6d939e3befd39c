/**
 * Weight measurement → a body weight draft (kg or [lb_av], as the scale sent), plus BMI (kg/m2) and
 * body height drafts when present. Height in metres is given in cm (the FHIR vital-signs unit) with the
 * original metres kept on the Quantity; imperial height stays in [in_i].
 *
 * Weight Scale Feature resolution: the field units stay the SIG ones (0.005 kg / 0.01 lb, 0.001 m / 0.1 in;
 * SIG XML, openScale); a declared coarser resolution says which digits are meaningful, so values are rounded
 * to it (70.505 kg at 0.05 kg → 70.5). Spezi instead multiplies the raw value by the declared resolution;
 * a scale doing that would read 10× off here, which the weight plausibility flag would show.
 */
import type { Quantity } from '@telecart/protocol';
import type { BodyCompositionMeasurement, WeightMeasurement, WeightScaleFeature } from '../codecs/weight.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { deviceTimeOf, makeDraft, userIndexOf } from './common.js';
import { checkDraft } from './status-meaning.js';

function heightQuantity(height: number, unitSystem: WeightMeasurement['unitSystem']): Quantity {
  if (unitSystem === 'imperial') return { value: height, unit: UCUM.in };
  return { value: Math.round(height * 1000) / 10, unit: UCUM.cm, original: { value: height, unit: UCUM.m } };
}

/** Rounds to a multiple of `step` without float noise (steps ≥ 0.001). */
function quantize(v: number, step: number): number {
  return Number((Math.round(v / step) * step).toFixed(3));
}

/** The measurement with weight and height rounded to the feature's declared resolutions (pure; unchanged if unspecified). */
export function applyWeightScaleResolution(m: WeightMeasurement, feature: WeightScaleFeature): WeightMeasurement {
  const out: WeightMeasurement = { ...m };
  const wr = feature.weightResolution;
  if (wr && m.weight !== null) out.weight = quantize(m.weight, m.unitSystem === 'SI' ? wr.kg : wr.lb);
  const hr = feature.heightResolution;
  if (hr && m.height !== undefined) out.height = quantize(m.height, m.unitSystem === 'SI' ? hr.m : hr.in);
  return out;
}

export interface WeightMappingOptions {
  /** The scale's Weight Scale Feature (0x2A9E), read once per connection. */
  feature?: WeightScaleFeature | undefined;
}

export function weightToDrafts(measurement: WeightMeasurement, opts: WeightMappingOptions = {}): ObservationDraft[] {
  const m = opts.feature ? applyWeightScaleResolution(measurement, opts.feature) : measurement;
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
  return drafts.map(checkDraft);
}

/**
 * Body Composition Measurement → a body fat draft (%). The other values (muscle, water, impedance…) are
 * decoded but not yet mapped: they have no catalogue entry; a scale sends its weight on 0x2A9D as well.
 */
export function bodyCompositionToDrafts(m: BodyCompositionMeasurement): ObservationDraft[] {
  if (m.bodyFatPercent === null) return [];
  const { deviceTime, flags } = deviceTimeOf(m.timestamp);
  if (m.multiplePacket) flags.push('multiple-packet');
  const value = { value: m.bodyFatPercent, unit: UCUM.percent };
  return [makeDraft({ code: VITALS.bodyFat, value, status: 'final', flags, deviceTime, userIndex: userIndexOf(m.userId) })].map(checkDraft);
}
