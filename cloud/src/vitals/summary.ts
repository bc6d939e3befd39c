/**
 * The five vitals a clinician scans first (the catalogue's SUMMARY_VITALS: BP, pulse, SpO2, weight,
 * temperature), picked out of stored observations by LOINC code. One place, used by the API, the live event stream
 * and the dashboard, so they never disagree on what "latest pulse" is.
 */
import { SUMMARY_VITALS, type SummaryVitalId, UNIT_DISPLAY, VITAL_CATALOGUE } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';

export const VITAL_KEYS = SUMMARY_VITALS;
export type VitalKey = SummaryVitalId;

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

const SINGLE_VALUE: Readonly<Record<string, VitalKey>> = Object.fromEntries(
  VITAL_KEYS.flatMap((k) => {
    const e = VITAL_CATALOGUE[k];
    return 'components' in e ? [] : e.loinc.map((l) => [l, k] as const);
  }),
);

const PANELS = VITAL_KEYS.flatMap((k) => {
  const e = VITAL_CATALOGUE[k];
  return 'components' in e ? [{ key: k, loinc: e.code.loinc, parts: e.components.map((c) => c.code.loinc) }] : [];
});

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
  const panel = PANELS.find((p) => p.loinc === obs.code.loinc);
  if (panel) {
    // Every series present, all in one unit (systolic and diastolic for blood pressure).
    const values: number[] = [];
    let unit: string | undefined;
    for (const loinc of panel.parts) {
      const q = obs.components?.find((c) => c.code.loinc === loinc)?.value;
      if (!q || (unit !== undefined && q.unit !== unit)) return null;
      unit = q.unit;
      values.push(q.value);
    }
    return unit === undefined ? null : reading(obs, panel.key, values, unit);
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
