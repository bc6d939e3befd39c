/**
 * A join link (migration 15): only the token's SHA-256 is stored, the act it opens, when it stops
 * opening it, and the device it is bound to once opened. Migration 21: whose link it is (the home
 * act's patient, or a guest the specialist invited into a running act) and whether it was withdrawn.
 */
export type ActLinkRole = 'patient' | 'guest';

export interface ActLinkRecord {
  tokenSha256: string;
  /** The act the link opens, and only that one: the appointment (patient), the act's session id (guest). */
  appointmentId: string;
  patientId: string;
  createdAt: string;
  expiresAt: string;
  /** SHA-256 of the secret of the first device that opened it; null until then. */
  deviceSha256: string | null;
  boundAt: string | null;
  role: ActLinkRole;
  /** The guest's name as the specialist gave it (GP, relative, interpreter); null for the patient. */
  guestName: string | null;
  /** When the specialist removed the participant: the link is refused from then on. */
  revokedAt: string | null;
  /** Migration 30: when the specialist let the participant in (a guest back after a restart is let in again); null before. */
  admittedAt: string | null;
}
