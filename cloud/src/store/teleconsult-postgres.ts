/** The teleconsultation and audit tables of the PostgreSQL store (migration 2; consent columns, migration 6). */
import type { TeleconsultStatus } from '@telecart/protocol';
import type pg from 'pg';
import { clampLimit, clampOffset } from './query.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditQuery,
  consentFromColumns,
  consentToColumns,
  gatewayLike,
  type TeleconsultationQuery,
  type TeleconsultationRecord,
} from './teleconsult-records.js';

type SqlParam = string | number | Date | null | readonly string[];

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
  created_at: Date;
  joined_at: Date | null;
  connected_at: Date | null;
  ended_at: Date | null;
  duration_ms: string | null;
  updated_at: Date;
  consent_by: string | null;
  consent_method: string | null;
  consent_representative_name: string | null;
  consent_representative_relation: string | null;
  consent_collected_at: Date | null;
  consent_collected_by: string | null;
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actor_role: string;
  action: string;
  session_id: string | null;
  gateway_id: string | null;
  patient_id: string | null;
  detail: string | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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
    consent: consentFromColumns({ ...r, consent_collected_at: iso(r.consent_collected_at) }),
    status: r.status as TeleconsultStatus,
    outcome: r.outcome,
    createdAt: r.created_at.toISOString(),
    joinedAt: iso(r.joined_at),
    connectedAt: iso(r.connected_at),
    endedAt: iso(r.ended_at),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    updatedAt: r.updated_at.toISOString(),
  };
}

class Where {
  readonly conds: string[] = [];
  readonly params: SqlParam[] = [];
  add(cond: (p: string) => string, value: SqlParam): void {
    this.params.push(value);
    this.conds.push(cond(`$${this.params.length}`));
  }
  get sql(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}

export class PostgresTeleconsultTables {
  constructor(private readonly pool: pg.Pool) {}

  async upsert(t: TeleconsultationRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO teleconsultations (session_id, gateway_id, patient_id, patient_ins, requested_specialist_id, specialist_id,
         specialist_name, reason, status, outcome, created_at, joined_at, connected_at, ended_at, duration_ms, updated_at,
         consent_by, consent_method, consent_representative_name, consent_representative_relation, consent_collected_at,
         consent_collected_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
       ON CONFLICT (session_id) DO UPDATE SET
         specialist_id = excluded.specialist_id, specialist_name = excluded.specialist_name, status = excluded.status,
         outcome = excluded.outcome, joined_at = excluded.joined_at, connected_at = excluded.connected_at,
         ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, updated_at = excluded.updated_at`,
      [
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
        t.joinedAt,
        t.connectedAt,
        t.endedAt,
        t.durationMs,
        t.updatedAt,
        ...consentToColumns(t.consent),
      ],
    );
  }

  async get(sessionId: string): Promise<TeleconsultationRecord | null> {
    if (!UUID.test(sessionId)) return null;
    const res = await this.pool.query<TeleconsultRow>('SELECT * FROM teleconsultations WHERE session_id = $1', [sessionId]);
    const row = res.rows[0];
    return row ? fromRow(row) : null;
  }

  async list(q: TeleconsultationQuery): Promise<TeleconsultationRecord[]> {
    const w = new Where();
    if (q.gatewayIds !== undefined) w.add((p) => `gateway_id = ANY(${p}::text[])`, q.gatewayIds);
    if (q.gatewayPatterns !== undefined) w.add((p) => `gateway_id LIKE ANY(${p}::text[])`, q.gatewayPatterns.map(gatewayLike));
    if (q.status !== undefined) w.add((p) => `status = ANY(${p}::text[])`, q.status);
    if (q.patientId !== undefined) w.add((p) => `patient_id = ${p}`, q.patientId);
    if (q.specialistId !== undefined) w.add((p) => `specialist_id = ${p}`, q.specialistId);
    if (q.from !== undefined) w.add((p) => `created_at >= ${p}`, q.from);
    if (q.to !== undefined) w.add((p) => `created_at <= ${p}`, q.to);
    const n = w.params.length;
    const res = await this.pool.query<TeleconsultRow>(
      `SELECT * FROM teleconsultations ${w.sql} ORDER BY created_at DESC, session_id LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...w.params, clampLimit(q.limit), clampOffset(q.offset)],
    );
    return res.rows.map(fromRow);
  }

  async append(e: AuditEventInput): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_events (at, actor, actor_role, action, session_id, gateway_id, patient_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.at, e.actor, e.actorRole, e.action, e.sessionId ?? null, e.gatewayId ?? null, e.patientId ?? null, e.detail ?? null],
    );
  }

  async audit(q: AuditQuery): Promise<AuditEvent[]> {
    const w = new Where();
    if (q.sessionId !== undefined) {
      if (!UUID.test(q.sessionId)) return [];
      w.add((p) => `session_id = ${p}`, q.sessionId);
    }
    if (q.actor !== undefined) w.add((p) => `actor = ${p}`, q.actor);
    if (q.gatewayId !== undefined) w.add((p) => `gateway_id = ${p}`, q.gatewayId);
    if (q.patientId !== undefined) w.add((p) => `patient_id = ${p}`, q.patientId);
    if (q.from !== undefined) w.add((p) => `at >= ${p}`, q.from);
    if (q.to !== undefined) w.add((p) => `at <= ${p}`, q.to);
    const n = w.params.length;
    const res = await this.pool.query<AuditRow>(`SELECT * FROM audit_events ${w.sql} ORDER BY id LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...w.params,
      clampLimit(q.limit),
      clampOffset(q.offset),
    ]);
    return res.rows.map((r) => ({
      id: Number(r.id),
      at: r.at.toISOString(),
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
