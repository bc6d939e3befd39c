/**
 * The vitals measured during an act: the act's patient's readings from the moment the specialist
 * joined (the cart's call when no one joined yet) to its end (now while it lasts), oldest first.
 * Frozen into the report version at signing, so the signed document never changes afterwards.
 */
import { type CloudStore, MAX_PAGE_SIZE } from '../store/cloud-store.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { type VitalReading, vitalOf } from '../vitals/summary.js';

export function actWindow(act: TeleconsultationRecord, now: Date): { from: Date; to: Date } {
  const from = new Date(act.joinedAt ?? act.connectedAt ?? act.createdAt);
  const to = act.endedAt === null ? now : new Date(act.endedAt);
  return { from, to };
}

/** `patientId`: the cloud's id of the act's patient (the act keeps the cart's local id). */
export async function actVitals(
  store: Pick<CloudStore, 'getObservations'>,
  act: TeleconsultationRecord,
  patientId: string,
  now: Date,
): Promise<VitalReading[]> {
  const { from, to } = actWindow(act, now);
  const observations = await store.getObservations({ patientId, from, to, limit: MAX_PAGE_SIZE });
  return observations
    .map(vitalOf)
    .filter((v): v is VitalReading => v !== null)
    .sort((a, b) => a.effective.localeCompare(b.effective) || a.key.localeCompare(b.key));
}
