/**
 * The teleconsultation report (compte-rendu) as both stores keep it: versions per act. A draft is
 * edited by the act's specialist; signing freezes it (who, when, the vitals of the act, a SHA-256
 * of all that); a correction is a new draft numbered n+1, and signing it supersedes n, which stays
 * readable. Nothing signed is ever changed or deleted (the stores refuse it, triggers included).
 */
import type { VitalReading } from '../vitals/summary.js';

/** The structured sections the specialist writes (each may be empty while drafting). */
export interface ReportContent {
  reason: string;
  history: string;
  examination: string;
  conclusion: string;
  prescription: string;
  recommendations: string;
}

export type ReportStatus = 'draft' | 'signed';

export interface ReportSignature {
  /** Specialist id. */
  by: string;
  /** Name as shown on the report. */
  name: string;
  at: string;
  /** SHA-256 (hex) of the signed version's canonical text (report/content.ts). */
  contentSha256: string;
}

export interface ReportVersion {
  /** A uuid: the FHIR Composition and DocumentReference id of this version. */
  id: string;
  sessionId: string;
  /** 1, 2, …: a correction is the next number. */
  version: number;
  patientId: string;
  /** The specialist who wrote it (the act's). */
  authorId: string;
  status: ReportStatus;
  content: ReportContent;
  /** The vitals measured during the act, frozen at signing; [] on a draft. */
  vitals: VitalReading[];
  createdAt: string;
  updatedAt: string;
  signature: ReportSignature | null;
}

export interface NewReportDraft {
  id: string;
  sessionId: string;
  patientId: string;
  authorId: string;
  content: ReportContent;
  at: string;
}

export interface ReportSigning {
  sessionId: string;
  version: number;
  vitals: VitalReading[];
  by: string;
  name: string;
  at: string;
  /** Computes the hash of the version as it will be frozen (the store passes the stored content). */
  hash(v: ReportVersion): string;
}

export type ReportRefusal = 'signed' | 'not-found' | 'draft-exists' | 'nothing-signed' | 'exists';

/** A write the report rules forbid: the routes answer 409 (404 for not-found) with this message and audit it. */
export class ReportWriteRefused extends Error {
  constructor(
    readonly reason: ReportRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ReportWriteRefused';
  }
}

/** Which signed reports to list (newest act first, versions ascending within one). */
export interface ReportQuery {
  patientId?: string;
  sessionId?: string;
  /** Only the newest signed version of each act. */
  currentOnly?: boolean;
  limit?: number;
  offset?: number;
}

/** The patient at home, the referring GP, or a cart (its nurse page opens the patient's documents; migration 26). */
export type ReportLinkAudience = 'patient' | 'gp' | 'cart';

/** A download link to one signed version, as stored: the token's hash, never the token. */
export interface ReportLinkRecord {
  tokenSha256: string;
  versionId: string;
  audience: ReportLinkAudience;
  /** Whom it was made for (the GP's name or address), for the audit trail. */
  recipient: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  /** Migration 31: a patient's link asks the date of birth; the wrong answers so far (0 for the others). */
  failedAttempts: number;
  /** When the last wrong answer allowed locked it (the link opens nothing more); null while open. */
  lockedAt: string | null;
}
