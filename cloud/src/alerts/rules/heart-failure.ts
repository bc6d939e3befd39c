/**
 * Heart failure: weight gain as the sign of incipient decompensation (ESC: "more than 2 kg in
 * 3 days"; the day-to-day rule is common practice, unverified). Windows are rolling, by the
 * readings' effective times, so a late batch is judged at the time it was measured.
 */
import type { ResolvedRules } from '../config.js';
import type { Point } from '../readings.js';
import { DAY_MS, type Finding, HOUR_MS, round } from './types.js';

/** Today's weight vs the lowest weight of the previous 3 days (72 h before it). */
export function weightGain3d(trigger: Point, history: readonly Point[], p: ResolvedRules['hf-weight-gain-3d']): Finding | null {
  if (!p.enabled) return null;
  let min: Point | null = null;
  for (const h of history) {
    if (h.observationId === trigger.observationId || h.at >= trigger.at || h.at < trigger.at - 3 * DAY_MS) continue;
    if (min === null || h.value < min.value) min = h;
  }
  if (min === null) return null;
  // Rounded to 10 g first: 70.1 − 68.1 must count as 2.0 kg, not 1.99999.
  const gain = round(trigger.value - min.value, 2);
  if (gain < p.kg) return null;
  return {
    rule: 'hf-weight-gain-3d',
    severity: 'critical',
    textKey: 'hf-weight-gain-3d',
    values: {
      gainKg: gain,
      fromKg: round(min.value, 2),
      toKg: round(trigger.value, 2),
      thresholdKg: p.kg,
      fromAt: new Date(min.at).toISOString(),
      at: new Date(trigger.at).toISOString(),
    },
    observationIds: [min.observationId, trigger.observationId],
  };
}

/**
 * Today's weight vs the previous day's: the latest weight 12 to 36 h before it, so a daily
 * weighing whose hour drifts still finds "yesterday" and two weighings the same morning do not.
 */
export function weightGain1d(trigger: Point, history: readonly Point[], p: ResolvedRules['hf-weight-gain-1d']): Finding | null {
  if (!p.enabled) return null;
  let ref: Point | null = null;
  for (const h of history) {
    if (h.observationId === trigger.observationId || h.at > trigger.at - 12 * HOUR_MS || h.at < trigger.at - 36 * HOUR_MS) continue;
    if (ref === null || h.at > ref.at) ref = h;
  }
  if (ref === null) return null;
  const gain = round(trigger.value - ref.value, 2);
  if (gain < p.kg) return null;
  return {
    rule: 'hf-weight-gain-1d',
    severity: 'warning',
    textKey: 'hf-weight-gain-1d',
    values: {
      gainKg: gain,
      fromKg: round(ref.value, 2),
      toKg: round(trigger.value, 2),
      thresholdKg: p.kg,
      fromAt: new Date(ref.at).toISOString(),
      at: new Date(trigger.at).toISOString(),
    },
    observationIds: [ref.observationId, trigger.observationId],
  };
}
