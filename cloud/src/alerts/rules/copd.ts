/**
 * COPD / chronic respiratory failure: SpO2 below the patient's threshold (default 88 %, the low
 * end of the 88–92 % target of hypercapnic patients) and a drop from the patient's own baseline
 * (median of the previous days: one bad reading does not move it). Thresholds are per patient.
 */
import type { ResolvedRules } from '../config.js';
import type { Point } from '../readings.js';
import { DAY_MS, type Finding, round } from './types.js';

export function spo2Low(trigger: Point, p: ResolvedRules['spo2-low']): Finding | null {
  if (!p.enabled || trigger.value >= p.percent) return null;
  return {
    rule: 'spo2-low',
    severity: 'critical',
    textKey: 'spo2-low',
    values: { spo2: round(trigger.value, 1), threshold: p.percent, at: new Date(trigger.at).toISOString() },
    observationIds: [trigger.observationId],
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function spo2Drop(trigger: Point, history: readonly Point[], p: ResolvedRules['spo2-drop']): Finding | null {
  if (!p.enabled) return null;
  const base = history.filter(
    (h) => h.observationId !== trigger.observationId && h.at < trigger.at && h.at >= trigger.at - p.baselineDays * DAY_MS,
  );
  if (base.length < p.minBaselineReadings) return null;
  const baseline = round(median(base.map((b) => b.value)), 1);
  const drop = round(baseline - trigger.value, 1);
  if (drop < p.points) return null;
  return {
    rule: 'spo2-drop',
    severity: 'warning',
    textKey: 'spo2-drop',
    values: {
      spo2: round(trigger.value, 1),
      baseline,
      drop,
      baselineReadings: base.length,
      threshold: p.points,
      at: new Date(trigger.at).toISOString(),
    },
    observationIds: [trigger.observationId],
  };
}
