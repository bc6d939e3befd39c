/**
 * Which readings each programme watches, how far back its rules look, and the evaluation of a
 * new reading against the patient's history (pure: the evaluator fetches, these decide).
 */
import type { Observation } from '@telecart/protocol';
import type { PatientEnrollment, Programme, ResolvedRules, RuleId } from '../config.js';
import {
  BP_CODES,
  bloodPressure,
  GLUCOSE_CODES,
  glucoseMgdl,
  pointsOf,
  SPO2_CODES,
  spo2Percent,
  WEIGHT_CODES,
  weightKg,
} from '../readings.js';
import { spo2Drop, spo2Low } from './copd.js';
import { glucoseOutOfRange } from './diabetes.js';
import { weightGain1d, weightGain3d } from './heart-failure.js';
import { bpAboveTarget, bpSevere } from './hypertension.js';
import { DAY_MS, type Finding } from './types.js';

export interface ProgrammeRules {
  /** LOINC codes of the readings the programme watches. */
  codes: readonly string[];
  /** The non-transmission rule of these readings. */
  silenceRule: RuleId;
  /** How far before a reading its rules look (0: the reading alone). */
  lookbackMs(r: Partial<ResolvedRules>): number;
  /** Whether `obs` is one of the programme's readings in a usable unit. */
  accepts(obs: Observation): boolean;
  evaluate(trigger: Observation, history: readonly Observation[], r: Partial<ResolvedRules>): Finding[];
}

const found = (...f: (Finding | null)[]): Finding[] => f.filter((x): x is Finding => x !== null);

export const PROGRAMME_EVALUATION: { readonly [P in Programme]: ProgrammeRules } = {
  'heart-failure': {
    codes: WEIGHT_CODES,
    silenceRule: 'hf-no-weight',
    lookbackMs: () => 3 * DAY_MS,
    accepts: (o) => weightKg(o) !== null,
    evaluate(trigger, history, r) {
      const t = weightKg(trigger);
      if (!t) return [];
      const h = pointsOf(history, weightKg);
      const g3 = r['hf-weight-gain-3d'];
      const g1 = r['hf-weight-gain-1d'];
      return found(g3 ? weightGain3d(t, h, g3) : null, g1 ? weightGain1d(t, h, g1) : null);
    },
  },
  hypertension: {
    codes: BP_CODES,
    silenceRule: 'bp-no-reading',
    lookbackMs: (r) => (r['bp-above-target']?.days ?? 0) * DAY_MS,
    accepts: (o) => bloodPressure(o) !== null,
    evaluate(trigger, history, r) {
      const t = bloodPressure(trigger);
      if (!t) return [];
      const severe = r['bp-severe'];
      const target = r['bp-above-target'];
      return found(severe ? bpSevere(t, severe) : null, target ? bpAboveTarget(t, pointsOf(history, bloodPressure), target) : null);
    },
  },
  copd: {
    codes: SPO2_CODES,
    silenceRule: 'copd-no-spo2',
    lookbackMs: (r) => (r['spo2-drop']?.baselineDays ?? 0) * DAY_MS,
    accepts: (o) => spo2Percent(o) !== null,
    evaluate(trigger, history, r) {
      const t = spo2Percent(trigger);
      if (!t) return [];
      const low = r['spo2-low'];
      const drop = r['spo2-drop'];
      return found(low ? spo2Low(t, low) : null, drop ? spo2Drop(t, pointsOf(history, spo2Percent), drop) : null);
    },
  },
  diabetes: {
    codes: GLUCOSE_CODES,
    silenceRule: 'diabetes-no-glucose',
    lookbackMs: () => 0,
    accepts: (o) => glucoseMgdl(o) !== null,
    evaluate(trigger, _history, r) {
      const t = glucoseMgdl(trigger);
      return t ? found(glucoseOutOfRange(t, r)) : [];
    },
  },
};

/** The enrolled patient's non-transmission rule and its window, if enabled. */
export function silenceRuleOf(e: PatientEnrollment): { rule: RuleId; days: number } | null {
  const rule = PROGRAMME_EVALUATION[e.programme].silenceRule;
  const p = (e.rules as Record<string, { enabled: boolean; days?: number } | undefined>)[rule];
  return p?.enabled && p.days !== undefined ? { rule, days: p.days } : null;
}
