/**
 * Glucose Measurement (+ its Context) → a glucose draft in mg/dL (from kg/L) or mmol/L (from mol/L),
 * LOINC 2339-0 / 15074-8, MDC by sample type, with the meter's sequence number as `recordNumber`, and an
 * HbA1c draft (4548-4, %) when the context carries one. Device time = base time + time offset.
 * Flags: sensor status names ('battery-low', 'result-above-range', …), 'body-site:<sample location>',
 * 'specimen:<type>', 'control-solution' (a control test, not the patient: `notPatientData`, never stored), context as
 * 'meal:<m>', 'tester:<t>', 'health:<h>', 'carbohydrate:<id>:<amount>', 'exercise:<s>s:<pct>%',
 * 'medication:<id>:<amount><unit>', and 'glucose-context-missing' when the context announced never came.
 * Context amounts are kept as sent: the SIG XML says kg / L, Nordic reads g / mg / mL (see README).
 * Sensor status: HI / LO → value comparator '>' / '<'; strip and sensor errors → 'entered-in-error'.
 */
import type { Code, Quantity } from '@telecart/protocol';
import {
  enumName,
  GLUCOSE_CARBOHYDRATES,
  GLUCOSE_HEALTH,
  GLUCOSE_MEALS,
  GLUCOSE_MEDICATIONS,
  GLUCOSE_SAMPLE_LOCATIONS,
  GLUCOSE_SAMPLE_TYPES,
  GLUCOSE_TESTERS,
  type GlucoseMeasurement,
  type GlucoseMeasurementContext,
  glucoseSensorStatusNames,
} from '../codecs/glucose.js';
import { type Medfloat, medfloatValue } from '../codecs/ieee11073.js';
import { GLUCOSE_MDC_BY_TYPE, MDC_CONC_GLU_GEN, UCUM, VITALS } from '../model/codes.js';
import { type DeviceDateTime, type ObservationDraft, utcDateFields } from '../model/draft.js';
import { deviceTimeOf, makeDraft, numberOrFlag } from './common.js';
import { checkDraft } from './status-meaning.js';

/** Base time + offset minutes on wall-clock fields (no zone: the device has none). */
export function addMinutes(t: DeviceDateTime, minutes: number): DeviceDateTime {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day, t.hours, t.minutes + minutes, t.seconds));
  // Date.UTC maps years 0..99 to 1900+; the classifier rejects those years before we get here.
  return utcDateFields(d);
}

/** The reading's device time (base + offset) or the flag saying why there is none. */
export function glucoseDeviceTime(m: GlucoseMeasurement): { deviceTime?: DeviceDateTime; flags: string[] } {
  const base = deviceTimeOf(m.baseTime);
  if (!base.deviceTime || !m.timeOffsetMinutes) return base;
  return deviceTimeOf(addMinutes(base.deviceTime, m.timeOffsetMinutes));
}

/** Decimal shift without float noise: 0.0011 kg/L → 110 mg/dL. */
function shift(value: number, exponent: number): number {
  return Number(`${value}e${exponent}`);
}

export function glucoseQuantity(value: number, unit: GlucoseMeasurement['unit']): Quantity {
  if (unit === 'kg/L') return { value: shift(value, 5), unit: UCUM.mgPerDl, original: { value, unit: 'kg/L' } };
  return { value: shift(value, 3), unit: UCUM.mmolPerL, original: { value, unit: 'mol/L' } };
}

function glucoseCode(unit: GlucoseMeasurement['unit'], type: number): Code {
  const base = unit === 'kg/L' ? VITALS.glucoseMass : VITALS.glucoseMolar;
  return { ...base, mdc: GLUCOSE_MDC_BY_TYPE[type] ?? MDC_CONC_GLU_GEN };
}

function amount(m: Medfloat): string {
  const v = medfloatValue(m);
  return v === undefined ? m.kind : String(v);
}

export function glucoseContextFlags(c: GlucoseMeasurementContext): string[] {
  const flags: string[] = [];
  if (c.meal !== undefined) flags.push(`meal:${enumName(GLUCOSE_MEALS, c.meal)}`);
  if (c.tester !== undefined) flags.push(`tester:${enumName(GLUCOSE_TESTERS, c.tester)}`);
  if (c.health !== undefined) flags.push(`health:${enumName(GLUCOSE_HEALTH, c.health)}`);
  if (c.carbohydrate) flags.push(`carbohydrate:${enumName(GLUCOSE_CARBOHYDRATES, c.carbohydrate.id)}:${amount(c.carbohydrate.amount)}`);
  if (c.exercise) {
    const d = c.exercise.durationSeconds === 0xffff ? 'overrun' : `${c.exercise.durationSeconds}s`;
    flags.push(`exercise:${d}:${c.exercise.intensityPercent}%`);
  }
  if (c.medication) {
    flags.push(`medication:${enumName(GLUCOSE_MEDICATIONS, c.medication.id)}:${amount(c.medication.amount)}${c.medication.unit}`);
  }
  return flags;
}

export interface GlucoseMappingOptions {
  /** The context with the same sequence number, if one came. */
  context?: GlucoseMeasurementContext | undefined;
}

export function glucoseToDrafts(m: GlucoseMeasurement, opts: GlucoseMappingOptions = {}): ObservationDraft[] {
  const context = opts.context && opts.context.sequenceNumber === m.sequenceNumber ? opts.context : undefined;
  const { deviceTime, flags: timeFlags } = glucoseDeviceTime(m);
  const flags: string[] = [...glucoseSensorStatusNames(m.sensorStatus ?? 0), ...timeFlags];
  if (m.contextFollows && !context) flags.push('glucose-context-missing');
  if (context) flags.push(...glucoseContextFlags(context));
  const drafts: ObservationDraft[] = [];
  const base = { status: 'final' as const, deviceTime, recordNumber: m.sequenceNumber };
  const c = m.concentration;
  if (c) {
    const own = [...flags];
    if (c.type === 10 || c.sampleLocation === 4) own.push('control-solution');
    if (c.type !== 10) own.push(`specimen:${enumName(GLUCOSE_SAMPLE_TYPES, c.type)}`);
    if (c.sampleLocation !== 4 && c.sampleLocation !== 15) own.push(`body-site:${enumName(GLUCOSE_SAMPLE_LOCATIONS, c.sampleLocation)}`);
    const v = numberOrFlag(c.value, 'concentration', own);
    if (v !== undefined)
      drafts.push(makeDraft({ ...base, code: glucoseCode(m.unit, c.type), value: glucoseQuantity(v, m.unit), flags: own }));
  }
  if (context?.hba1c) {
    const own: string[] = [...timeFlags];
    const v = numberOrFlag(context.hba1c, 'hba1c', own);
    if (v !== undefined) drafts.push(makeDraft({ ...base, code: VITALS.hba1c, value: { value: v, unit: UCUM.percent }, flags: own }));
  }
  return drafts.map(checkDraft);
}
