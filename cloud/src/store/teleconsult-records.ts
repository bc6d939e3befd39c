/**
 * What the cloud keeps about teleconsultations (in both stores): one row per act with who, when,
 * which cart and patient, duration and outcome; and an append-only audit trail of every event
 * (logins, calls, joins, hang-ups, refusals).
 */
import type { TeleconsultStatus } from '@telecart/protocol';

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

export type AuditActorRole = 'specialist' | 'gateway' | 'system' | 'anonymous';

export interface AuditEventInput {
  at: string;
  actor: string;
  actorRole: AuditActorRole;
  /** e.g. login, login-failed, logout, call, call-cancel, join, join-refused, connected, hangup, status, timeout */
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
