/**
 * What the cloud keeps about teleconsultations (in both stores): one row per act with who, when,
 * which cart and patient, duration and outcome; and an append-only audit trail of every event
 * (logins, calls, joins, hang-ups, refusals).
 */

import type { TeleconsultStatus } from '@telecart/protocol';
import type { Role } from '../auth/permissions.js';

/**
 * The consent recorded with the act (CSP R.6316-2): the patient's, or their representative's (legal
 * representative, personne de confiance) with name and relation; oral or written; when the nurse
 * confirmed it, and who did when the cart knows. Null only for acts recorded before migration 6.
 */
export interface ConsentRecord {
  by: 'patient' | 'representative';
  method: 'oral' | 'written';
  representative: { name: string; relation: string } | null;
  collectedAt: string;
  collectedBy: string | null;
}

export interface TeleconsultationRecord {
  sessionId: string;
  gatewayId: string;
  patientId: string;
  patientIns: string | null;
  /** Whom the nurse asked for, if anyone in particular. */
  requestedSpecialistId: string | null;
  /** Who joined. */
  specialistId: string | null;
  specialistName: string | null;
  reason: string | null;
  consent: ConsentRecord | null;
  status: TeleconsultStatus;
  /** Why it ended as it did, e.g. `hangup-specialist`, `no-join-timeout`, `connect-timeout`, `cancelled-by-nurse`. */
  outcome: string | null;
  createdAt: string;
  joinedAt: string | null;
  /** First time the cart's peer reported the connection up. */
  connectedAt: string | null;
  endedAt: string | null;
  /** connectedAt → endedAt, null when the media never came up. */
  durationMs: number | null;
  updatedAt: string;
}

/**
 * What the relay needs to take an open act (waiting, in progress) back after a restart
 * (migration 16): kept on the act's row, written on every change the relay makes.
 */
export interface RelayState {
  /** In progress: the joined specialist's page is there or awaited; null while waiting. */
  link: 'present' | 'reconnecting' | null;
  /** When the page went away (reconnecting). */
  lostAt: string | null;
  /** When the rejoin window ends (reconnecting). */
  rejoinUntil: string | null;
  /** When a waiting act ends unjoined. */
  waitingUntil: string | null;
}

export interface TeleconsultationQuery {
  /** Only these carts (the specialist's); undefined = all. */
  gatewayIds?: readonly string[];
  /** Gateway id patterns (`cart-*`, `*`) the carts must match; undefined = all. */
  gatewayPatterns?: readonly string[];
  status?: readonly TeleconsultStatus[];
  patientId?: string;
  specialistId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

/** An account's role (auth/permissions.ts), or who else acts ('nurse': a nurse signed in on a cart). */
export type AuditActorRole = Role | 'nurse' | 'gateway' | 'system' | 'anonymous';

export interface AuditEventInput {
  at: string;
  actor: string;
  actorRole: AuditActorRole;
  /** e.g. login, login-failed, login-throttled, logout, call, call-refused, consent, call-cancel, join, join-refused, connected, hangup, status, timeout */
  action: string;
  sessionId?: string | null;
  gatewayId?: string | null;
  patientId?: string | null;
  detail?: string | null;
}

export interface AuditEvent extends Required<AuditEventInput> {
  id: number;
  sessionId: string | null;
  gatewayId: string | null;
  patientId: string | null;
  detail: string | null;
}

export interface AuditQuery {
  sessionId?: string;
  actor?: string;
  gatewayId?: string;
  patientId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

/** SQL LIKE pattern of a gateway pattern (`cart-*` → `cart-%`, with LIKE's own wildcards escaped). */
export function gatewayLike(pattern: string): string {
  const esc = pattern.replace(/[\\%_]/g, (c) => `\\${c}`);
  return esc.endsWith('*') ? `${esc.slice(0, -1)}%` : esc;
}

/** The consent columns of a teleconsultations row (both stores; timestamps already ISO strings). */
export interface ConsentColumns {
  consent_by: string | null;
  consent_method: string | null;
  consent_representative_name: string | null;
  consent_representative_relation: string | null;
  consent_collected_at: string | null;
  consent_collected_by: string | null;
}

/** The row's consent; null for an act recorded before migration 6 (the columns are all null there). */
export function consentFromColumns(c: ConsentColumns): ConsentRecord | null {
  if (c.consent_by === null || c.consent_method === null || c.consent_collected_at === null) return null;
  return {
    by: c.consent_by === 'representative' ? 'representative' : 'patient',
    method: c.consent_method === 'written' ? 'written' : 'oral',
    representative:
      c.consent_representative_name !== null && c.consent_representative_relation !== null
        ? { name: c.consent_representative_name, relation: c.consent_representative_relation }
        : null,
    collectedAt: c.consent_collected_at,
    collectedBy: c.consent_collected_by,
  };
}

/** The values of the six consent columns, in their order in the INSERTs. */
export function consentToColumns(
  c: ConsentRecord | null,
): [string | null, string | null, string | null, string | null, string | null, string | null] {
  return [
    c?.by ?? null,
    c?.method ?? null,
    c?.representative?.name ?? null,
    c?.representative?.relation ?? null,
    c?.collectedAt ?? null,
    c?.collectedBy ?? null,
  ];
}
