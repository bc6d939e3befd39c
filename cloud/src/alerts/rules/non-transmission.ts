/**
 * Non-transmission: no reading of the watched kind for `days`. Silence counts from the newest
 * reading (by effective time), or from the start of the follow-up when there is none yet or it
 * is older: a patient enrolled today is not "silent for a year".
 */
import type { RuleId } from '../config.js';
import { DAY_MS, type Finding, round } from './types.js';

export interface SilenceInput {
  rule: RuleId;
  days: number;
  /** Newest reading's effective time (epoch ms), or null when there is none. */
  lastAt: number | null;
  /** Start of the follow-up (enrollment `since`, or when the engine first watched the patient). */
  followedSince: number;
  now: number;
}

export function silentFor(i: SilenceInput): number {
  return i.now - Math.max(i.lastAt ?? Number.NEGATIVE_INFINITY, i.followedSince);
}

export function nonTransmission(i: SilenceInput): Finding | null {
  const silent = silentFor(i);
  if (silent < i.days * DAY_MS) return null;
  return {
    rule: i.rule,
    severity: 'warning',
    textKey: i.rule,
    values: {
      days: i.days,
      silentDays: round(silent / DAY_MS, 1),
      lastAt: i.lastAt === null ? '' : new Date(i.lastAt).toISOString(),
    },
    observationIds: [],
  };
}
