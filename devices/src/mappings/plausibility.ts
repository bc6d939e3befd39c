/**
 * Gateway plausibility checks. They FLAG and never drop: a surprising value may be real, and the
 * clinician decides. Limits: SpO2 0–100 %, pulse 20–300 /min, systolic > diastolic and ≤ 300 mm[Hg],
 * body temperature 25–45 °C, body weight > 0 and ≤ 500 kg, glucose 10–1000 mg/dL (0.55–55.5 mmol/L: beyond
 * any meter's range, where HI/LO readings stop), HbA1c 3–20 %.
 */
import type { Quantity } from '@telecart/protocol';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { finishFlags } from './common.js';

const LB_IN_KG = 0.45359237;

function celsius(q: Quantity): number | undefined {
  if (q.unit === UCUM.celsius) return q.value;
  if (q.unit === UCUM.fahrenheit) return ((q.value - 32) * 5) / 9;
  return undefined;
}

function kilograms(q: Quantity): number | undefined {
  if (q.unit === UCUM.kg) return q.value;
  if (q.unit === UCUM.lb) return q.value * LB_IN_KG;
  if (q.unit === 'g') return q.value / 1000;
  return undefined;
}

function componentValue(d: ObservationDraft, loinc: string): number | undefined {
  const c = d.components?.find((x) => x.code.loinc === loinc && x.value.unit === UCUM.mmHg);
  return c?.value.value;
}

/** The 'implausible:*' flags a draft deserves (empty when all is plausible or the code is not checked). */
export function plausibilityFlags(d: ObservationDraft): string[] {
  const flags: string[] = [];
  const v = d.value;
  switch (d.code.loinc) {
    case VITALS.spo2.loinc:
      if (v && v.unit === UCUM.percent && (v.value < 0 || v.value > 100)) flags.push('implausible:spo2');
      break;
    case VITALS.heartRate.loinc:
      if (v && v.unit === UCUM.perMin && (v.value < 20 || v.value > 300)) flags.push('implausible:pulse');
      break;
    case VITALS.bodyTemperature.loinc: {
      const c = v ? celsius(v) : undefined;
      if (c !== undefined && (c < 25 || c > 45)) flags.push('implausible:temperature');
      break;
    }
    case VITALS.bodyWeight.loinc: {
      const kg = v ? kilograms(v) : undefined;
      if (kg !== undefined && (kg <= 0 || kg > 500)) flags.push('implausible:weight');
      break;
    }
    case VITALS.glucoseMass.loinc:
      if (v && v.unit === UCUM.mgPerDl && (v.value < 10 || v.value > 1000)) flags.push('implausible:glucose');
      break;
    case VITALS.glucoseMolar.loinc:
      if (v && v.unit === UCUM.mmolPerL && (v.value < 0.55 || v.value > 55.5)) flags.push('implausible:glucose');
      break;
    case VITALS.hba1c.loinc:
      if (v && v.unit === UCUM.percent && (v.value < 3 || v.value > 20)) flags.push('implausible:hba1c');
      break;
    case VITALS.bloodPressurePanel.loinc: {
      const sys = componentValue(d, VITALS.systolic.loinc);
      const dia = componentValue(d, VITALS.diastolic.loinc);
      if (sys !== undefined && dia !== undefined && sys <= dia) flags.push('implausible:systolic<=diastolic');
      if (sys !== undefined && sys > 300) flags.push('implausible:systolic');
      break;
    }
  }
  return flags;
}

/** The draft with its plausibility flags appended (a new object; the input is not changed). */
export function applyPlausibility(d: ObservationDraft): ObservationDraft {
  const extra = plausibilityFlags(d);
  return extra.length === 0 ? d : { ...d, flags: finishFlags([...d.flags, ...extra]) };
}
