/**
 * Appointments (migration 11) in both stores, through Kysely: the booked columns of the
 * teleconsultations row (appointment-records.ts says why one row).
 *
 * Booking, rescheduling and claiming check for overlaps and then write: two bookings for the same
 * cart must not both pass the check. They run one at a time in this process, and on PostgreSQL
 * inside a transaction holding an advisory lock, so that other cloud processes wait too. SQLite
 * runs no Kysely transaction (its connection is shared with the store's own transactions): one
 * process writes its appointments.
 */
import { TELECONSULT_STATUSES, type TeleconsultStatus } from '@telecart/protocol';
import type { ColumnType, Expression, Kysely, Selectable, SqlBool } from 'kysely';
import { sql } from 'kysely';
import { ACTIVE_STATUSES, transition } from '../teleconsult/status-machine.js';
import type {
  AppointmentBooking,
  AppointmentClaim,
  AppointmentQuery,
  AppointmentRecord,
  BookResult,
  ChangeResult,
} from './appointment-records.js';
import { clampLimit, clampOffset } from './query.js';
import type { StoreDialect } from './store-dialect.js';
import { consentToColumns } from './teleconsult-records.js';
import type { TeleconsultationsTable } from './teleconsult-tables.js';

type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
type NullableMs = ColumnType<number | null, number | null | undefined, number | null | undefined>;

interface AppointmentColumns {
  appointment_id: string | null;
  appointment_patient_id: string | null;
  appointment_start: NullableTime;
  appointment_start_ms: NullableMs;
  appointment_end: NullableTime;
  appointment_end_ms: NullableMs;
  appointment_specialty: string | null;
  appointment_booked_by: string | null;
}

export interface AppointmentDatabase {
  teleconsultations: TeleconsultationsTable & AppointmentColumns;
}

type Row = Selectable<TeleconsultationsTable & AppointmentColumns>;
type Db = Kysely<AppointmentDatabase>;

/** Arbitrary constant naming the appointments lock (pg_advisory_xact_lock). */
const APPOINTMENT_LOCK = 0x0a990171;

const STATUSES = new Set<string>(TELECONSULT_STATUSES);

export class AppointmentTables {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly d: StoreDialect,
  ) {}

  async book(b: AppointmentBooking): Promise<BookResult> {
    return this.serial(async (db) => {
      const other = await this.overlapping(db, b.gatewayId, b.patientId, b.start, b.end, null);
      if (other) return { ok: false, error: 'overlap', other };
      const d = this.d;
      await db
        .insertInto('teleconsultations')
        .values({
          session_id: b.id,
          gateway_id: b.gatewayId,
          patient_id: b.localPatientId,
          patient_ins: b.patientIns,
          requested_specialist_id: b.specialistId,
          specialist_id: null,
          specialist_name: null,
          reason: b.reason,
          status: 'scheduled',
          outcome: null,
          created_at: b.at,
          created_ms: d.ms(b.at),
          joined_at: null,
          connected_at: null,
          ended_at: null,
          duration_ms: null,
          updated_at: b.at,
          appointment_id: b.id,
          appointment_patient_id: b.patientId,
          appointment_start: b.start,
          appointment_start_ms: d.ms(b.start),
          appointment_end: b.end,
          appointment_end_ms: d.ms(b.end),
          appointment_specialty: b.specialty,
          appointment_booked_by: b.bookedBy,
        })
        .execute();
      const appointment = await this.byId(db, b.id);
      if (!appointment) throw new Error(`appointment ${b.id} not found after its insert`);
      return { ok: true, appointment };
    });
  }

  /** A scheduled appointment moved to another slot (the same cart, patient and specialist). */
  async reschedule(id: string, start: string, end: string, at: string): Promise<ChangeResult> {
    return this.serial(async (db) => {
      const a = await this.byId(db, id);
      if (!a) return { ok: false, error: 'not-found' };
      if (a.status !== 'scheduled')
        return { ok: false, error: 'bad-status', appointment: a, message: `the appointment is ${a.status}: only a scheduled one moves` };
      const other = await this.overlapping(db, a.gatewayId, a.patientId, start, end, id);
      if (other) return { ok: false, error: 'overlap', other };
      const d = this.d;
      await db
        .updateTable('teleconsultations')
        .set({
          appointment_start: start,
          appointment_start_ms: d.ms(start),
          appointment_end: end,
          appointment_end_ms: d.ms(end),
          updated_at: at,
        })
        .where('appointment_id', '=', id)
        .where('status', '=', 'scheduled')
        .execute();
      return { ok: true, appointment: (await this.byId(db, id)) ?? a };
    });
  }

  /** Cancelled, or not done with its reason (no-show, technical failure): the status machine decides. */
  async close(id: string, to: 'cancelled' | 'not-done', outcome: string, at: string): Promise<ChangeResult> {
    return this.serial(async (db) => {
      const a = await this.byId(db, id);
      if (!a) return { ok: false, error: 'not-found' };
      // Only before the call: once the act is waiting or in progress, the relay (nurse, specialist) ends it.
      const t = a.status === 'scheduled' ? transition(a.status, to) : { ok: false as const, error: `the act is already ${a.status}` };
      if (!t.ok) return { ok: false, error: 'bad-status', appointment: a, message: t.error };
      await db
        .updateTable('teleconsultations')
        .set({ status: to, outcome, ended_at: at, updated_at: at })
        .where('appointment_id', '=', id)
        .where('status', '=', 'scheduled')
        .execute();
      return { ok: true, appointment: (await this.byId(db, id)) ?? a };
    });
  }

  /**
   * The cart calls for a patient: the scheduled appointment of this cart and patient whose start
   * is within the window around now (the nearest) becomes the act: the call's session id, its
   * consent, status waiting. Null when none is due.
   */
  async claim(c: AppointmentClaim): Promise<AppointmentRecord | null> {
    return this.serial(async (db) => {
      const d = this.d;
      const start = d.timeRef('appointment_start', 'appointment_start_ms');
      const nowMs = c.at.getTime();
      const rows = await db
        .selectFrom('teleconsultations')
        .selectAll()
        .where('appointment_id', 'is not', null)
        .where('gateway_id', '=', c.gatewayId)
        .where('appointment_patient_id', '=', c.patientId)
        .where('status', '=', 'scheduled')
        .where(start, '>=', d.time(new Date(nowMs - c.lateMs)))
        .where(start, '<=', d.time(new Date(nowMs + c.earlyMs)))
        .execute();
      const due = rows
        .map((r) => this.fromRow(r))
        .sort((x, y) => Math.abs(Date.parse(x.start) - nowMs) - Math.abs(Date.parse(y.start) - nowMs))[0];
      if (!due) return null;
      const [by, method, repName, repRelation, collectedAt, collectedBy] = consentToColumns(c.consent);
      const at = c.at.toISOString();
      await db
        .updateTable('teleconsultations')
        .set({
          session_id: c.sessionId,
          patient_id: c.localPatientId,
          status: 'waiting',
          updated_at: at,
          consent_by: by,
          consent_method: method,
          consent_representative_name: repName,
          consent_representative_relation: repRelation,
          consent_collected_at: collectedAt,
          consent_collected_by: collectedBy,
        })
        .where('appointment_id', '=', due.id)
        .where('status', '=', 'scheduled')
        .execute();
      return this.byId(db, due.id);
    });
  }

  async get(id: string): Promise<AppointmentRecord | null> {
    return this.byId(this.db, id);
  }

  /** The appointment an act was booked as, if it was. */
  async ofSession(sessionId: string): Promise<AppointmentRecord | null> {
    if (!this.d.canBeKey(sessionId)) return null;
    const row = await this.db
      .selectFrom('teleconsultations')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('appointment_id', 'is not', null)
      .executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  /** By start time, earliest first. */
  async list(q: AppointmentQuery): Promise<AppointmentRecord[]> {
    const d = this.d;
    const start = d.timeRef('appointment_start', 'appointment_start_ms');
    const rows = await this.db
      .selectFrom('teleconsultations')
      .selectAll()
      .where((eb) => {
        const conds: Expression<SqlBool>[] = [eb('appointment_id', 'is not', null)];
        if (q.gatewayIds !== undefined) conds.push(d.inList('gateway_id', q.gatewayIds));
        if (q.gatewayPatterns !== undefined) conds.push(d.matchesAny('gateway_id', q.gatewayPatterns));
        if (q.status !== undefined) conds.push(d.inList('status', q.status));
        if (q.patientId !== undefined) conds.push(eb('appointment_patient_id', '=', q.patientId));
        if (q.specialistId !== undefined) conds.push(eb('requested_specialist_id', '=', q.specialistId));
        if (q.from !== undefined) conds.push(eb(start, '>=', d.time(q.from)));
        if (q.to !== undefined) conds.push(eb(start, '<=', d.time(q.to)));
        return eb.and(conds);
      })
      .orderBy(start)
      .orderBy('appointment_id')
      .limit(clampLimit(q.limit))
      .offset(clampOffset(q.offset))
      .execute();
    return rows.map((r) => this.fromRow(r));
  }

  /** An active appointment of the same cart or the same patient whose slot meets [start, end). */
  private async overlapping(
    db: Db,
    gatewayId: string,
    patientId: string,
    startIso: string,
    endIso: string,
    except: string | null,
  ): Promise<AppointmentRecord | null> {
    const d = this.d;
    const start = d.timeRef('appointment_start', 'appointment_start_ms');
    const end = d.timeRef('appointment_end', 'appointment_end_ms');
    const row = await db
      .selectFrom('teleconsultations')
      .selectAll()
      .where((eb) => {
        const conds: Expression<SqlBool>[] = [
          eb('appointment_id', 'is not', null),
          d.inList('status', ACTIVE_STATUSES),
          eb.or([eb('gateway_id', '=', gatewayId), eb('appointment_patient_id', '=', patientId)]),
          eb(start, '<', d.time(new Date(endIso))),
          eb(end, '>', d.time(new Date(startIso))),
        ];
        if (except !== null) conds.push(eb('appointment_id', '<>', except));
        return eb.and(conds);
      })
      .orderBy(start)
      .limit(1)
      .executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  private async byId(db: Db, id: string): Promise<AppointmentRecord | null> {
    if (!this.d.canBeKey(id)) return null;
    const row = await db.selectFrom('teleconsultations').selectAll().where('appointment_id', '=', id).executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  /** One change at a time (this process); on PostgreSQL in a transaction holding the appointments lock (every process). */
  private serial<T>(op: (db: Db) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.d.kind !== 'postgres') return op(this.db);
      return this.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${APPOINTMENT_LOCK})`.execute(trx);
        return op(trx);
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private fromRow(r: Row): AppointmentRecord {
    const d = this.d;
    const iso = (v: string | Date | null) => (v === null ? '' : d.iso(v));
    return {
      id: r.appointment_id ?? '',
      sessionId: r.session_id,
      gatewayId: r.gateway_id,
      patientId: r.appointment_patient_id ?? '',
      localPatientId: r.patient_id,
      start: iso(r.appointment_start),
      end: iso(r.appointment_end),
      specialistId: r.requested_specialist_id,
      specialty: r.appointment_specialty,
      reason: r.reason,
      status: STATUSES.has(r.status) ? (r.status as TeleconsultStatus) : 'not-done',
      outcome: r.outcome,
      bookedBy: r.appointment_booked_by ?? '',
      bookedAt: d.iso(r.created_at),
      updatedAt: d.iso(r.updated_at),
    };
  }
}
