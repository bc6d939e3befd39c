/**
 * Diabetes: out-of-range glucose. The severe-hypoglycaemia threshold is the physician's (the
 * arrêté leaves it to them); defaults are the ADA levels (< 54 mg/dL level 2, < 70 level 1) and a
 * common > 250 mg/dL hyperglycaemia alert. One finding per reading: a severe hypo is not also a hypo.
 */
import { MGDL_PER_MMOLL } from '@telecart/devices';
import type { ResolvedRules } from '../config.js';
import type { Point } from '../readings.js';
import { type Finding, round } from './types.js';

type DiabetesRules = Pick<ResolvedRules, 'glucose-severe-hypo' | 'glucose-hypo' | 'glucose-hyper'>;

export function glucoseOutOfRange(trigger: Point, r: Partial<DiabetesRules>): Finding | null {
  const mgdl = round(trigger.value, 0);
  const values = (threshold: number) => ({
    mgdl,
    mmoll: round(trigger.value / MGDL_PER_MMOLL, 1),
    threshold,
    at: new Date(trigger.at).toISOString(),
  });
  const severe = r['glucose-severe-hypo'];
  const hypo = r['glucose-hypo'];
  const hyper = r['glucose-hyper'];
  // A meter's HI ('>' its limit) proves only "above", its LO ('<') only "below".
  const mayBeLow = trigger.comparator !== '>' && trigger.comparator !== '>=';
  const mayBeHigh = trigger.comparator !== '<' && trigger.comparator !== '<=';
  // Compared unrounded: 53.9 mg/dL (2.99 mmol/L) is below 54.
  if (mayBeLow && severe?.enabled && trigger.value < severe.mgdl)
    return {
      rule: 'glucose-severe-hypo',
      severity: 'critical',
      textKey: 'glucose-severe-hypo',
      values: values(severe.mgdl),
      observationIds: [trigger.observationId],
    };
  if (mayBeLow && hypo?.enabled && trigger.value < hypo.mgdl)
    return {
      rule: 'glucose-hypo',
      severity: 'warning',
      textKey: 'glucose-hypo',
      values: values(hypo.mgdl),
      observationIds: [trigger.observationId],
    };
  if (mayBeHigh && hyper?.enabled && trigger.value > hyper.mgdl)
    return {
      rule: 'glucose-hyper',
      severity: 'warning',
      textKey: 'glucose-hyper',
      values: values(hyper.mgdl),
      observationIds: [trigger.observationId],
    };
  return null;
}
