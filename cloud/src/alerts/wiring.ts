/**
 * Starts the alert engine inside the cloud: enrolments from the store (seeded from the configured
 * patients' `telemonitoring`), readings from the ingest.
 */
import type { Logger } from 'pino';
import type { Ingest } from '../ingest/ingest.js';
import type { CloudStore, PatientSeed } from '../store/cloud-store.js';
import { enrollmentsOf, type PatientEnrollment, type TelemonitoringEnrollment } from './config.js';
import { AlertEngine, type Scheduler } from './engine.js';
import { storeEnrolments, UNKNOWN_START } from './enrolment-source.js';

/** A configured patient, possibly enrolled in a telemonitoring programme. */
export type EnrolledPatientSeed = PatientSeed & { telemonitoring?: TelemonitoringEnrollment };

export interface TelemonitoringOptions {
  /** Non-transmission check period, minutes (default 15). */
  checkEveryMinutes?: number;
  /** Clock (epoch ms) and scheduler, for tests. */
  now?: () => number;
  schedule?: Scheduler;
}

/** Validates the enrollments (throws EnrollmentError with the patient and key at fault). */
export function checkEnrollments(patients: readonly EnrolledPatientSeed[] | undefined): Map<string, PatientEnrollment> {
  return enrollmentsOf(patients ?? []);
}

/** Who the configuration's seed is recorded as having enrolled. */
export const CONFIG_ACTOR = 'config';

/**
 * Seeds the store with the configured patients' `telemonitoring`, for setups from before the
 * enrolments: a patient with no enrolment in that programme gets one from `since` (without it,
 * from UNKNOWN_START: every reading is judged, as before), open-ended, with no prescriber nor consent recorded; an open one the configuration seeded
 * takes the configuration's thresholds (the file stays where they are set). An enrolment made or
 * ended through the API is left alone. Returns how many were created.
 */
export async function seedEnrolments(
  store: Pick<CloudStore, 'patientEnrolments' | 'enrol' | 'setEnrolmentThresholds'>,
  patients: readonly { id: string; telemonitoring?: TelemonitoringEnrollment | undefined }[],
): Promise<number> {
  let created = 0;
  for (const p of patients) {
    const t = p.telemonitoring;
    if (!t) continue;
    const same = (await store.patientEnrolments(p.id)).filter((e) => e.programme === t.programme);
    if (same.length === 0) {
      const r = await store.enrol({
        patientId: p.id,
        programme: t.programme,
        start: t.since === undefined ? UNKNOWN_START : new Date(Date.parse(t.since)).toISOString(),
        end: null,
        prescriber: null,
        consent: null,
        thresholds: t.thresholds ?? null,
        createdBy: CONFIG_ACTOR,
      });
      if (r.outcome !== 'enrolled') throw new Error(`patient ${p.id}: the configuration's enrolment was not stored: ${r.outcome}`);
      created++;
      continue;
    }
    for (const e of same)
      if (e.createdBy === CONFIG_ACTOR && e.endedBy === null) await store.setEnrolmentThresholds(e.id, t.thresholds ?? null);
  }
  return created;
}

export async function startAlertEngine(o: {
  store: CloudStore;
  ingest: Pick<Ingest, 'onObservation'>;
  /** The configured patients (validated by checkEnrollments): their `telemonitoring` seeds the store's enrolments. */
  seeds: readonly EnrolledPatientSeed[];
  options?: TelemonitoringOptions;
  logger: Logger;
}): Promise<{ engine: AlertEngine; stop(): Promise<void> }> {
  const now = o.options?.now ?? Date.now;
  const seeded = await seedEnrolments(o.store, o.seeds);
  if (seeded > 0) o.logger.info({ seeded }, 'alerts: enrolments created from the configuration (telemonitoring)');
  const engine = new AlertEngine({
    store: o.store,
    enrollments: storeEnrolments(o.store),
    checkEveryMinutes: o.options?.checkEveryMinutes ?? 15,
    logger: o.logger,
    ...(o.options?.now ? { now: o.options.now } : {}),
    ...(o.options?.schedule ? { schedule: o.options.schedule } : {}),
  });
  const unsubscribe = o.ingest.onObservation(engine.observe);
  try {
    await engine.start();
  } catch (e) {
    unsubscribe();
    await engine.stop();
    throw e;
  }
  o.logger.info({ enrolments: (await o.store.activeEnrolments(new Date(now()))).length }, 'alerts: telemonitoring rules active');
  return {
    engine,
    async stop() {
      unsubscribe();
      await engine.stop();
    },
  };
}
