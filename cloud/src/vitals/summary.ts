/**
 * The five vitals a clinician scans first (BP, pulse, SpO2, weight, temperature), picked out
 * of stored observations by LOINC code. One place, used by the API, the live event stream
 * and the dashboard, so they never disagree on what "latest pulse" is.
 */
import { LOINC_PULSE_OXIMETRY, UNIT_DISPLAY, VITALS } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';

export const VITAL_KEYS = ['bp', 'pulse', 'spo2', 'weight', 'temperature'] as const;
export type VitalKey = (typeof VITAL_KEYS)[number];

export interface VitalReading {
  key: VitalKey;
  /** One number, or [systolic, diastolic] for blood pressure. */
  values: number[];
  /** UCUM code. */
  unit: string;
  /** Human unit, e.g. 'mmHg' for 'mm[Hg]'. */
  unitDisplay: string;
  effective: string;
  observationId: string;
  patientId: string;
  flags: string[];
}

export type VitalsSummary = Partial<Record<VitalKey, VitalReading>>;

const SINGLE_VALUE: Record<string, VitalKey> = {
  [VITALS.pulseRateNonInvasive.loinc]: 'pulse',
  [VITALS.spo2.loinc]: 'spo2',
  [LOINC_PULSE_OXIMETRY]: 'spo2',
  [VITALS.bodyWeight.loinc]: 'weight',
  [VITALS.bodyTemperature.loinc]: 'temperature',
};

function reading(obs: Observation, key: VitalKey, values: number[], unit: string): VitalReading {
  return {
    key,
    values,
    unit,
    unitDisplay: UNIT_DISPLAY[unit] ?? unit,
    effective: obs.time.effective,
    observationId: obs.id,
    patientId: obs.patient.id,
    flags: obs.flags,
  };
}

/** The vital an observation shows, or null (other codes, preliminary values, incomplete panels). */
export function vitalOf(obs: Observation): VitalReading | null {
  if (obs.status !== 'final') return null;
  if (obs.code.loinc === VITALS.bloodPressurePanel.loinc) {
    const part = (loinc: string) => obs.components?.find((c) => c.code.loinc === loinc)?.value;
    const sys = part(VITALS.systolic.loinc);
    const dia = part(VITALS.diastolic.loinc);
    if (!sys || !dia || sys.unit !== dia.unit) return null;
    return reading(obs, 'bp', [sys.value, dia.value], sys.unit);
  }
  const key = SINGLE_VALUE[obs.code.loinc];
  if (!key || !obs.value) return null;
  return reading(obs, key, [obs.value.value], obs.value.unit);
}

/** Newest reading per vital (by effective time; ties keep the first). */
export function summarizeVitals(observations: readonly Observation[]): VitalsSummary {
  const out: VitalsSummary = {};
  for (const obs of observations) {
    const v = vitalOf(obs);
    if (!v) continue;
    const prev = out[v.key];
    if (!prev || Date.parse(v.effective) > Date.parse(prev.effective)) out[v.key] = v;
  }
  return out;
}
