/**
 * The numbers the rules compare, out of stored observations, in one unit each: kg, mmHg,
 * % and mg/dL. Units come from the observation's UCUM code; a reading in a unit we do not
 * know is ignored (never compared as if it were in the expected unit).
 */
import { MMHG_PER_KPA, UCUM, VITALS } from '@telecart/devices';
import type { Comparator, Observation } from '@telecart/protocol';
import { vitalOf } from '../vitals/summary.js';

export const KG_PER_LB = 0.45359237;
/** Glucose molar mass 180.156 g/mol: 1 mmol/L = 18.0156 mg/dL. */
export const MGDL_PER_MMOLL = 18.0156;

/** A reading reduced to what the rules need. */
export interface Point {
  observationId: string;
  /** Effective time, epoch ms. */
  at: number;
  value: number;
  /** The true value is beyond `value` (a glucose meter's HI / LO): only comparisons it decides may fire. */
  comparator?: Comparator;
}

export interface BpPoint {
  observationId: string;
  at: number;
  systolic: number;
  diastolic: number;
}

export const WEIGHT_CODES = [VITALS.bodyWeight.loinc] as const;
export const BP_CODES = [VITALS.bloodPressurePanel.loinc] as const;
export const SPO2_CODES = [VITALS.spo2.loinc, '59408-5'] as const;
export const GLUCOSE_CODES = [VITALS.glucoseMass.loinc, VITALS.glucoseMolar.loinc] as const;

function point(obs: Observation, value: number | null): Point | null {
  const at = Date.parse(obs.time.effective);
  if (value === null || !Number.isFinite(value) || Number.isNaN(at)) return null;
  return { observationId: obs.id, at, value };
}

export function weightKg(obs: Observation): Point | null {
  const v = vitalOf(obs);
  if (v?.key !== 'weight') return null;
  const n = v.values[0] ?? Number.NaN;
  return point(obs, v.unit === UCUM.kg ? n : v.unit === UCUM.lb ? n * KG_PER_LB : v.unit === 'g' ? n / 1000 : null);
}

export function spo2Percent(obs: Observation): Point | null {
  const v = vitalOf(obs);
  if (v?.key !== 'spo2') return null;
  return point(obs, v.unit === UCUM.percent ? (v.values[0] ?? null) : null);
}

export function glucoseMgdl(obs: Observation): Point | null {
  if (obs.status !== 'final' || !obs.value || !(GLUCOSE_CODES as readonly string[]).includes(obs.code.loinc)) return null;
  const { value, unit, comparator } = obs.value;
  const p = point(obs, unit === UCUM.mgPerDl ? value : unit === UCUM.mmolPerL ? value * MGDL_PER_MMOLL : null);
  return p && comparator ? { ...p, comparator } : p;
}

export function bloodPressure(obs: Observation): BpPoint | null {
  const v = vitalOf(obs);
  if (v?.key !== 'bp') return null;
  const [sys, dia] = v.values;
  const factor = v.unit === UCUM.mmHg ? 1 : v.unit === UCUM.kPa ? MMHG_PER_KPA : null;
  const at = Date.parse(obs.time.effective);
  if (factor === null || sys === undefined || dia === undefined || Number.isNaN(at)) return null;
  return { observationId: obs.id, at, systolic: sys * factor, diastolic: dia * factor };
}

export function pointsOf<T>(observations: readonly Observation[], pick: (o: Observation) => T | null): T[] {
  const out: T[] = [];
  for (const o of observations) {
    const p = pick(o);
    if (p !== null) out.push(p);
  }
  return out;
}
