/**
 * Where the patient's own messages go, in one place: the directory's contact (migration 32), which
 * the configuration's `patients[].telecom` only seeds at start (docs/patient-directory.md « The
 * patient's contact »). Read by the appointment inviter (invitations, reminders), the identity code
 * (routes/join-identity.ts) and the report's link (outbox/report-link-mailer.ts), each when it builds
 * a message. A contact changed or removed withdraws the invitations and reminders still queued for
 * the former address (withdrawFromFormerContact); the inviter's next round builds them for the new one.
 */
import { cancellationTopic, invitationTopic, reminderTopic } from '../outbox/appointment-messages.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { DirectoryContact } from '../store/patient-contact-tables.js';
import type { Telecom } from '../teleconsult/config.js';

type ContactReader = Pick<CloudStore, 'patientContacts'>;

/** The fields set, as the outbox's callers take them (no key for a field not set). */
export function telecomOfContact(c: DirectoryContact | null | undefined): Telecom | undefined {
  if (!c || (c.email === null && c.phone === null)) return undefined;
  return { ...(c.email !== null ? { email: c.email } : {}), ...(c.phone !== null ? { phone: c.phone } : {}) };
}

/** The patient's e-mail and mobile, if any. */
export async function patientTelecom(store: ContactReader, patientId: string): Promise<Telecom | undefined> {
  return telecomOfContact(await store.patientContacts.get(patientId));
}

/** A patient's address for their messages: how they are greeted, and where. */
export interface PatientAddress extends Telecom {
  name: string;
}

/** The addresses of these patients that have a contact, with the name that greets them (one query). */
export async function patientAddresses(
  store: Pick<CloudStore, 'patientContacts'>,
  patientIds: readonly string[],
): Promise<Map<string, PatientAddress>> {
  const out = new Map<string, PatientAddress>();
  for (const [id, c] of await store.patientContacts.getMany(patientIds)) {
    const telecom = telecomOfContact(c);
    if (telecom) out.set(id, { name: [c.given, c.family].filter(Boolean).join(' ') || id, ...telecom });
  }
  return out;
}

/**
 * Writes the configuration's contacts as the directory's seed: a patient's, while no one set or
 * removed theirs in the directory. How many were written (new, or changed in the file).
 */
export async function seedPatientContacts(
  store: Pick<CloudStore, 'patientContacts'>,
  patients: readonly { id: string; telecom?: Telecom | undefined }[],
  at: Date,
): Promise<number> {
  const contacts = patients.flatMap((p) =>
    p.telecom && (p.telecom.email !== undefined || p.telecom.phone !== undefined)
      ? [{ patientId: p.id, email: p.telecom.email ?? null, phone: p.telecom.phone ?? null }]
      : [],
  );
  return contacts.length === 0 ? 0 : store.patientContacts.seed(contacts, at.toISOString());
}

/** Appointments of one patient looked at for queued messages at most (a home patient has a handful). */
const MAX_APPOINTMENTS = 1000;

/**
 * The patient's contact changed from `before` to `after`: the appointment messages (invitations,
 * their updates and cancellations, reminders) still unsent to an address they no longer have are
 * withdrawn from the outbox, so nothing more reaches the former e-mail or number. What was withdrawn
 * (the inviter, woken, builds them again for the new address: their idempotency keys name it).
 */
export async function withdrawFromFormerContact(
  store: Pick<CloudStore, 'listAppointments' | 'cancelOutboxTo'>,
  patientId: string,
  before: { email: string | null; phone: string | null } | null,
  after: { email: string | null; phone: string | null },
  at: Date,
): Promise<{ topic: string; recipient: string }[]> {
  const former = [
    ...(before?.email && before.email !== after.email ? [before.email] : []),
    ...(before?.phone && before.phone !== after.phone ? [before.phone] : []),
  ];
  if (former.length === 0) return [];
  const appointments = await store.listAppointments({ patientId, limit: MAX_APPOINTMENTS });
  const topics = appointments.flatMap((a) => [invitationTopic(a.id), reminderTopic(a.id), cancellationTopic(a.id)]);
  return store.cancelOutboxTo(topics, former, at);
}
