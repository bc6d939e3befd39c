/**
 * The default cloud store: one SQLite file in the data directory (better-sqlite3).
 * WAL for concurrent readers, synchronous=FULL because a BatchAck promises the
 * readings survive a power cut the moment it is sent (sqlite-file.ts). With `intakeThread`,
 * the ingest's writes (storeIntake, storeBatch, upsertGatewayStatus) are committed by a worker
 * thread on its own connection (sqlite-intake-thread.ts), off the event loop.
 */

import type { GatewayStatus, Observation, ObservationBatch } from '@telecart/protocol';
import type Database from 'better-sqlite3';
import { loginHow, type StoredLogin, type StoredLoginState } from '../teleconsult/logins.js';
import { type AccountDatabase, AccountTables } from './account-tables.js';
import { type ActLeaseDatabase, ActLeaseTables } from './act-lease-tables.js';
import { type ActLinkDatabase, ActLinkTables } from './act-link-tables.js';
import { type ActRoomDatabase, ActRoomTables } from './act-room-tables.js';
import type { AlertRecord, AlertTrigger } from './alert-records.js';
import { type AlertDatabase, AlertTables } from './alert-tables.js';
import { type AppointmentDatabase, AppointmentTables } from './appointment-tables.js';
import { batchResult, type Outcome } from './batch-outcome.js';
import type {
  CloudStore,
  GatewayRecord,
  Judgement,
  JudgeResult,
  ObservationPage,
  ObservationQuery,
  PatientRecord,
  PatientSeed,
  PendingJudgement,
  StoreBatchResult,
} from './cloud-store.js';
import { type DeviceUserDatabase, DeviceUserTables } from './device-user-tables.js';
import { type DirectoryDatabase, DirectoryTables } from './directory-tables.js';
import { type EnrolmentDatabase, EnrolmentTables } from './enrolment-tables.js';
import { type HomeActMediaDatabase, HomeActMediaTables } from './home-act-media-tables.js';
import { type LinkIdentityDatabase, LinkIdentityTables } from './link-identity-tables.js';
import { type NurseDatabase, NurseTables } from './nurse-tables.js';
import type { EscalationStep, OutboxInput } from './outbox-records.js';
import { type OutboxDatabase, OutboxTables } from './outbox-tables.js';
import { type PatientContactDatabase, PatientContactTables } from './patient-contact-tables.js';
import { asArray, clampLimit, clampOffset } from './query.js';
import { type ReferringGpDatabase, ReferringGpTables } from './referring-gp-tables.js';
import { type ReportDatabase, ReportTables } from './report-tables.js';
import { RowDecoder, type UnreadableRowCounts, type UnreadableRowListener } from './row-decoder.js';
import { type SiteDatabase, SiteTables } from './site-tables.js';
import { openSqliteFile, PreparedStatements } from './sqlite-file.js';
import { SqliteIntake } from './sqlite-intake.js';
import { type IntakeThreadOptions, SqliteIntakeThread } from './sqlite-intake-thread.js';
import { SqliteJudge } from './sqlite-judge.js';
import { migrate } from './sqlite-migrations.js';
import { sqliteDialect, sqliteKysely } from './store-dialect.js';
import { TablesStore } from './tables-store.js';
import { type TeleconsultDatabase, TeleconsultTables } from './teleconsult-tables.js';
import type { ThrottleDecide, ThrottleRow } from './throttle-records.js';

export interface SqliteStoreOptions {
  /** Database file; ':memory:' for throwaway stores. */
  file: string;
  now?: () => Date;
  /** A read skipped a stored row it cannot serve (reported once per row). */
  onUnreadableRow?: UnreadableRowListener;
  /** Commit the ingest's writes in a worker thread (file stores only; ignored for ':memory:'). */
  intakeThread?: IntakeThreadOptions;
}

interface PatientRow {
  id: string;
  ins: string | null;
  ins_oid: string | null;
  family: string | null;
  given: string | null;
  birth_date: string | null;
  configured: number;
  last_ms: number | null;
}

interface GatewayRow {
  gateway_id: string;
  online: number;
  status_at: string | null;
  version: string | null;
  backlog_json: string | null;
  devices_json: string | null;
  status_received_at: string | null;
  last_batch_at: string | null;
}

export type SqlParam = string | number | null;

/**
 * The readings' reads, each served by an index of observations (their plans are pinned in
 * sqlite-store.test.ts: a dropped index cannot silently turn one into a scan of the table).
 */
export const OBSERVATION_READS = {
  byId: 'SELECT json FROM observations WHERE id = ?',
  /** `where` from observationWhere(); then LIMIT and OFFSET. */
  page: (where: string) => `SELECT id, json FROM observations ${where} ORDER BY effective_ms DESC, gateway_id, seq DESC LIMIT ? OFFSET ?`,
  count: (where: string) => `SELECT COUNT(*) FROM observations ${where}`,
  // SQLite returns the bare column from the row holding MAX(): one index walk per code.
  // json_extract fails on text that is not JSON: json_valid keeps one corrupt row from failing the summary.
  latestVitals: `SELECT id, json, MAX(effective_ms) AS m FROM observations WHERE patient_id = ?
         AND CASE WHEN json_valid(json) THEN json_extract(json, '$.status') END = 'final'
       GROUP BY loinc ORDER BY loinc`,
  patientSelect: `SELECT p.*, (SELECT MAX(effective_ms) FROM observations o WHERE o.patient_id = p.id) AS last_ms
    FROM patients p`,
} as const;

/** WHERE clause and parameters for an observation query; lists go through json_each so one statement fits any length. */
export function observationWhere(q: ObservationQuery): { sql: string; params: SqlParam[] } {
  const conds: string[] = [];
  const params: SqlParam[] = [];
  if (q.patientId !== undefined) {
    conds.push('patient_id = ?');
    params.push(q.patientId);
  }
  const loinc = asArray(q.loinc);
  if (loinc !== undefined) {
    conds.push('loinc IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(loinc));
  }
  const mdc = asArray(q.mdc);
  if (mdc !== undefined) {
    conds.push('mdc IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(mdc));
  }
  if (q.from !== undefined) {
    conds.push('effective_ms >= ?');
    params.push(q.from.getTime());
  }
  if (q.to !== undefined) {
    conds.push('effective_ms <= ?');
    params.push(q.to.getTime());
  }
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export class SqliteStore extends TablesStore implements CloudStore {
  private readonly db: Database.Database;
  private readonly prepared: PreparedStatements;
  private readonly rows: RowDecoder;
  /** The ingest's writes on this connection (no intake thread). */
  private readonly intakeHere: SqliteIntake;
  private readonly thread: SqliteIntakeThread | undefined;
  /** The alert engine's writes on this connection (no intake thread), and the alert upserts. */
  private readonly judgeHere: SqliteJudge;
  private closed = false;

  constructor(opts: SqliteStoreOptions) {
    super();
    this.now = opts.now ?? (() => new Date());
    this.rows = new RowDecoder(opts.onUnreadableRow);
    this.db = openSqliteFile(opts.file);
    this.prepared = new PreparedStatements(this.db);
    migrate(this.db, this.now);
    // No Kysely transaction is used (the stores run their own), so each set of tables has its own.
    this.tables = {
      teleconsult: new TeleconsultTables(sqliteKysely<TeleconsultDatabase>(this.db), sqliteDialect),
      appointments: new AppointmentTables(sqliteKysely<AppointmentDatabase>(this.db), sqliteDialect),
      alerts: new AlertTables(sqliteKysely<AlertDatabase>(this.db), sqliteDialect, this.rows),
      reports: new ReportTables(sqliteKysely<ReportDatabase>(this.db), sqliteDialect),
      actLinks: new ActLinkTables(sqliteKysely<ActLinkDatabase>(this.db), sqliteDialect),
      actLeases: new ActLeaseTables(sqliteKysely<ActLeaseDatabase>(this.db), sqliteDialect),
      actRooms: new ActRoomTables(sqliteKysely<ActRoomDatabase>(this.db), sqliteDialect),
      homeActMedia: new HomeActMediaTables(sqliteKysely<HomeActMediaDatabase>(this.db), sqliteDialect, (w) => {
        try {
          return Promise.resolve(
            this.db
              .transaction(() => {
                for (const q of w.before) this.prepared.run(q);
                if (this.prepared.run(w.gate) === 0) return false;
                for (const q of w.after) this.prepared.run(q);
                return true;
              })
              .immediate(),
          );
        } catch (e) {
          return Promise.reject(e);
        }
      }),
      deviceUsers: new DeviceUserTables(sqliteKysely<DeviceUserDatabase>(this.db), sqliteDialect),
      referringGps: new ReferringGpTables(sqliteKysely<ReferringGpDatabase>(this.db), sqliteDialect),
      patientContacts: new PatientContactTables(sqliteKysely<PatientContactDatabase>(this.db), sqliteDialect),
      linkIdentity: new LinkIdentityTables(sqliteKysely<LinkIdentityDatabase>(this.db), sqliteDialect),
      directory: new DirectoryTables(sqliteKysely<DirectoryDatabase>(this.db), sqliteDialect, (qs) =>
        this.db
          .transaction(() => {
            for (const q of qs) this.prepared.run(q);
          })
          .immediate(),
      ),
      accounts: new AccountTables(sqliteKysely<AccountDatabase>(this.db), sqliteDialect),
      siteTables: new SiteTables(sqliteKysely<SiteDatabase>(this.db), sqliteDialect),
      nurses: new NurseTables(sqliteKysely<NurseDatabase>(this.db), sqliteDialect),
      enrolments: new EnrolmentTables(sqliteKysely<EnrolmentDatabase>(this.db), sqliteDialect),
      outbox: new OutboxTables(sqliteKysely<OutboxDatabase>(this.db), sqliteDialect),
    };
    this.intakeHere = new SqliteIntake(this.db);
    this.judgeHere = new SqliteJudge(this.db, this.tables.alerts, this.tables.outbox);
    // Started by the first round (after the migrations, so its connection finds the tables made): a
    // cloud that stores nothing — most test clouds, a tool reading counts — never starts a thread,
    // and a start is not held up by its boot (~250 ms wall, ~330 ms CPU; docs/region.md).
    this.thread = opts.intakeThread && opts.file !== ':memory:' ? new SqliteIntakeThread(opts.file, opts.intakeThread) : undefined;
  }

  /** Resolves once the intake thread's connection is open (at once without one); rejects if it cannot start. */
  intakeReady(): Promise<void> {
    return this.thread?.start() ?? Promise.resolve();
  }

  /** A round's outcomes: committed by the intake thread, or on this connection without one. */
  private async intake(batches: readonly ObservationBatch[], statuses: readonly GatewayStatus[]): Promise<Outcome[][]> {
    const at = this.now();
    if (this.thread) return this.thread.intake(batches, statuses, at);
    return this.intakeHere.intake(batches, statuses, at.toISOString());
  }

  async storeBatch(batch: ObservationBatch): Promise<StoreBatchResult> {
    const [outcomes] = await this.intake([batch], []);
    return batchResult(batch.observations, outcomes ?? []);
  }

  async storeIntake(batches: readonly ObservationBatch[], statuses: readonly GatewayStatus[]): Promise<StoreBatchResult[]> {
    const outcomes = await this.intake(batches, statuses);
    return batches.map((b, i) => batchResult(b.observations, outcomes[i] ?? []));
  }

  async upsertPatients(patients: readonly PatientSeed[]): Promise<void> {
    const now = this.now().toISOString();
    const upsert = this.prepared.get(
      `INSERT INTO patients (id, ins, ins_oid, family, given, birth_date, configured, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         ins = COALESCE(excluded.ins, patients.ins),
         ins_oid = COALESCE(excluded.ins_oid, patients.ins_oid),
         family = excluded.family, given = excluded.given,
         birth_date = COALESCE(excluded.birth_date, patients.birth_date),
         configured = 1, updated_at = excluded.updated_at`,
    );
    const unlink = this.prepared.get('DELETE FROM patient_gateways WHERE patient_id = ?');
    const release = this.prepared.get('DELETE FROM patient_gateways WHERE gateway_id = ? AND local_id = ?');
    // Two patients given one gateway's local id in one call break the unique index: an error, never a silent pick.
    const link = this.prepared.get('INSERT INTO patient_gateways (patient_id, gateway_id, local_id) VALUES (?, ?, ?)');
    // (patient, gateway) → local id; a later seed of the same patient overrides, as in the PostgreSQL store.
    const links = new Map<string, { patientId: string; gatewayId: string; localId: string }>();
    for (const p of patients)
      for (const g of p.gateways ?? []) links.set(`${p.id}\u0000${g}`, { patientId: p.id, gatewayId: g, localId: p.localId ?? p.id });
    this.db
      .transaction(() => {
        // The configuration is the only authority on who serves a patient: its list replaces the stored one,
        // and a (gateway, local id) it names is taken from whichever patient held it before.
        for (const id of new Set(patients.map((p) => p.id))) unlink.run(id);
        for (const l of links.values()) release.run(l.gatewayId, l.localId);
        for (const p of patients) upsert.run(p.id, p.ins ?? null, p.insOid ?? null, p.family, p.given, p.birthDate ?? null, now, now);
        for (const l of links.values()) link.run(l.patientId, l.gatewayId, l.localId);
      })
      .immediate();
  }

  private static patientFromRow(r: PatientRow): PatientRecord {
    return {
      id: r.id,
      ins: r.ins,
      insOid: r.ins_oid,
      family: r.family,
      given: r.given,
      birthDate: r.birth_date,
      source: r.configured ? 'configured' : 'observed',
      lastObservationAt: r.last_ms === null ? null : new Date(r.last_ms).toISOString(),
    };
  }

  private static readonly PATIENT_SELECT = OBSERVATION_READS.patientSelect;

  async listPatients(): Promise<PatientRecord[]> {
    const rows = this.prepared
      .get(`${SqliteStore.PATIENT_SELECT} ORDER BY p.family IS NULL, p.family, p.given, p.id`)
      .all() as PatientRow[];
    return rows.map(SqliteStore.patientFromRow);
  }

  async getPatient(id: string): Promise<PatientRecord | null> {
    const row = this.prepared.get(`${SqliteStore.PATIENT_SELECT} WHERE p.id = ?`).get(id) as PatientRow | undefined;
    return row ? SqliteStore.patientFromRow(row) : null;
  }

  async getObservation(id: string): Promise<Observation | null> {
    const json = this.prepared.get(OBSERVATION_READS.byId).pluck().get(id) as string | undefined;
    return json === undefined ? null : this.rows.observation(id, json);
  }

  async servedPatients(gatewayId: string, localIds: readonly string[]): Promise<Map<string, string>> {
    const rows = this.prepared
      .get(
        `SELECT l.local_id, l.patient_id FROM patient_gateways l JOIN patients p ON p.id = l.patient_id
       WHERE l.gateway_id = ? AND p.configured = 1 AND l.local_id IN (SELECT value FROM json_each(?))`,
      )
      .all(gatewayId, JSON.stringify(localIds)) as { local_id: string; patient_id: string }[];
    return new Map(rows.map((r) => [r.local_id, r.patient_id]));
  }

  async patientsServedBy(gatewayId: string): Promise<Map<string, string>> {
    const rows = this.prepared
      .get(
        `SELECT l.local_id, l.patient_id FROM patient_gateways l JOIN patients p ON p.id = l.patient_id
       WHERE l.gateway_id = ? AND p.configured = 1 ORDER BY l.local_id`,
      )
      .all(gatewayId) as { local_id: string; patient_id: string }[];
    return new Map(rows.map((r) => [r.local_id, r.patient_id]));
  }

  async patientGateways(patientId: string): Promise<string[]> {
    return this.prepared
      .get('SELECT gateway_id FROM patient_gateways WHERE patient_id = ? ORDER BY gateway_id')
      .pluck()
      .all(patientId) as string[];
  }

  async getObservations(query: ObservationPage): Promise<Observation[]> {
    const { sql, params } = observationWhere(query);
    const rows = this.prepared.get(OBSERVATION_READS.page(sql)).all(...params, clampLimit(query.limit), clampOffset(query.offset)) as {
      id: string;
      json: string;
    }[];
    return this.rows.observations(rows);
  }

  async countObservations(query: ObservationQuery): Promise<number> {
    const { sql, params } = observationWhere(query);
    return Number(
      this.prepared
        .get(OBSERVATION_READS.count(sql))
        .pluck()
        .get(...params),
    );
  }

  async latestVitals(patientId: string): Promise<Observation[]> {
    const rows = this.prepared.get(OBSERVATION_READS.latestVitals).all(patientId) as { id: string; json: string }[];
    return this.rows.observations(rows);
  }

  async upsertGatewayStatus(status: GatewayStatus): Promise<void> {
    await this.intake([], [status]);
  }

  async listGateways(): Promise<GatewayRecord[]> {
    const rows = this.prepared.get('SELECT * FROM gateways ORDER BY gateway_id').all() as GatewayRow[];
    return rows.map((r) => ({
      gatewayId: r.gateway_id,
      online: r.online === 1,
      statusAt: r.status_at,
      version: r.version,
      backlog: this.rows.gatewayField(r.gateway_id, 'backlog', r.backlog_json),
      devices: this.rows.gatewayField(r.gateway_id, 'devices', r.devices_json),
      statusReceivedAt: r.status_received_at,
      lastBatchAt: r.last_batch_at,
    }));
  }

  async saveLogin(l: StoredLogin): Promise<void> {
    this.prepared
      .get(
        'INSERT OR REPLACE INTO login_sessions (token_sha256, specialist_id, created_at, expires_ms, method, acr, amr) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        l.tokenSha256,
        l.specialistId,
        l.createdAt.toISOString(),
        l.expiresAt.getTime(),
        l.method ?? null,
        l.acr ?? null,
        l.amr === undefined ? null : JSON.stringify(l.amr),
      );
  }

  async deleteLogin(tokenSha256: string): Promise<void> {
    this.prepared.get('DELETE FROM login_sessions WHERE token_sha256 = ?').run(tokenSha256);
  }

  async deleteLoginsOf(specialistId: string): Promise<void> {
    this.prepared.get('DELETE FROM login_sessions WHERE specialist_id = ?').run(specialistId);
  }

  async getLogin(tokenSha256: string, now: Date): Promise<StoredLoginState | null> {
    const r = this.prepared
      .get('SELECT specialist_id, expires_ms, method, acr, amr FROM login_sessions WHERE token_sha256 = ? AND expires_ms > ?')
      .get(tokenSha256, now.getTime()) as
      | { specialist_id: string; expires_ms: number; method: string | null; acr: string | null; amr: string | null }
      | undefined;
    return r
      ? {
          specialistId: r.specialist_id,
          expiresAt: new Date(r.expires_ms),
          ...loginHow(r.method, r.acr, r.amr === null ? null : JSON.parse(r.amr)),
        }
      : null;
  }

  async liveLogins(now: Date): Promise<StoredLogin[]> {
    this.prepared.get('DELETE FROM login_sessions WHERE expires_ms <= ?').run(now.getTime());
    const rows = this.prepared
      .get('SELECT token_sha256, specialist_id, created_at, expires_ms, method, acr, amr FROM login_sessions')
      .all() as {
      token_sha256: string;
      specialist_id: string;
      created_at: string;
      expires_ms: number;
      method: string | null;
      acr: string | null;
      amr: string | null;
    }[];
    return rows.map((r) => ({
      tokenSha256: r.token_sha256,
      specialistId: r.specialist_id,
      createdAt: new Date(r.created_at),
      expiresAt: new Date(r.expires_ms),
      ...loginHow(r.method, r.acr, r.amr === null ? null : (JSON.parse(r.amr) as unknown)),
    }));
  }

  async updateThrottle<T>(keys: readonly string[], decide: ThrottleDecide<T>): Promise<T> {
    // IMMEDIATE takes the write lock before reading: another process cannot slip in between.
    return this.db
      .transaction(() => {
        const rows = this.prepared
          .get('SELECT key, failures, last_failure_ms, blocked_until_ms FROM auth_throttle WHERE key IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(keys)) as { key: string; failures: number; last_failure_ms: number; blocked_until_ms: number }[];
        const current = new Map<string, ThrottleRow>(
          rows.map((r) => [
            r.key,
            { key: r.key, failures: r.failures, lastFailureMs: r.last_failure_ms, blockedUntilMs: r.blocked_until_ms },
          ]),
        );
        const change = decide(current);
        const put = this.prepared.get(
          'INSERT OR REPLACE INTO auth_throttle (key, failures, last_failure_ms, blocked_until_ms) VALUES (?, ?, ?, ?)',
        );
        for (const w of change.write) put.run(w.key, w.failures, w.lastFailureMs, w.blockedUntilMs);
        const del = this.prepared.get('DELETE FROM auth_throttle WHERE key = ?');
        for (const k of change.remove) del.run(k);
        return change.result;
      })
      .immediate();
  }

  async pruneThrottle(before: Date): Promise<number> {
    const t = before.getTime();
    return this.prepared.get('DELETE FROM auth_throttle WHERE last_failure_ms < ? AND blocked_until_ms < ?').run(t, t).changes;
  }

  async upsertOpenAlert(trigger: AlertTrigger): Promise<{ alert: AlertRecord; created: boolean }> {
    return this.db.transaction(() => this.judgeHere.upsertAlert(trigger)).immediate();
  }

  async pendingJudgements(limit: number): Promise<PendingJudgement[]> {
    return this.prepared
      .get('SELECT n AS queueId, observation_id AS observationId, patient_id AS patientId FROM alert_queue ORDER BY n LIMIT ?')
      .all(clampLimit(limit)) as PendingJudgement[];
  }

  async judge(judgements: readonly Judgement[]): Promise<JudgeResult[]> {
    if (judgements.length === 0) return [];
    // With the intake thread, its connection commits the round too: off the event loop.
    if (this.thread) return this.thread.judge(judgements);
    return this.judgeHere.judge(judgements);
  }

  async enqueueOutbox(messages: readonly OutboxInput[], at: Date): Promise<number> {
    const statements = this.tables.outbox.enqueueStatements(messages, at);
    return this.db.transaction(() => statements.reduce((n, q) => n + this.prepared.run(q), 0)).immediate();
  }

  async escalate(step: EscalationStep, at: Date): Promise<boolean> {
    const advance = this.tables.outbox.escalationAdvance(step);
    const inserts = this.tables.outbox.enqueueStatements(step.messages, at);
    return this.db
      .transaction(() => {
        // Compare-and-set first: a step another notifier took adds no message.
        if (this.prepared.run(advance) === 0) return false;
        for (const q of inserts) this.prepared.run(q);
        return true;
      })
      .immediate();
  }

  unreadableRows(): UnreadableRowCounts {
    return this.rows.unreadable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.thread?.close();
    this.db.close();
  }
}
