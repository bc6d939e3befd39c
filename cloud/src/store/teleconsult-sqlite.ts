/** The teleconsultation and audit tables of the SQLite store (migration 2; consent columns, migration 6). */
import type { TeleconsultStatus } from '@telecart/protocol';
import type Database from 'better-sqlite3';
import { clampLimit, clampOffset } from './query.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditQuery,
  consentFromColumns,
  consentToColumns,
  type TeleconsultationQuery,
  type TeleconsultationRecord,
} from './teleconsult-records.js';

type SqlParam = string | number | null;

interface TeleconsultRow {
  session_id: string;
  gateway_id: string;
  patient_id: string;
  patient_ins: string | null;
  requested_specialist_id: string | null;
  specialist_id: string | null;
  specialist_name: string | null;
  reason: string | null;
  status: string;
  outcome: string | null;
  created_at: string;
  joined_at: string | null;
  connected_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  updated_at: string;
  consent_by: string | null;
  consent_method: string | null;
  consent_representative_name: string | null;
  consent_representative_relation: string | null;
  consent_collected_at: string | null;
  consent_collected_by: string | null;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  actor_role: string;
  action: string;
  session_id: string | null;
  gateway_id: string | null;
  patient_id: string | null;
  detail: string | null;
}

function fromRow(r: TeleconsultRow): TeleconsultationRecord {
  return {
    sessionId: r.session_id,
    gatewayId: r.gateway_id,
    patientId: r.patient_id,
    patientIns: r.patient_ins,
    requestedSpecialistId: r.requested_specialist_id,
    specialistId: r.specialist_id,
    specialistName: r.specialist_name,
    reason: r.reason,
    consent: consentFromColumns(r),
    status: r.status as TeleconsultStatus,
    outcome: r.outcome,
    createdAt: r.created_at,
    joinedAt: r.joined_at,
    connectedAt: r.connected_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    updatedAt: r.updated_at,
  };
}

export class SqliteTeleconsultTables {
  constructor(private readonly db: Database.Database) {}

  upsert(t: TeleconsultationRecord): void {
    this.db
      .prepare(
        `INSERT INTO teleconsultations (session_id, gateway_id, patient_id, patient_ins, requested_specialist_id, specialist_id,
           specialist_name, reason, status, outcome, created_at, created_ms, joined_at, connected_at, ended_at, duration_ms, updated_at,
           consent_by, consent_method, consent_representative_name, consent_representative_relation, consent_collected_at,
           consent_collected_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET
           specialist_id = excluded.specialist_id, specialist_name = excluded.specialist_name, status = excluded.status,
           outcome = excluded.outcome, joined_at = excluded.joined_at, connected_at = excluded.connected_at,
           ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, updated_at = excluded.updated_at`,
      )
      .run(
        t.sessionId,
        t.gatewayId,
        t.patientId,
        t.patientIns,
        t.requestedSpecialistId,
        t.specialistId,
        t.specialistName,
        t.reason,
        t.status,
        t.outcome,
        t.createdAt,
        Date.parse(t.createdAt),
        t.joinedAt,
        t.connectedAt,
        t.endedAt,
        t.durationMs,
        t.updatedAt,
        ...consentToColumns(t.consent),
      );
  }

  get(sessionId: string): TeleconsultationRecord | null {
    const row = this.db.prepare('SELECT * FROM teleconsultations WHERE session_id = ?').get(sessionId) as TeleconsultRow | undefined;
    return row ? fromRow(row) : null;
  }

  list(q: TeleconsultationQuery): TeleconsultationRecord[] {
    const conds: string[] = [];
    const params: SqlParam[] = [];
    if (q.gatewayIds !== undefined) {
      conds.push('gateway_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(q.gatewayIds));
    }
    if (q.gatewayPatterns !== undefined) {
      // Gateway ids cannot hold GLOB's other special characters (? [ ]), so a pattern is a GLOB as written.
      conds.push(`(${q.gatewayPatterns.map(() => 'gateway_id GLOB ?').join(' OR ') || '0'})`);
      params.push(...q.gatewayPatterns);
    }
    if (q.status !== undefined) {
      conds.push('status IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(q.status));
    }
    if (q.patientId !== undefined) {
      conds.push('patient_id = ?');
      params.push(q.patientId);
    }
    if (q.specialistId !== undefined) {
      conds.push('specialist_id = ?');
      params.push(q.specialistId);
    }
    if (q.from !== undefined) {
      conds.push('created_ms >= ?');
      params.push(q.from.getTime());
    }
    if (q.to !== undefined) {
      conds.push('created_ms <= ?');
      params.push(q.to.getTime());
    }
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT * FROM teleconsultations ${where} ORDER BY created_ms DESC, session_id LIMIT ? OFFSET ?`)
      .all(...params, clampLimit(q.limit), clampOffset(q.offset)) as TeleconsultRow[];
    return rows.map(fromRow);
  }

  append(e: AuditEventInput): void {
    this.db
      .prepare(
        `INSERT INTO audit_events (at, at_ms, actor, actor_role, action, session_id, gateway_id, patient_id, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.at,
        Date.parse(e.at),
        e.actor,
        e.actorRole,
        e.action,
        e.sessionId ?? null,
        e.gatewayId ?? null,
        e.patientId ?? null,
        e.detail ?? null,
      );
  }

  audit(q: AuditQuery): AuditEvent[] {
    const conds: string[] = [];
    const params: SqlParam[] = [];
    const eq = (col: string, v: string | undefined) => {
      if (v === undefined) return;
      conds.push(`${col} = ?`);
      params.push(v);
    };
    eq('session_id', q.sessionId);
    eq('actor', q.actor);
    eq('gateway_id', q.gatewayId);
    eq('patient_id', q.patientId);
    if (q.from !== undefined) {
      conds.push('at_ms >= ?');
      params.push(q.from.getTime());
    }
    if (q.to !== undefined) {
      conds.push('at_ms <= ?');
      params.push(q.to.getTime());
    }
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT * FROM audit_events ${where} ORDER BY id LIMIT ? OFFSET ?`)
      .all(...params, clampLimit(q.limit), clampOffset(q.offset)) as AuditRow[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      actorRole: r.actor_role as AuditEvent['actorRole'],
      action: r.action,
      sessionId: r.session_id,
      gatewayId: r.gateway_id,
      patientId: r.patient_id,
      detail: r.detail,
    }));
  }
}
