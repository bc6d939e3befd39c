/**
 * Telemonitoring enrolments (migration 19) in both stores, through Kysely.
 *
 * Enrolling checks for an overlapping enrolment of the patient in the programme and then writes:
 * two enrolments must not both pass the check. They run one at a time in this process, and on
 * PostgreSQL inside a transaction holding an advisory lock, so that other cloud processes wait too
 * (the appointments' pattern, appointment-tables.ts).
 */
import { randomUUID } from 'node:crypto';
import { compile, formatIssues } from '@telecart/protocol';
import { type ColumnType, type Kysely, type Selectable, sql } from 'kysely';
import { PROGRAMMES, type Programme, RuleOverrides } from '../alerts/config.js';
import {
  CONSENT_GIVERS,
  CONSENT_METHODS,
  type ConsentGiver,
  type ConsentMethod,
  type EndEnrolmentResult,
  type EnrolmentRecord,
  type EnrolResult,
  enrolmentProblem,
  type NewEnrolment,
  periodsOverlap,
} from './enrolment-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
type NullableMs = ColumnType<number | null, number | null | undefined, number | null | undefined>;

interface EnrolmentsTable {
  id: string;
  patient_id: string;
  programme: string;
  start_at: Time;
  /** SQLite only: the epoch-ms twin (store-dialect.ts). */
  start_ms: ColumnType<number, number | undefined, number | undefined>;
  end_at: NullableTime;
  end_ms: NullableMs;
  prescriber_name: string | null;
  prescriber_rpps: string | null;
  consent_by: string | null;
  consent_at: NullableTime;
  consent_method: string | null;
  consent_given_by: string | null;
  consent_representative: string | null;
  thresholds: string | null;
  created_by: string;
  created_at: Time;
  ended_by: string | null;
  ended_at: NullableTime;
}

export interface EnrolmentDatabase {
  enrolments: EnrolmentsTable;
}

type Db = Kysely<EnrolmentDatabase>;
type Row = Selectable<EnrolmentsTable>;

/** Arbitrary constant naming the enrolments lock (pg_advisory_xact_lock). */
const ENROLMENT_LOCK = 0x0e12011e;

const checkThresholds = compile(RuleOverrides);
const isProgramme = (v: string): v is Programme => (PROGRAMMES as readonly string[]).includes(v);
const isMethod = (v: string | null): v is ConsentMethod => v !== null && (CONSENT_METHODS as readonly string[]).includes(v);
const isGiver = (v: string | null): v is ConsentGiver => v !== null && (CONSENT_GIVERS as readonly string[]).includes(v);

export class EnrolmentTables {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly d: StoreDialect,
  ) {}

  /** Stores the enrolment unless the patient already has one in the programme over part of its period. */
  enrol(e: NewEnrolment, at: Date): Promise<EnrolResult> {
    const problem = enrolmentProblem(e);
    if (problem !== null) return Promise.resolve({ outcome: 'refused', reason: problem });
    return this.serial(async (db) => {
      const existing = await this.overlapping(db, e);
      if (existing) return { outcome: 'overlap', existing };
      const id = randomUUID();
      if (!(await this.insertUnlessOverlap(db, id, e, at))) {
        // Another process enrolled the patient in between (SQLite: the conditional insert saw it).
        const winner = await this.overlapping(db, e);
        if (winner) return { outcome: 'overlap', existing: winner };
        throw new Error(`enrolment of ${e.patientId} in ${e.programme} was not inserted and nothing overlaps`);
      }
      const stored = await this.byId(db, id);
      if (stored === null) throw new Error(`enrolment ${id} did not read back after its insert`);
      return { outcome: 'enrolled', enrolment: stored };
    });
  }

  /** Ends an enrolment at `end` (not after a planned end, after its start); the row stays. */
  end(id: string, end: Date, by: string, at: Date): Promise<EndEnrolmentResult> {
    return this.serial(async (db) => {
      const e = await this.byId(db, id);
      if (e === null) return { outcome: 'not-found' };
      if (e.endedBy !== null) return { outcome: 'already-ended', enrolment: e };
      if (end.getTime() <= Date.parse(e.start))
        return { outcome: 'refused', reason: `end (${end.toISOString()}) must be after the start (${e.start})` };
      if (e.end !== null && end.getTime() > Date.parse(e.end))
        return { outcome: 'refused', reason: `end (${end.toISOString()}) is after the planned end (${e.end}): enrol again instead` };
      const endIso = end.toISOString();
      await db
        .updateTable('enrolments')
        .set({ end_at: endIso, end_ms: this.msTwin(endIso), ended_by: by, ended_at: at.toISOString() })
        .where('id', '=', id)
        .execute();
      const ended = await this.byId(db, id);
      if (ended === null) throw new Error(`enrolment ${id} did not read back after its end`);
      return { outcome: 'ended', enrolment: ended };
    });
  }

  /** The SQLite epoch-ms twin of a time (null for no time); undefined on PostgreSQL, which has no such column. */
  private readonly msTwin = (iso: string | null): number | null | undefined =>
    this.d.kind === 'sqlite' ? (iso === null ? null : Date.parse(iso)) : undefined;

  /** Sets the per-rule overrides of an enrolment (the configuration's seed keeps them in step). */
  async setThresholds(id: string, thresholds: NewEnrolment['thresholds']): Promise<void> {
    if (!this.d.canBeKey(id)) return;
    await this.db
      .updateTable('enrolments')
      .set({ thresholds: thresholds === null ? null : JSON.stringify(thresholds) })
      .where('id', '=', id)
      .execute();
  }

  async get(id: string): Promise<EnrolmentRecord | null> {
    return this.byId(this.db, id);
  }

  /** The patient's enrolments, every programme, ended ones included; by start. */
  async ofPatient(patientId: string): Promise<EnrolmentRecord[]> {
    const rows = await this.db
      .selectFrom('enrolments')
      .selectAll()
      .where('patient_id', '=', patientId)
      .orderBy(this.d.timeRef('start_at', 'start_ms'))
      .orderBy('programme')
      .orderBy('id')
      .execute();
    return rows.map((r) => this.fromRow(r));
  }

  /** Every enrolment whose period holds `at`; by patient then start. */
  async activeAt(at: Date): Promise<EnrolmentRecord[]> {
    const d = this.d;
    const start = d.timeRef('start_at', 'start_ms');
    const end = d.timeRef('end_at', 'end_ms');
    const rows = await this.db
      .selectFrom('enrolments')
      .selectAll()
      .where(sql<boolean>`${start} <= ${d.time(at)}`)
      .where(sql<boolean>`(${end} IS NULL OR ${end} > ${d.time(at)})`)
      .orderBy('patient_id')
      .orderBy(start)
      .orderBy('programme')
      .execute();
    return rows.map((r) => this.fromRow(r));
  }

  /** An enrolment of the patient in the programme sharing an instant with `e`'s period, if any. */
  private async overlapping(db: Db, e: NewEnrolment): Promise<EnrolmentRecord | null> {
    const rows = await db
      .selectFrom('enrolments')
      .selectAll()
      .where('patient_id', '=', e.patientId)
      .where('programme', '=', e.programme)
      .execute();
    return rows.map((r) => this.fromRow(r)).find((o) => periodsOverlap(o, e)) ?? null;
  }

  /**
   * Inserts the row; false when an overlapping one is there. PostgreSQL runs it under the
   * enrolments lock (serial), so a plain insert. SQLite has no lock across connections: the
   * insert carries its own NOT EXISTS, and one statement is atomic there.
   */
  private async insertUnlessOverlap(db: Db, id: string, e: NewEnrolment, at: Date): Promise<boolean> {
    const start = new Date(e.start).toISOString();
    const end = e.end === null ? null : new Date(e.end).toISOString();
    const row = {
      id,
      patient_id: e.patientId,
      programme: e.programme,
      start_at: start,
      end_at: end,
      prescriber_name: e.prescriber?.name ?? null,
      prescriber_rpps: e.prescriber?.rpps ?? null,
      consent_by: e.consent?.collectedBy ?? null,
      consent_at: e.consent ? new Date(e.consent.collectedAt).toISOString() : null,
      consent_method: e.consent?.method ?? null,
      consent_given_by: e.consent?.givenBy ?? null,
      consent_representative: e.consent?.representative ?? null,
      thresholds: e.thresholds === null ? null : JSON.stringify(e.thresholds),
      created_by: e.createdBy,
      created_at: at.toISOString(),
      ended_by: null,
      ended_at: null,
    };
    if (this.d.kind === 'postgres') {
      await db.insertInto('enrolments').values(row).execute();
      return true;
    }
    const values: Record<string, string | number | null> = {
      ...row,
      start_ms: Date.parse(start),
      end_ms: end === null ? null : Date.parse(end),
    };
    const cols = Object.keys(values);
    const r = await sql`INSERT INTO enrolments (${sql.join(cols.map((c) => sql.ref(c)))})
      SELECT ${sql.join(cols.map((c) => sql`${values[c]}`))}
      WHERE NOT EXISTS (
        SELECT 1 FROM enrolments
        WHERE patient_id = ${e.patientId} AND programme = ${e.programme}
          AND (end_ms IS NULL OR end_ms > ${Date.parse(start)})
          ${end === null ? sql`` : sql`AND start_ms < ${Date.parse(end)}`}
      )`.execute(db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  private async byId(db: Db, id: string): Promise<EnrolmentRecord | null> {
    if (!this.d.canBeKey(id)) return null;
    const r = await db.selectFrom('enrolments').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.fromRow(r) : null;
  }

  /** One change at a time (this process); on PostgreSQL in a transaction holding the enrolments lock (every process). */
  private serial<T>(op: (db: Db) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.d.kind !== 'postgres') return op(this.db);
      return this.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${ENROLMENT_LOCK})`.execute(trx);
        return op(trx);
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Rows are written by enrol/end only, checked there; a row that does not read back is an error to see. */
  private fromRow(r: Row): EnrolmentRecord {
    const d = this.d;
    const time = (v: string | Date | null) => (v === null ? null : d.iso(v));
    if (!isProgramme(r.programme)) throw new Error(`enrolment ${r.id}: unknown programme ${r.programme}`);
    let thresholds: EnrolmentRecord['thresholds'] = null;
    if (r.thresholds !== null) {
      const v = checkThresholds.validate(JSON.parse(r.thresholds));
      if (!v.ok) throw new Error(`enrolment ${r.id}: stored thresholds unreadable: ${formatIssues(v.issues)}`);
      thresholds = v.value;
    }
    const consentAt = time(r.consent_at);
    return {
      id: r.id,
      patientId: r.patient_id,
      programme: r.programme,
      start: d.iso(r.start_at),
      end: time(r.end_at),
      prescriber: r.prescriber_name !== null && r.prescriber_rpps !== null ? { name: r.prescriber_name, rpps: r.prescriber_rpps } : null,
      consent:
        r.consent_by !== null && consentAt !== null && isMethod(r.consent_method) && isGiver(r.consent_given_by)
          ? {
              collectedBy: r.consent_by,
              collectedAt: consentAt,
              method: r.consent_method,
              givenBy: r.consent_given_by,
              representative: r.consent_representative,
            }
          : null,
      thresholds,
      createdBy: r.created_by,
      createdAt: d.iso(r.created_at),
      endedBy: r.ended_by,
      endedAt: time(r.ended_at),
    };
  }
}
