/** Each patient with the latest of their five key vitals: what /api/patients and the dashboard show. */
import type { CloudStore, PatientRecord } from '../store/cloud-store.js';
import { summarizeVitals, type VitalsSummary } from './summary.js';

export interface PatientOverview extends PatientRecord {
  vitals: VitalsSummary;
}

/** The overviews of these patients (a reader's, already filtered: nobody else's vitals are read). */
export async function patientOverviews(store: CloudStore, patients: readonly PatientRecord[]): Promise<PatientOverview[]> {
  return Promise.all(patients.map(async (p) => ({ ...p, vitals: summarizeVitals(await store.latestVitals(p.id)) })));
}
