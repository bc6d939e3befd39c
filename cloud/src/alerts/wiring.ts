/** Starts the alert engine inside the cloud: enrollments from the configured patients, readings from the ingest. */
import type { Logger } from 'pino';
import type { Ingest } from '../ingest/ingest.js';
import type { CloudStore, PatientSeed } from '../store/cloud-store.js';
import { enrollmentsOf, type PatientEnrollment, type TelemonitoringEnrollment } from './config.js';
import { AlertEngine, type Scheduler } from './engine.js';

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

export async function startAlertEngine(o: {
  store: CloudStore;
  ingest: Pick<Ingest, 'onObservation'>;
  enrollments: ReadonlyMap<string, PatientEnrollment>;
  options?: TelemonitoringOptions;
  logger: Logger;
}): Promise<{ engine: AlertEngine; stop(): Promise<void> }> {
  const engine = new AlertEngine({
    store: o.store,
    enrollments: o.enrollments,
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
  if (o.enrollments.size > 0) o.logger.info({ patients: o.enrollments.size }, 'alerts: telemonitoring rules active');
  return {
    engine,
    async stop() {
      unsubscribe();
      await engine.stop();
    },
  };
}
