/**
 * The patient directory (migration 18) in both stores, through Kysely: the patients row's directory
 * columns, the cart link (patient_gateways: what the cart calls the patient) and the movements.
 *
 * Each change reads, decides (directory-records.ts rules), then writes all its statements at once:
 * in the store's own synchronous transaction on SQLite (writeAll), in the Kysely transaction that
 * also holds the directory's advisory lock on PostgreSQL. Changes run one at a time in this process;
 * on PostgreSQL the lock makes other cloud processes wait too.
 */
import { type ColumnType, type CompiledQuery, type Kysely, type Selectable, sql } from 'kysely';
import {
  type Admission,
  type DirectoryPatient,
  type DirectoryResult,
  IDENTITY_STATUSES,
  type IdentityFields,
  type IdentityStatus,
  type LikelyDuplicate,
  likelyDuplicates,
  MOVEMENT_KINDS,
  type MovementKind,
  mergeRefusal,
  type NewDirectoryPatient,
  type PatientMovement,
} from './directory-records.js';
import { periodsOverlap } from './enrolment-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
type Ms = ColumnType<number, number | undefined, number | undefined>;

interface PatientsTable {
  id: string;
  ins: string | null;
  ins_oid: string | null;
  family: string | null;
  given: string | null;
  birth_date: string | null;
  /** SQLite 0/1, PostgreSQL boolean. */
  configured: ColumnType<number | boolean, number | boolean, number | boolean>;
  created_at: Time;
  updated_at: Time;
  identity_status: string | null;
  site_id: string | null;
  gateway_id: string | null;
  admitted_at: NullableTime;
  discharged_at: NullableTime;
  merged_into: string | null;
}

interface MovementsTable {
  id: ColumnType<number | string, never, never>;
  patient_id: string;
  kind: string;
  at: Time;
  at_ms: Ms;
  actor: string;
  from_gateway: string | null;
  to_gateway: string | null;
  site_id: string | null;
  other_patient_id: string | null;
  detail: string | null;
}

export interface DirectoryDatabase {
  patients: PatientsTable;
  patient_movements: MovementsTable;
  patient_gateways: { patient_id: string; gateway_id: string; local_id: string };
  observations: { patient_id: string };
  alert_queue: { patient_id: string };
  alerts: { id: string; patient_id: string; rule: string; status: string; resolved_at: string | null; resolved_by: string | null };
  teleconsultations: { appointment_patient_id: string | null };
  act_links: { patient_id: string };
  enrolments: { id: string; patient_id: string; programme: string; start_at: string | Date; end_at: string | Date | null };
  patient_contacts: { patient_id: string; email: string | null; phone: string | null; updated_at: string | Date; updated_by: string };
}

type Db = Kysely<DirectoryDatabase>;
type PatientRow = Selectable<PatientsTable> & { local_id: string | null };

/** Arbitrary constant naming the directory lock (pg_advisory_xact_lock). */
const DIRECTORY_LOCK = 0x0d12ec70;

const STATUSES = new Set<string>(IDENTITY_STATUSES);
const KINDS = new Set<string>(MOVEMENT_KINDS);

interface MovementInput {
  patientId: string;
  kind: MovementKind;
  at: string;
  by: string;
  fromGateway?: string | null;
  toGateway?: string | null;
  siteId?: string | null;
  otherPatientId?: string | null;
  detail?: string | null;
}

export class DirectoryTables {
  private queue: Promise<unknown> = Promise.resolve();

  /** `writeAll`: runs compiled statements in one synchronous transaction (SQLite); absent, the Kysely transaction does. */
  constructor(
    private readonly db: Db,
    private readonly d: StoreDialect,
    private readonly writeAll?: (queries: readonly CompiledQuery[]) => void,
  ) {}

  async get(id: string): Promise<DirectoryPatient | null> {
    return this.byId(this.db, id);
  }

  /** Every patient, merged ones included (their mergedInto says where they went); by name. */
  async list(): Promise<DirectoryPatient[]> {
    const rows = await this.select(this.db).orderBy('p.family').orderBy('p.given').orderBy('p.id').execute();
    return rows.map((r) => this.fromRow(r));
  }

  /**
   * The patients this cart serves now (admitted to it, or linked to it by the configuration), with
   * what the cart calls them; by local id. Merged patients are never served.
   */
  async onCart(gatewayId: string): Promise<(DirectoryPatient & { localId: string })[]> {
    const rows = await this.db
      .selectFrom('patient_gateways as l')
      .innerJoin('patients as p', 'p.id', 'l.patient_id')
      .selectAll('p')
      .select('l.local_id')
      .where('l.gateway_id', '=', gatewayId)
      .where('p.merged_into', 'is', null)
      .orderBy('l.local_id')
      .execute();
    return rows.map((r) => ({ ...this.fromRow(r), localId: r.local_id }));
  }

  async duplicates(): Promise<LikelyDuplicate[]> {
    return likelyDuplicates(await this.list());
  }

  /** Oldest first. */
  async movements(patientId: string): Promise<PatientMovement[]> {
    const rows = await this.db.selectFrom('patient_movements').selectAll().where('patient_id', '=', patientId).orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      patientId: r.patient_id,
      kind: KINDS.has(r.kind) ? (r.kind as MovementKind) : 'update',
      at: this.d.iso(r.at),
      by: r.actor,
      fromGateway: r.from_gateway,
      toGateway: r.to_gateway,
      siteId: r.site_id,
      otherPatientId: r.other_patient_id,
      detail: r.detail,
    }));
  }

  async create(p: NewDirectoryPatient): Promise<DirectoryResult> {
    return this.serial(async (db, write) => {
      if (await this.byId(db, p.id)) return { ok: false, error: 'conflict', message: `patient ${p.id} already exists` };
      await write([
        db
          .insertInto('patients')
          .values({
            id: p.id,
            ...this.identityColumns(p),
            configured: this.d.kind === 'postgres' ? true : 1,
            created_at: p.at,
            updated_at: p.at,
          })
          .compile(),
        this.movement(db, { patientId: p.id, kind: 'create', at: p.at, by: p.by, detail: `identity ${p.identityStatus}` }),
      ]);
      return this.done(db, p.id, []);
    });
  }

  /** New identity traits (names, birth date, INS and its status); the cart the patient is on gets the new list. */
  async update(id: string, fields: IdentityFields, by: string, at: string): Promise<DirectoryResult> {
    return this.serial(async (db, write) => {
      const p = await this.byId(db, id);
      if (!p) return { ok: false, error: 'not-found', message: `no patient ${id}` };
      if (p.mergedInto !== null) return { ok: false, error: 'refused', message: `${id} was merged into ${p.mergedInto}: update that one` };
      await write([
        db
          .updateTable('patients')
          .set({ ...this.identityColumns(fields), configured: this.d.kind === 'postgres' ? true : 1, updated_at: at })
          .where('id', '=', id)
          .compile(),
        this.movement(db, { patientId: id, kind: 'update', at, by, detail: `identity ${fields.identityStatus}` }),
      ]);
      return this.done(db, id, p.gatewayId === null ? [] : [p.gatewayId]);
    });
  }

  /** Onto a cart: a patient not on one (new, or discharged). One on a cart moves by transfer. */
  async admit(a: Admission): Promise<DirectoryResult> {
    return this.serial(async (db, write) => {
      const p = await this.byId(db, a.patientId);
      if (!p) return { ok: false, error: 'not-found', message: `no patient ${a.patientId}` };
      if (p.mergedInto !== null) return { ok: false, error: 'refused', message: `${p.id} was merged into ${p.mergedInto}: admit that one` };
      if (p.gatewayId !== null)
        return { ok: false, error: 'refused', message: `${p.id} is already on ${p.gatewayId}: transfer it instead` };
      const localId = a.localId ?? p.id;
      const holder = await this.holderOf(db, a.gatewayId, localId);
      if (holder !== null && holder !== p.id)
        return { ok: false, error: 'conflict', message: `${a.gatewayId} already calls ${holder} "${localId}": give another local id` };
      await write([
        ...this.relink(db, p.id, a.gatewayId, localId),
        db
          .updateTable('patients')
          .set({ gateway_id: a.gatewayId, site_id: a.siteId, admitted_at: a.at, discharged_at: null, updated_at: a.at })
          .where('id', '=', p.id)
          .compile(),
        this.movement(db, { patientId: p.id, kind: 'admit', at: a.at, by: a.by, toGateway: a.gatewayId, siteId: a.siteId }),
      ]);
      return this.done(db, p.id, [a.gatewayId]);
    });
  }

  /** From the cart it is on to another (same or another site); the local id goes with it unless a new one is given. */
  async transfer(a: Admission): Promise<DirectoryResult> {
    return this.serial(async (db, write) => {
      const p = await this.byId(db, a.patientId);
      if (!p) return { ok: false, error: 'not-found', message: `no patient ${a.patientId}` };
      if (p.gatewayId === null) return { ok: false, error: 'refused', message: `${p.id} is on no cart: admit it instead` };
      if (p.gatewayId === a.gatewayId) return { ok: false, error: 'refused', message: `${p.id} is already on ${a.gatewayId}` };
      const localId = a.localId ?? p.localId ?? p.id;
      const holder = await this.holderOf(db, a.gatewayId, localId);
      if (holder !== null && holder !== p.id)
        return { ok: false, error: 'conflict', message: `${a.gatewayId} already calls ${holder} "${localId}": give another local id` };
      await write([
        ...this.relink(db, p.id, a.gatewayId, localId),
        db.updateTable('patients').set({ gateway_id: a.gatewayId, site_id: a.siteId, updated_at: a.at }).where('id', '=', p.id).compile(),
        this.movement(db, {
          patientId: p.id,
          kind: 'transfer',
          at: a.at,
          by: a.by,
          fromGateway: p.gatewayId,
          toGateway: a.gatewayId,
          siteId: a.siteId,
        }),
      ]);
      return this.done(db, p.id, [p.gatewayId, a.gatewayId]);
    });
  }

  /** Off its cart: the cart no longer lists it and its readings of it are no longer stored. */
  async discharge(patientId: string, by: string, at: string, reason: string | null): Promise<DirectoryResult> {
    return this.serial(async (db, write) => {
      const p = await this.byId(db, patientId);
      if (!p) return { ok: false, error: 'not-found', message: `no patient ${patientId}` };
      if (p.gatewayId === null) return { ok: false, error: 'refused', message: `${p.id} is on no cart: nothing to discharge` };
      await write([
        db.deleteFrom('patient_gateways').where('patient_id', '=', p.id).compile(),
        db.updateTable('patients').set({ gateway_id: null, discharged_at: at, updated_at: at }).where('id', '=', p.id).compile(),
        this.movement(db, { patientId: p.id, kind: 'discharge', at, by, fromGateway: p.gatewayId, detail: reason }),
      ]);
      return this.done(db, p.id, [p.gatewayId]);
    });
  }

  /**
   * The duplicate into the survivor: its readings, queued judgements, alerts, appointments and join
   * links and its telemonitoring enrolments now name the survivor; an open alert of a rule the survivor also has open is resolved
   * first (the survivor's stays open). The duplicate's row stays, merged into the survivor, off any
   * cart; signed reports keep naming it (they cannot change) and resolve through mergedInto.
   * Refused when both have a qualified INS and they differ, and (409) when both are enrolled in one
   * programme over overlapping periods.
   */
  async merge(survivorId: string, duplicateId: string, by: string, at: string): Promise<DirectoryResult> {
    return this.serial(async (db, write) => {
      const s = await this.byId(db, survivorId);
      const dup = await this.byId(db, duplicateId);
      if (!s) return { ok: false, error: 'not-found', message: `no patient ${survivorId}` };
      if (!dup) return { ok: false, error: 'not-found', message: `no patient ${duplicateId}` };
      const refusal = mergeRefusal(s, dup);
      if (refusal !== null) return { ok: false, error: 'refused', message: refusal };
      // The duplicate's enrolments (prescriptions) go to the survivor, unless both are enrolled in one
      // programme over the same days: which prescription stands is the prescriber's call, not the merge's.
      const enrolments = (
        await db
          .selectFrom('enrolments')
          .select(['id', 'patient_id', 'programme', 'start_at', 'end_at'])
          .where(this.d.inList('patient_id', [s.id, dup.id]))
          .execute()
      ).map((e) => ({ ...e, start: this.d.iso(e.start_at), end: e.end_at === null ? null : this.d.iso(e.end_at) }));
      const dupEnrolments = enrolments.filter((e) => e.patient_id === dup.id);
      for (const e of dupEnrolments) {
        const clash = enrolments.find((o) => o.patient_id === s.id && o.programme === e.programme && periodsOverlap(o, e));
        if (clash)
          return {
            ok: false,
            error: 'conflict',
            message: `${dup.id} and ${s.id} are both enrolled in ${e.programme} over the same days (enrolments ${e.id} and ${clash.id}): end one of them, then merge`,
          };
      }
      const survivorOpen = await db
        .selectFrom('alerts')
        .select('rule')
        .where('patient_id', '=', s.id)
        .where('status', '=', 'open')
        .execute();
      const rules = survivorOpen.map((r) => r.rule);
      const moves = (table: 'observations' | 'alert_queue' | 'act_links') =>
        db.updateTable(table).set({ patient_id: s.id }).where('patient_id', '=', dup.id).compile();
      // The survivor takes the duplicate's INS only when it has none (a merge never loses a known INS).
      const takeIns = s.ins === null && dup.ins !== null;
      const queries: CompiledQuery[] = [
        moves('observations'),
        moves('alert_queue'),
        moves('act_links'),
        ...(dupEnrolments.length === 0
          ? []
          : [db.updateTable('enrolments').set({ patient_id: s.id }).where('patient_id', '=', dup.id).compile()]),
        ...(rules.length === 0
          ? []
          : [
              db
                .updateTable('alerts')
                .set({ status: 'resolved', resolved_at: at, resolved_by: `merged into ${s.id}` })
                .where('patient_id', '=', dup.id)
                .where('status', '=', 'open')
                .where(this.d.inList('rule', rules))
                .compile(),
            ]),
        db.updateTable('alerts').set({ patient_id: s.id }).where('patient_id', '=', dup.id).compile(),
        db.updateTable('teleconsultations').set({ appointment_patient_id: s.id }).where('appointment_patient_id', '=', dup.id).compile(),
        db.deleteFrom('patient_gateways').where('patient_id', '=', dup.id).compile(),
        db.updateTable('patients').set({ merged_into: s.id, gateway_id: null, updated_at: at }).where('id', '=', dup.id).compile(),
        // The survivor takes the duplicate's contact (migration 32) only when it has none, as the INS.
        db
          .insertInto('patient_contacts')
          .columns(['patient_id', 'email', 'phone', 'updated_at', 'updated_by'])
          .expression((eb) =>
            eb
              .selectFrom('patient_contacts')
              .select([eb.val(s.id).as('patient_id'), 'email', 'phone', eb.val(at).as('updated_at'), eb.val(by).as('updated_by')])
              .where('patient_id', '=', dup.id)
              .where((w) => w.or([w('email', 'is not', null), w('phone', 'is not', null)])),
          )
          .onConflict((oc) =>
            oc
              .column('patient_id')
              .doUpdateSet((eb) => ({
                email: eb.ref('excluded.email'),
                phone: eb.ref('excluded.phone'),
                updated_at: eb.ref('excluded.updated_at'),
                updated_by: eb.ref('excluded.updated_by'),
              }))
              .where('patient_contacts.email', 'is', null)
              .where('patient_contacts.phone', 'is', null),
          )
          .compile(),
        ...(takeIns
          ? [
              db
                .updateTable('patients')
                .set({ ins: dup.ins, ins_oid: dup.insOid, identity_status: dup.identityStatus, updated_at: at })
                .where('id', '=', s.id)
                .compile(),
            ]
          : []),
        this.movement(db, {
          patientId: s.id,
          kind: 'merge',
          at,
          by,
          otherPatientId: dup.id,
          detail: `${dup.id} merged into this one${
            dupEnrolments.length > 0
              ? ` (enrolments moved: ${dupEnrolments
                  .map((e) => e.id)
                  .sort()
                  .join(', ')})`
              : ''
          }`,
        }),
        this.movement(db, {
          patientId: dup.id,
          kind: 'merge',
          at,
          by,
          fromGateway: dup.gatewayId,
          otherPatientId: s.id,
          detail: `merged into ${s.id}`,
        }),
      ];
      await write(queries);
      return this.done(
        db,
        s.id,
        [s.gatewayId, dup.gatewayId].filter((g): g is string => g !== null),
      );
    });
  }

  private identityColumns(f: IdentityFields) {
    return {
      family: f.family,
      given: f.given,
      birth_date: f.birthDate,
      ins: f.ins,
      ins_oid: f.ins === null ? null : f.insOid,
      identity_status: f.identityStatus,
    };
  }

  /** The patient's one cart link, to this cart under this local id. */
  private relink(db: Db, patientId: string, gatewayId: string, localId: string): CompiledQuery[] {
    return [
      db.deleteFrom('patient_gateways').where('patient_id', '=', patientId).compile(),
      db.insertInto('patient_gateways').values({ patient_id: patientId, gateway_id: gatewayId, local_id: localId }).compile(),
    ];
  }

  private async holderOf(db: Db, gatewayId: string, localId: string): Promise<string | null> {
    const row = await db
      .selectFrom('patient_gateways')
      .select('patient_id')
      .where('gateway_id', '=', gatewayId)
      .where('local_id', '=', localId)
      .executeTakeFirst();
    return row?.patient_id ?? null;
  }

  private movement(db: Db, m: MovementInput): CompiledQuery {
    return db
      .insertInto('patient_movements')
      .values({
        patient_id: m.patientId,
        kind: m.kind,
        at: m.at,
        at_ms: this.d.ms(m.at),
        actor: m.by,
        from_gateway: m.fromGateway ?? null,
        to_gateway: m.toGateway ?? null,
        site_id: m.siteId ?? null,
        other_patient_id: m.otherPatientId ?? null,
        detail: m.detail ?? null,
      })
      .compile();
  }

  private async done(db: Db, id: string, carts: string[]): Promise<DirectoryResult> {
    const patient = await this.byId(db, id);
    if (!patient) throw new Error(`patient ${id} not found after its change`);
    return { ok: true, patient, carts: [...new Set(carts)].sort() };
  }

  private select(db: Db) {
    return db
      .selectFrom('patients as p')
      .leftJoin('patient_gateways as l', (j) => j.onRef('l.patient_id', '=', 'p.id').onRef('l.gateway_id', '=', 'p.gateway_id'))
      .selectAll('p')
      .select('l.local_id');
  }

  private async byId(db: Db, id: string): Promise<DirectoryPatient | null> {
    const row = await this.select(db).where('p.id', '=', id).executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  /** One change at a time (this process); on PostgreSQL in a transaction holding the directory lock (every process). */
  private serial<T>(op: (db: Db, write: (qs: readonly CompiledQuery[]) => Promise<void>) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const writeAll = this.writeAll;
      if (writeAll !== undefined)
        return op(this.db, async (qs) => {
          writeAll(qs);
        });
      return this.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${DIRECTORY_LOCK})`.execute(trx);
        return op(trx, async (qs) => {
          for (const q of qs) await trx.executeQuery(q);
        });
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private fromRow(r: PatientRow): DirectoryPatient {
    const d = this.d;
    const time = (v: string | Date | null) => (v === null ? null : d.iso(v));
    return {
      id: r.id,
      family: r.family,
      given: r.given,
      birthDate: r.birth_date,
      ins: r.ins,
      insOid: r.ins_oid,
      identityStatus: r.identity_status !== null && STATUSES.has(r.identity_status) ? (r.identity_status as IdentityStatus) : null,
      siteId: r.site_id,
      gatewayId: r.gateway_id,
      localId: r.gateway_id === null ? null : r.local_id,
      admittedAt: time(r.admitted_at),
      dischargedAt: time(r.discharged_at),
      mergedInto: r.merged_into,
    };
  }
}
