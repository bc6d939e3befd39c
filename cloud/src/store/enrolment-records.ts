/**
 * Telemonitoring enrolments (migration 19): a patient followed in a programme over a period, on a
 * doctor's prescription and with the patient's recorded consent. Ending one keeps the row (the
 * history of who was followed when); the alert engine judges a reading only against the
 * enrolments whose period holds its effective time.
 */
import type { Programme, RuleOverrides } from '../alerts/config.js';

export const CONSENT_METHODS = ['written', 'oral'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];
export const CONSENT_GIVERS = ['patient', 'representative'] as const;
export type ConsentGiver = (typeof CONSENT_GIVERS)[number];

export interface EnrolmentConsent {
  /** Who collected it (account id or name). */
  collectedBy: string;
  /** ISO instant. */
  collectedAt: string;
  method: ConsentMethod;
  givenBy: ConsentGiver;
  /** The representative's name, when givenBy is 'representative'. */
  representative: string | null;
}

export interface Prescriber {
  name: string;
  /** 11 digits, Luhn key (auth/permissions.ts rppsProblem). */
  rpps: string;
}

export interface NewEnrolment {
  patientId: string;
  programme: Programme;
  /** ISO instants; the period is [start, end), end null = open-ended. */
  start: string;
  end: string | null;
  /** Null only for enrolments seeded from the configuration's `telemonitoring` (no prescription recorded). */
  prescriber: Prescriber | null;
  consent: EnrolmentConsent | null;
  /** Per-rule overrides of the programme's defaults (alerts/config.ts). */
  thresholds: RuleOverrides | null;
  createdBy: string;
}

export interface EnrolmentRecord extends NewEnrolment {
  id: string;
  createdAt: string;
  /** Set when someone ended it (end then holds the day it ended). */
  endedBy: string | null;
  endedAt: string | null;
}

export type EnrolResult =
  | { outcome: 'enrolled'; enrolment: EnrolmentRecord }
  | { outcome: 'overlap'; existing: EnrolmentRecord }
  | { outcome: 'refused'; reason: string };

export type EndEnrolmentResult =
  | { outcome: 'ended'; enrolment: EnrolmentRecord }
  | { outcome: 'not-found' }
  | { outcome: 'already-ended'; enrolment: EnrolmentRecord }
  | { outcome: 'refused'; reason: string };

const endMs = (e: Pick<NewEnrolment, 'end'>): number => (e.end === null ? Number.POSITIVE_INFINITY : Date.parse(e.end));

/** Two periods [start, end) share an instant. */
export function periodsOverlap(a: Pick<NewEnrolment, 'start' | 'end'>, b: Pick<NewEnrolment, 'start' | 'end'>): boolean {
  return Date.parse(a.start) < endMs(b) && Date.parse(b.start) < endMs(a);
}

/** Whether the enrolment's period holds the instant `at` (epoch ms). */
export function enrolmentCovers(e: Pick<NewEnrolment, 'start' | 'end'>, at: number): boolean {
  return Date.parse(e.start) <= at && at < endMs(e);
}

/** Why a new enrolment cannot be stored as given (the shape is checked at the route), or null. */
export function enrolmentProblem(e: NewEnrolment): string | null {
  const start = Date.parse(e.start);
  if (Number.isNaN(start)) return `start is not a date-time: ${e.start}`;
  if (e.end !== null) {
    const end = Date.parse(e.end);
    if (Number.isNaN(end)) return `end is not a date-time: ${e.end}`;
    if (end <= start) return `end (${e.end}) must be after start (${e.start})`;
  }
  if (e.consent?.givenBy === 'representative' && !e.consent.representative)
    return 'consent given by a representative: name the representative';
  return null;
}
