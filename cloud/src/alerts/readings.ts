/**
 * The numbers the rules compare, out of stored observations, in each vital's catalogue unit: kg,
 * mmHg, % and mg/dL. Units come from the observation's UCUM code and convert as the vitals catalogue
 * says; a reading in a unit we do not know is ignored (never compared as if it were in the expected unit).
 */
import { toVitalUnit, VITAL_CATALOGUE } from '@telecart/devices';
import type { Comparator, Observation } from '@telecart/protocol';
import { vitalOf } from '../vitals/summary.js';

const { weight: WEIGHT, bp: BP, spo2: SPO2, glucose: GLUCOSE } = VITAL_CATALOGUE;

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

export const WEIGHT_CODES = WEIGHT.loinc;
export const BP_CODES = BP.loinc;
export const SPO2_CODES = SPO2.loinc;
export const GLUCOSE_CODES = GLUCOSE.loinc;

function point(obs: Observation, value: number | null): Point | null {
  const at = Date.parse(obs.time.effective);
  if (value === null || !Number.isFinite(value) || Number.isNaN(at)) return null;
  return { observationId: obs.id, at, value };
}

export function weightKg(obs: Observation): Point | null {
  const v = vitalOf(obs);
  if (v?.key !== 'weight') return null;
  const n = v.values[0] ?? Number.NaN;
  return point(obs, toVitalUnit(WEIGHT, n, v.unit));
}

export function spo2Percent(obs: Observation): Point | null {
  const v = vitalOf(obs);
  if (v?.key !== 'spo2') return null;
  return point(obs, v.unit === SPO2.unit ? (v.values[0] ?? null) : null);
}

export function glucoseMgdl(obs: Observation): Point | null {
  if (obs.status !== 'final' || !obs.value || !(GLUCOSE_CODES as readonly string[]).includes(obs.code.loinc)) return null;
  const { value, unit, comparator } = obs.value;
  const p = point(obs, toVitalUnit(GLUCOSE, value, unit));
  return p && comparator ? { ...p, comparator } : p;
}

export function bloodPressure(obs: Observation): BpPoint | null {
  const v = vitalOf(obs);
  if (v?.key !== 'bp') return null;
  const [sys, dia] = v.values;
  const at = Date.parse(obs.time.effective);
  if (sys === undefined || dia === undefined || Number.isNaN(at)) return null;
  const systolic = toVitalUnit(BP, sys, v.unit);
  const diastolic = toVitalUnit(BP, dia, v.unit);
  if (systolic === null || diastolic === null) return null;
  return { observationId: obs.id, at, systolic, diastolic };
}

export function pointsOf<T>(observations: readonly Observation[], pick: (o: Observation) => T | null): T[] {
  const out: T[] = [];
  for (const o of observations) {
    const p = pick(o);
    if (p !== null) out.push(p);
  }
  return out;
}
