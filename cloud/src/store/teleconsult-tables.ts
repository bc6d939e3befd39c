/**
 * The teleconsultation and audit tables of both stores (migration 2; consent columns, migration 6;
 * the relay's state of open acts, migration 16),
 * through Kysely: one set of queries, the dialect's differences in store-dialect.ts.
 */
import type { TeleconsultStatus } from '@telecart/protocol';
import type { ColumnType, CompiledQuery, Expression, Generated, Kysely, Selectable, SqlBool } from 'kysely';
import { clampLimit, clampOffset } from './query.js';
import type { StoreDialect } from './store-dialect.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditQuery,
  consentFromColumns,
  consentToColumns,
  type RelayState,
  type TeleconsultationQuery,
  type TeleconsultationRecord,
} from './teleconsult-records.js';

/** Written as ISO text; read back as that text (SQLite) or a Date (PostgreSQL timestamptz). */
type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
/** SQLite only: the epoch-ms twin of a time (absent on PostgreSQL: written as undefined, skipped). */
type Ms = ColumnType<number, number | undefined, number | undefined>;

export interface TeleconsultationsTable {
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
  created_at: Time;
  created_ms: Ms;
  joined_at: NullableTime;
  connected_at: NullableTime;
  ended_at: NullableTime;
  /** int8 on PostgreSQL: read back as text. */
  duration_ms: ColumnType<number | string | null, number | null, number | null>;
  updated_at: Time;
  consent_by: string | null;
  consent_method: string | null;
  consent_representative_name: string | null;
  consent_representative_relation: string | null;
  consent_collected_at: NullableTime;
  consent_collected_by: string | null;
  /** The relay's state of an open act (migration 16). */
  relay_link: string | null;
  relay_lost_at: NullableTime;
  relay_rejoin_until: NullableTime;
  relay_waiting_until: NullableTime;
}

export interface AuditEventsTable {
  id: Generated<number | string>;
  at: Time;
  at_ms: Ms;
  actor: string;
  actor_role: string;
  action: string;
  session_id: string | null;
  gateway_id: string | null;
  patient_id: string | null;
  detail: string | null;
}

export interface TeleconsultDatabase {
  teleconsultations: TeleconsultationsTable;
  audit_events: AuditEventsTable;
}

export class TeleconsultTables {
  constructor(
    private readonly db: Kysely<TeleconsultDatabase>,
    private readonly d: StoreDialect,
  ) {}

  async upsert(t: TeleconsultationRecord): Promise<void> {
    const [by, method, repName, repRelation, collectedAt, collectedBy] = consentToColumns(t.consent);
    await this.db
      .insertInto('teleconsultations')
      .values({
        session_id: t.sessionId,
        gateway_id: t.gatewayId,
        patient_id: t.patientId,
        patient_ins: t.patientIns,
        requested_specialist_id: t.requestedSpecialistId,
        specialist_id: t.specialistId,
        specialist_name: t.specialistName,
        reason: t.reason,
        status: t.status,
        outcome: t.outcome,
        created_at: t.createdAt,
        created_ms: this.d.ms(t.createdAt),
        joined_at: t.joinedAt,
        connected_at: t.connectedAt,
        ended_at: t.endedAt,
        duration_ms: t.durationMs,
        updated_at: t.updatedAt,
        consent_by: by,
        consent_method: method,
        consent_representative_name: repName,
        consent_representative_relation: repRelation,
        consent_collected_at: collectedAt,
        consent_collected_by: collectedBy,
      })
      // The act's identity, patient, reason and consent are set once; what happens next updates.
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet((eb) => ({
          specialist_id: eb.ref('excluded.specialist_id'),
          specialist_name: eb.ref('excluded.specialist_name'),
          status: eb.ref('excluded.status'),
          outcome: eb.ref('excluded.outcome'),
          joined_at: eb.ref('excluded.joined_at'),
          connected_at: eb.ref('excluded.connected_at'),
          ended_at: eb.ref('excluded.ended_at'),
          duration_ms: eb.ref('excluded.duration_ms'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async get(sessionId: string): Promise<TeleconsultationRecord | null> {
    if (!this.d.canBeKey(sessionId)) return null;
    const row = await this.db.selectFrom('teleconsultations').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  async list(q: TeleconsultationQuery): Promise<TeleconsultationRecord[]> {
    const d = this.d;
    const created = d.timeRef('created_at', 'created_ms');
    const rows = await this.db
      .selectFrom('teleconsultations')
      .selectAll()
      .where((eb) => {
        const conds: Expression<SqlBool>[] = [];
        if (q.gatewayIds !== undefined) conds.push(d.inList('gateway_id', q.gatewayIds));
        if (q.gatewayPatterns !== undefined) conds.push(d.matchesAny('gateway_id', q.gatewayPatterns));
        if (q.status !== undefined) conds.push(d.inList('status', q.status));
        if (q.patientId !== undefined) conds.push(eb('patient_id', '=', q.patientId));
        if (q.specialistId !== undefined) conds.push(eb('specialist_id', '=', q.specialistId));
        if (q.from !== undefined) conds.push(eb(created, '>=', d.time(q.from)));
        if (q.to !== undefined) conds.push(eb(created, '<=', d.time(q.to)));
        return eb.and(conds);
      })
      .orderBy(created, 'desc')
      .orderBy('session_id')
      .limit(clampLimit(q.limit))
      .offset(clampOffset(q.offset))
      .execute();
    return rows.map((r) => this.fromRow(r));
  }

  async setRelayState(sessionId: string, s: RelayState | null): Promise<void> {
    if (!this.d.canBeKey(sessionId)) return;
    await this.db
      .updateTable('teleconsultations')
      .set({
        relay_link: s?.link ?? null,
        relay_lost_at: s?.lostAt ?? null,
        relay_rejoin_until: s?.rejoinUntil ?? null,
        relay_waiting_until: s?.waitingUntil ?? null,
      })
      .where('session_id', '=', sessionId)
      .execute();
  }

  async openRelayStates(): Promise<Map<string, RelayState>> {
    const d = this.d;
    const isoOrNull = (v: string | Date | null) => (v === null ? null : d.iso(v));
    const rows = await this.db
      .selectFrom('teleconsultations')
      .select(['session_id', 'relay_link', 'relay_lost_at', 'relay_rejoin_until', 'relay_waiting_until'])
      .where(() => d.inList('status', ['waiting', 'in-progress']))
      .execute();
    const out = new Map<string, RelayState>();
    for (const r of rows) {
      const link = r.relay_link === 'present' || r.relay_link === 'reconnecting' ? r.relay_link : null;
      out.set(r.session_id, {
        link,
        lostAt: isoOrNull(r.relay_lost_at),
        rejoinUntil: isoOrNull(r.relay_rejoin_until),
        waitingUntil: isoOrNull(r.relay_waiting_until),
      });
    }
    return out;
  }

  async append(e: AuditEventInput): Promise<void> {
    await this.db.executeQuery(auditInsert(this.db, this.d, e));
  }

  async audit(q: AuditQuery): Promise<AuditEvent[]> {
    const d = this.d;
    if (q.sessionId !== undefined && !d.canBeKey(q.sessionId)) return [];
    const at = d.timeRef('at', 'at_ms');
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => {
        const conds: Expression<SqlBool>[] = [];
        if (q.sessionId !== undefined) conds.push(eb('session_id', '=', q.sessionId));
        if (q.actor !== undefined) conds.push(eb('actor', '=', q.actor));
        if (q.gatewayId !== undefined) conds.push(eb('gateway_id', '=', q.gatewayId));
        if (q.patientId !== undefined) conds.push(eb('patient_id', '=', q.patientId));
        if (q.from !== undefined) conds.push(eb(at, '>=', d.time(q.from)));
        if (q.to !== undefined) conds.push(eb(at, '<=', d.time(q.to)));
        return eb.and(conds);
      })
      .orderBy('id')
      .limit(clampLimit(q.limit))
      .offset(clampOffset(q.offset))
      .execute();
    return rows.map((r) => ({
      id: d.int(r.id),
      at: d.iso(r.at),
      actor: r.actor,
      actorRole: r.actor_role as AuditEvent['actorRole'],
      action: r.action,
      sessionId: r.session_id,
      gatewayId: r.gateway_id,
      patientId: r.patient_id,
      detail: r.detail,
    }));
  }

  private fromRow(r: Selectable<TeleconsultationsTable>): TeleconsultationRecord {
    const d = this.d;
    const isoOrNull = (v: string | Date | null) => (v === null ? null : d.iso(v));
    return {
      sessionId: r.session_id,
      gatewayId: r.gateway_id,
      patientId: r.patient_id,
      patientIns: r.patient_ins,
      requestedSpecialistId: r.requested_specialist_id,
      specialistId: r.specialist_id,
      specialistName: r.specialist_name,
      reason: r.reason,
      consent: consentFromColumns({ ...r, consent_collected_at: isoOrNull(r.consent_collected_at) }),
      status: r.status as TeleconsultStatus,
      outcome: r.outcome,
      createdAt: d.iso(r.created_at),
      joinedAt: isoOrNull(r.joined_at),
      connectedAt: isoOrNull(r.connected_at),
      endedAt: isoOrNull(r.ended_at),
      durationMs: r.duration_ms === null ? null : d.int(r.duration_ms),
      updatedAt: d.iso(r.updated_at),
    };
  }
}

/** The statement that appends one audit line (TeleconsultTables.append; home-act-media-tables.ts in its own transaction). */
export function auditInsert<DB extends Pick<TeleconsultDatabase, 'audit_events'>>(
  db: Kysely<DB>,
  d: StoreDialect,
  e: AuditEventInput,
): CompiledQuery {
  // Kysely's database type is invariant: the caller's has this table (DB's bound), the statement needs no other.
  return (db as unknown as Kysely<Pick<TeleconsultDatabase, 'audit_events'>>)
    .insertInto('audit_events')
    .values({
      at: e.at,
      at_ms: d.ms(e.at),
      actor: e.actor,
      actor_role: e.actorRole,
      action: e.action,
      session_id: e.sessionId ?? null,
      gateway_id: e.gatewayId ?? null,
      patient_id: e.patientId ?? null,
      detail: e.detail ?? null,
    })
    .compile();
}
