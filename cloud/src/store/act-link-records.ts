/**
 * The patient's join link of a home act (migration 15): only the token's SHA-256 is stored, the act
 * it opens, when it stops opening it, and the device it is bound to once opened.
 */
export interface ActLinkRecord {
  tokenSha256: string;
  /** The appointment (the act's stable id) the link opens, and only that one. */
  appointmentId: string;
  patientId: string;
  createdAt: string;
  expiresAt: string;
  /** SHA-256 of the secret of the first device that opened it; null until then. */
  deviceSha256: string | null;
  boundAt: string | null;
}
