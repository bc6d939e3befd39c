/**
 * Where the alert engine finds who is enrolled: the store's enrolments (migration 19), read at
 * each judgement and each check, so an enrolment made or ended through the API (or by another
 * cloud process on the same database) counts without a restart. A fixed map serves tests and
 * callers that have no store enrolments.
 */
import type { CloudStore } from '../store/cloud-store.js';
import type { EnrolmentRecord } from '../store/enrolment-records.js';
import { type PatientEnrollment, resolveEnrollment } from './config.js';

export interface EnrolmentSource {
  /** The patient's enrolments, whatever their period (a late reading is judged by its own time). */
  ofPatient(patientId: string): Promise<PatientEnrollment[]>;
  /** The enrolments whose period holds `at` (epoch ms). */
  activeAt(at: number): Promise<PatientEnrollment[]>;
}

/**
 * The start recorded for a configuration enrolment without `since`: no start is known, so every
 * reading is judged and non-transmission counts from the engine's start (as before the enrolments).
 */
export const UNKNOWN_START = '1970-01-01T00:00:00.000Z';

/** The engine's view of a stored enrolment: its programme's rules with its overrides, its period. */
export function enrollmentOfRecord(r: EnrolmentRecord): PatientEnrollment {
  const e = resolveEnrollment(r.patientId, { programme: r.programme, ...(r.thresholds ? { thresholds: r.thresholds } : {}) });
  const sinceMs = r.start === UNKNOWN_START ? null : Date.parse(r.start);
  return { ...e, sinceMs, endMs: r.end === null ? null : Date.parse(r.end) };
}

export function storeEnrolments(store: Pick<CloudStore, 'patientEnrolments' | 'activeEnrolments'>): EnrolmentSource {
  return {
    async ofPatient(patientId) {
      return (await store.patientEnrolments(patientId)).map(enrollmentOfRecord);
    },
    async activeAt(at) {
      return (await store.activeEnrolments(new Date(at))).map(enrollmentOfRecord);
    },
  };
}

/** One enrolment per patient, fixed for the engine's life. */
export function fixedEnrolments(map: ReadonlyMap<string, PatientEnrollment>): EnrolmentSource {
  return {
    ofPatient: async (patientId) => {
      const e = map.get(patientId);
      return e ? [e] : [];
    },
    activeAt: async (at) => [...map.values()].filter((e) => e.endMs == null || at < e.endMs),
  };
}

export function isEnrolmentSource(v: ReadonlyMap<string, PatientEnrollment> | EnrolmentSource): v is EnrolmentSource {
  return !(v instanceof Map);
}
