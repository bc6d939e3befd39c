/**
 * Hypertension (not a LATM indication: clinical configuration, not regulation). A single severe
 * reading, and the home mean at or above target (135/85 mmHg). The mean needs a minimum number
 * of readings (default 6): home BP varies by 10 mmHg or more between readings, and a mean of two
 * or three is dominated by that noise and by the first, higher, readings of a series; 6 is half
 * of one "2-2-3" home series (2 morning + 2 evening readings over 3 days), so a patient who
 * misses some sessions is still judged, on at least 6 readings.
 */
import type { ResolvedRules } from '../config.js';
import type { BpPoint } from '../readings.js';
import { DAY_MS, type Finding, round } from './types.js';

export function bpSevere(trigger: BpPoint, p: ResolvedRules['bp-severe']): Finding | null {
  if (!p.enabled || (trigger.systolic < p.systolic && trigger.diastolic < p.diastolic)) return null;
  return {
    rule: 'bp-severe',
    severity: 'critical',
    textKey: 'bp-severe',
    values: {
      systolic: round(trigger.systolic, 0),
      diastolic: round(trigger.diastolic, 0),
      thresholdSystolic: p.systolic,
      thresholdDiastolic: p.diastolic,
      at: new Date(trigger.at).toISOString(),
    },
    observationIds: [trigger.observationId],
  };
}

/** Mean of the readings of the `days` before the trigger, the trigger included. */
export function bpAboveTarget(trigger: BpPoint, history: readonly BpPoint[], p: ResolvedRules['bp-above-target']): Finding | null {
  if (!p.enabled) return null;
  const window = history.filter(
    (h) => h.observationId !== trigger.observationId && h.at <= trigger.at && h.at > trigger.at - p.days * DAY_MS,
  );
  window.push(trigger);
  if (window.length < p.minReadings) return null;
  const mean = (f: (b: BpPoint) => number) => window.reduce((s, b) => s + f(b), 0) / window.length;
  const sys = round(
    mean((b) => b.systolic),
    1,
  );
  const dia = round(
    mean((b) => b.diastolic),
    1,
  );
  if (sys < p.systolic && dia < p.diastolic) return null;
  return {
    rule: 'bp-above-target',
    severity: 'warning',
    textKey: 'bp-above-target',
    values: {
      meanSystolic: sys,
      meanDiastolic: dia,
      readings: window.length,
      days: p.days,
      thresholdSystolic: p.systolic,
      thresholdDiastolic: p.diastolic,
      at: new Date(trigger.at).toISOString(),
    },
    observationIds: [trigger.observationId],
  };
}
