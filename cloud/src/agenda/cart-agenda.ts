/**
 * The cart's day as the cloud tells it (protocol CartAgenda): pure, from what the store holds.
 * Every patient is named by this cart's own local id: an appointment not yet claimed holds the
 * cloud's id, mapped back through the patients the cloud assigns to the cart; one it cannot map
 * (the patient was moved to another cart since) is left out rather than named by another id.
 */
import { AGENDA_VERSION, type AgendaAct, type AgendaDocument, type CartAgenda } from '@telecart/protocol';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { ReportVersion } from '../store/report-records.js';

export interface CartDayInput {
  gatewayId: string;
  at: Date;
  day: string;
  timeZone: string;
  /** The day's appointments of this cart, any status. */
  appointments: readonly AppointmentRecord[];
  /** The cart's local id → the cloud's patient id (store.patientsServedBy). */
  served: ReadonlyMap<string, string>;
  /** The specialist's display name, null when unknown. */
  nameOf(specialistId: string): string | null;
  /** Signed versions with the link issued for this cart, by local patient id. */
  documents: readonly { localId: string; version: ReportVersion; url: string; expiresAt: string }[];
  title: string;
}

export function buildCartAgenda(i: CartDayInput): CartAgenda {
  const localOf = new Map([...i.served].map(([local, cloud]) => [cloud, local]));
  const acts: AgendaAct[] = [];
  for (const a of [...i.appointments].sort((x, y) => x.start.localeCompare(y.start))) {
    // Claimed: the act holds the id the cart called with; before: the cloud's, mapped back.
    const patient = a.localPatientId !== a.patientId && a.localPatientId !== '' ? a.localPatientId : localOf.get(a.patientId);
    if (patient === undefined) continue;
    acts.push({
      id: a.id,
      start: a.start,
      end: a.end,
      patient,
      specialist: a.specialistId === null ? null : (i.nameOf(a.specialistId) ?? a.specialistId),
      specialty: a.specialty,
      status: a.status,
      reason: a.reason === null ? null : a.reason.slice(0, 500),
    });
  }
  const documents: AgendaDocument[] = i.documents
    .filter((d) => d.version.signature !== null)
    .map((d) => ({
      id: d.version.id,
      patient: d.localId,
      title: i.title,
      date: d.version.signature?.at ?? d.version.updatedAt,
      signer: d.version.signature?.name ?? d.version.authorId,
      version: d.version.version,
      url: d.url,
      expiresAt: d.expiresAt,
    }))
    .sort((x, y) => y.date.localeCompare(x.date));
  return {
    v: AGENDA_VERSION,
    gatewayId: i.gatewayId,
    at: i.at.toISOString(),
    day: i.day,
    timeZone: i.timeZone,
    acts,
    documents,
  };
}
