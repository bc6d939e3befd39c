/** What a rule says about a reading: zero or more findings, each opening or updating one alert. */
import type { RuleId } from '../config.js';

export type Severity = 'critical' | 'warning';

/** Numbers for the text (rounded by the renderer, not here) and the times they refer to. */
export type FindingValues = Record<string, number | string>;

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** Key of the human text (alerts-panel.ts), filled with `values`. */
  textKey: string;
  values: FindingValues;
  /** The reading(s) behind it, newest last. */
  observationIds: string[];
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Weights, BPs… rounded for storage and text: measurement noise is well below these digits. */
export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
