/**
 * The cloud store at scale: PostgreSQL through node-postgres (`pg`) with a connection pool.
 * Same contract and answers as the SQLite store. Safe with concurrent writers in several
 * processes (shared-subscription ingest workers): a batch is inserted set-wise with
 * `ON CONFLICT DO NOTHING`, which waits for a concurrent insert of the same id / seq / content
 * key to commit and then skips it, so a reading is never stored twice; deadlocks and
 * serialization failures are retried.
 */

import type { GatewayStatus, Observation, ObservationBatch } from '@telecart/protocol';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import { loginHow, type StoredLogin, type StoredLoginState } from '../teleconsult/logins.js';
import { type AccountDatabase, AccountTables } from './account-tables.js';
import { type ActLeaseDatabase, ActLeaseTables } from './act-lease-tables.js';
import { type ActLinkDatabase, ActLinkTables } from './act-link-tables.js';
import { type ActRoomDatabase, ActRoomTables } from './act-room-tables.js';
import type { AlertRecord, AlertTrigger } from './alert-records.js';
import { type AlertDatabase, type AlertRow, AlertTables } from './alert-tables.js';
import { type AppointmentDatabase, AppointmentTables } from './appointment-tables.js';
import { batchResult, conflictOutcome, type Outcome, patientsOf, type StoredKey, splitBatch } from './batch-outcome.js';
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
import { gatewayStatusUpsert } from './gateway-status-sql.js';
import { type HomeActMediaDatabase, HomeActMediaTables } from './home-act-media-tables.js';
import type { InstanceChannel, InstanceChannelEvents } from './instance-channel.js';
import { type LinkIdentityDatabase, LinkIdentityTables } from './link-identity-tables.js';
import { type NurseDatabase, NurseTables } from './nurse-tables.js';
import type { EscalationStep, OutboxInput } from './outbox-records.js';
import { type OutboxDatabase, OutboxTables } from './outbox-tables.js';
import { type PatientContactDatabase, PatientContactTables } from './patient-contact-tables.js';
import { PgInstanceChannel } from './pg-instance-channel.js';
import { migratePostgres, quoteIdent } from './postgres-migrations.js';
import { asArray, clampLimit, clampOffset } from './query.js';
import { type ReferringGpDatabase, ReferringGpTables } from './referring-gp-tables.js';
import { type ReportDatabase, ReportTables } from './report-tables.js';
import { RowDecoder, type UnreadableRowCounts, type UnreadableRowListener } from './row-decoder.js';
import { type SiteDatabase, SiteTables } from './site-tables.js';
import { postgresDialect, postgresKysely } from './store-dialect.js';
import { TablesStore } from './tables-store.js';
import { type TeleconsultDatabase, TeleconsultTables } from './teleconsult-tables.js';
import type { ThrottleDecide, ThrottleRow } from './throttle-records.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (libpq-style parameters allowed). */
  url: string;
  /** Keep the tables in this schema (created if missing) instead of the search_path default. */
  schema?: string;
  /** Pool size (default 10). */
  poolSize?: number;
  now?: () => Date;
  /** An idle pooled connection failed (server restart, network): the pool drops it and opens another. */
  onConnectionError?: (err: Error) => void;
  /** A read skipped a stored row it cannot serve (reported once per row). */
  onUnreadableRow?: UnreadableRowListener;
}

/** Transient failures a retry of the whole transaction fixes: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
/** First half of the advisory lock of a throttle key (the second is the key's hash). */
const THROTTLE_LOCK_CLASS = 0x7e1e7401;

export type SqlParam = string | number | boolean | Date | null | readonly (string | number | null)[];

interface PatientRow {
  id: string;
  ins: string | null;
  ins_oid: string | null;
  family: string | null;
  given: string | null;
  birth_date: string | null;
  configured: boolean;
  last_ms: string | null;
}

interface GatewayRow {
  gateway_id: string;
  online: boolean;
  status_at: string | null;
  version: string | null;
  backlog_json: unknown;
  devices_json: unknown;
  status_received_at: Date | null;
  last_batch_at: Date | null;
}

interface KeyRow {
  id: string;
  gateway_id: string;
  seq: string;
  content_key: string | null;
}

/** One statement text per purpose, prepared once per pooled connection (named statements). */
const SQL = {
  // Columns as arrays, the bodies as one JSON array: json_array_elements hands each element's text
  // over verbatim and spares the client escaping every body into an array literal (half the
  // client CPU per row, measured in bench/cloud-store.mjs).
  // The alert queue row (migration 8) goes in the same statement: one round trip, same transaction.
  insertObservations: `
    WITH inserted AS (
    INSERT INTO observations (id, gateway_id, seq, content_key, patient_id, loinc, mdc, status, effective, effective_ms, received, stored_at, json)
    SELECT t.id, $1, t.seq, t.content_key, t.patient_id, t.loinc, t.mdc, t.status, t.effective, t.effective_ms, t.received, $2, t.json
    FROM ROWS FROM (
      unnest($3::uuid[]), unnest($4::int8[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]), unnest($8::int8[]),
      unnest($9::text[]), unnest($10::text[]), unnest($11::int8[]), unnest($12::text[]), json_array_elements($13::json)
    ) AS t(id, seq, content_key, patient_id, loinc, mdc, status, effective, effective_ms, received, json)
    ON CONFLICT DO NOTHING
    RETURNING id, patient_id
    ), queued AS (INSERT INTO alert_queue (observation_id, patient_id) SELECT id, patient_id FROM inserted)
    SELECT id FROM inserted`,
  conflicts: `
    SELECT id, gateway_id, seq, content_key FROM observations
    WHERE id = ANY($1::uuid[]) OR (gateway_id = $2 AND seq = ANY($3::int8[])) OR content_key = ANY($4::text[])`,
  // Create the patients of inserted readings; teach an INS to a patient known only by local id.
  // DO NOTHING then a filtered UPDATE takes no row lock on patients that need no change, so
  // concurrent batches for the same patient do not queue behind each other.
  observedPatients: `
    WITH t AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, ins, ins_oid)),
    created AS (
      INSERT INTO patients (id, ins, ins_oid, created_at, updated_at)
      SELECT id, ins, ins_oid, $4, $4 FROM t ORDER BY id
      ON CONFLICT (id) DO NOTHING
    )
    UPDATE patients p SET ins = t.ins, ins_oid = t.ins_oid, updated_at = $4
    FROM t WHERE p.id = t.id AND p.ins IS NULL AND t.ins IS NOT NULL`,
  // Last in the transaction: it locks the gateway's row until commit.
  touchGateway: `
    INSERT INTO gateways (gateway_id, last_batch_at) VALUES ($1, $2)
    ON CONFLICT (gateway_id) DO UPDATE SET last_batch_at = GREATEST(gateways.last_batch_at, excluded.last_batch_at)`,
  configuredPatients: `
    INSERT INTO patients (id, ins, ins_oid, family, given, birth_date, configured, created_at, updated_at)
    SELECT id, ins, ins_oid, family, given, birth_date, true, $7, $7
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, ins, ins_oid, family, given, birth_date)
    ON CONFLICT (id) DO UPDATE SET
      ins = COALESCE(excluded.ins, patients.ins),
      ins_oid = COALESCE(excluded.ins_oid, patients.ins_oid),
      family = excluded.family, given = excluded.given,
      birth_date = COALESCE(excluded.birth_date, patients.birth_date),
      configured = true, updated_at = excluded.updated_at`,
  patientSelect: `SELECT p.id, p.ins, p.ins_oid, p.family, p.given, p.birth_date, p.configured,
      (SELECT MAX(effective_ms) FROM observations o WHERE o.patient_id = p.id) AS last_ms
    FROM patients p`,
  latestVitals: `
    SELECT DISTINCT ON (loinc) id, json FROM observations WHERE patient_id = $1 AND status = 'final'
    ORDER BY loinc, effective_ms DESC, gateway_id, seq DESC`,
  gatewayStatus: gatewayStatusUpsert((n) => `$${n}`),
} as const;

/**
 * The readings' reads, each served by an index of observations (their plans are pinned in
 * postgres-store.e2e.test.ts, as the SQLite store's are).
 */
export const PG_OBSERVATION_READS = {
  byId: 'SELECT json FROM observations WHERE id = CASE WHEN $1 ~ $2 THEN $1::uuid END',
  /** `where` and its `n` parameters from pgObservationWhere(); then LIMIT and OFFSET. */
  page: (where: string, n: number) =>
    `SELECT id, json FROM observations ${where} ORDER BY effective_ms DESC, gateway_id, seq DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
  count: (where: string) => `SELECT COUNT(*) AS n FROM observations ${where}`,
  latestVitals: SQL.latestVitals,
  patientSelect: SQL.patientSelect,
} as const;

/** WHERE clause with $n placeholders numbered from `first`; lists go as one array parameter. */
export function pgObservationWhere(q: ObservationQuery, first = 1): { sql: string; params: SqlParam[] } {
  const conds: string[] = [];
  const params: SqlParam[] = [];
  const add = (cond: (p: string) => string, value: SqlParam) => {
    params.push(value);
    conds.push(cond(`$${first + params.length - 1}`));
  };
  if (q.patientId !== undefined) add((p) => `patient_id = ${p}`, q.patientId);
  const loinc = asArray(q.loinc);
  if (loinc !== undefined) add((p) => `loinc = ANY(${p}::text[])`, loinc);
  const mdc = asArray(q.mdc);
  if (mdc !== undefined) add((p) => `mdc = ANY(${p}::int8[])`, mdc);
  if (q.from !== undefined) add((p) => `effective_ms >= ${p}`, q.from.getTime());
  if (q.to !== undefined) add((p) => `effective_ms <= ${p}`, q.to.getTime());
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

function patientFromRow(r: PatientRow): PatientRecord {
  return {
    id: r.id,
    ins: r.ins,
    insOid: r.ins_oid,
    family: r.family,
    given: r.given,
    birthDate: r.birth_date,
    source: r.configured ? 'configured' : 'observed',
    lastObservationAt: r.last_ms === null ? null : new Date(Number(r.last_ms)).toISOString(),
  };
}

/** Later seeds of the same id override earlier ones, as applying them one by one would. */
function mergeSeeds(patients: readonly PatientSeed[]): PatientSeed[] {
  const byId = new Map<string, PatientSeed>();
  for (const p of patients) {
    const prev = byId.get(p.id);
    byId.set(
      p.id,
      prev === undefined ? p : { ...p, ins: p.ins ?? prev.ins, insOid: p.insOid ?? prev.insOid, birthDate: p.birthDate ?? prev.birthDate },
    );
  }
  // Sorted: concurrent upserts lock rows in the same order and cannot deadlock.
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class PostgresStore extends TablesStore implements CloudStore {
  private closed = false;
  private readonly rows: RowDecoder;

  private constructor(
    private readonly pool: pg.Pool,
    now: () => Date,
    onUnreadableRow: UnreadableRowListener | undefined,
    private readonly url: string,
  ) {
    super();
    this.now = now;
    this.rows = new RowDecoder(onUnreadableRow);
    // No Kysely transaction is used (the stores run their own), so each set of tables has its own.
    this.tables = {
      teleconsult: new TeleconsultTables(postgresKysely<TeleconsultDatabase>(pool), postgresDialect),
      appointments: new AppointmentTables(postgresKysely<AppointmentDatabase>(pool), postgresDialect),
      alerts: new AlertTables(postgresKysely<AlertDatabase>(pool), postgresDialect, this.rows),
      reports: new ReportTables(postgresKysely<ReportDatabase>(pool), postgresDialect),
      actLinks: new ActLinkTables(postgresKysely<ActLinkDatabase>(pool), postgresDialect),
      actLeases: new ActLeaseTables(postgresKysely<ActLeaseDatabase>(pool), postgresDialect),
      actRooms: new ActRoomTables(postgresKysely<ActRoomDatabase>(pool), postgresDialect),
      homeActMedia: new HomeActMediaTables(postgresKysely<HomeActMediaDatabase>(pool), postgresDialect, (w) =>
        this.transaction(async (c) => {
          for (const q of w.before) await this.runCompiled(c, q);
          if ((await this.runCompiled(c, w.gate)) === 0) return false;
          for (const q of w.after) await this.runCompiled(c, q);
          return true;
        }),
      ),
      deviceUsers: new DeviceUserTables(postgresKysely<DeviceUserDatabase>(pool), postgresDialect),
      referringGps: new ReferringGpTables(postgresKysely<ReferringGpDatabase>(pool), postgresDialect),
      patientContacts: new PatientContactTables(postgresKysely<PatientContactDatabase>(pool), postgresDialect),
      linkIdentity: new LinkIdentityTables(postgresKysely<LinkIdentityDatabase>(pool), postgresDialect),
      directory: new DirectoryTables(postgresKysely<DirectoryDatabase>(pool), postgresDialect),
      accounts: new AccountTables(postgresKysely<AccountDatabase>(pool), postgresDialect),
      siteTables: new SiteTables(postgresKysely<SiteDatabase>(pool), postgresDialect),
      nurses: new NurseTables(postgresKysely<NurseDatabase>(pool), postgresDialect),
      enrolments: new EnrolmentTables(postgresKysely<EnrolmentDatabase>(pool), postgresDialect),
      outbox: new OutboxTables(postgresKysely<OutboxDatabase>(pool), postgresDialect),
    };
  }

  /** The instances' channel (LISTEN/NOTIFY on a connection of its own): see CloudStore.openInstanceChannel. */
  openInstanceChannel(events: InstanceChannelEvents): InstanceChannel {
    return new PgInstanceChannel(this.url, events);
  }

  /** Runs a compiled statement on a transaction's connection; rows changed. */
  private async runCompiled(c: pg.PoolClient, q: CompiledQuery): Promise<number> {
    return (await c.query(q.sql, [...q.parameters])).rowCount ?? 0;
  }

  /** The alert upsert plus, for an alert it opens, its escalation row (migration 12): same transaction. */
  private async upsertAlertIn(c: pg.PoolClient, t: AlertTrigger): Promise<{ alert: AlertRecord; created: boolean }> {
    const q = this.tables.alerts.upsertStatement(t);
    const r = this.tables.alerts.upserted((await c.query<AlertRow & pg.QueryResultRow>(q.sql, [...q.parameters])).rows[0]);
    if (r.created) await this.runCompiled(c, this.tables.outbox.escalationInsert(r.alert.id, new Date(r.alert.openedAt)));
    return r;
  }

  /** Connects, brings the schema forward (once, even with several processes opening at once). */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const onError = opts.onConnectionError ?? (() => undefined);
    // Runs on every new connection before the pool hands it out (pg-pool's onConnect, awaited; a setup
    // that fails fails that connect). A batch is acked once committed, so the commit must be flushed
    // whatever the server default; and the tables live in the chosen schema.
    const setup =
      "SELECT CASE WHEN current_setting('synchronous_commit') IN ('off', 'local') " +
      "THEN set_config('synchronous_commit', 'on', false) END" +
      (opts.schema !== undefined ? ", set_config('search_path', $1, false)" : '');
    const setupParams = opts.schema !== undefined ? [quoteIdent(opts.schema)] : [];
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      onConnect: async (client) => {
        await client.query(setup, setupParams);
      },
    });
    // Without a listener an idle connection's error would be an uncaught exception.
    pool.on('error', (err) => onError(err));
    const now = opts.now ?? (() => new Date());
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client, now, opts.schema);
      } finally {
        client.release();
      }
      return new PostgresStore(pool, now, opts.onUnreadableRow, opts.url);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
  }

  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let retry = false;
    for (let attempt = 1; ; attempt++) {
      // Jittered pause before a retry, so the transactions that collided do not collide again.
      if (retry) await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        const code = (e as { code?: unknown }).code;
        if (broken === undefined && attempt < MAX_ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) {
          retry = true;
          continue;
        }
        throw e;
      } finally {
        // A connection that cannot even roll back is destroyed, not pooled.
        client.release(broken);
      }
    }
  }

  async storeBatch(batch: ObservationBatch): Promise<StoreBatchResult> {
    return this.transaction((c) => this.storeBatchIn(c, batch));
  }

  async storeIntake(batches: readonly ObservationBatch[], statuses: readonly GatewayStatus[]): Promise<StoreBatchResult[]> {
    return this.transaction(async (c) => {
      for (const s of statuses) await c.query(SQL.gatewayStatus, this.gatewayStatusValues(s));
      // By gateway (stable: a gateway's batches keep their order): ingest workers committing rounds
      // that share gateways take the row locks in the same order, and wait rather than deadlock.
      const order = batches.map((_, i) => i).sort((x, y) => compareText(batches[x]?.gatewayId ?? '', batches[y]?.gatewayId ?? '') || x - y);
      const results: StoreBatchResult[] = new Array(batches.length);
      for (const i of order) results[i] = await this.storeBatchIn(c, batches[i] as ObservationBatch);
      return results;
    });
  }

  /** One batch's statements on the caller's transaction. */
  private async storeBatchIn(c: pg.PoolClient, batch: ObservationBatch): Promise<StoreBatchResult> {
    const obs = batch.observations;
    const storedAt = this.now();
    const outcomes: Outcome[] = new Array(obs.length);
    const { independent, dependent } = splitBatch(obs);
    await this.insertSet(c, batch.gatewayId, storedAt, independent, obs, outcomes);
    for (const i of dependent) await this.insertSet(c, batch.gatewayId, storedAt, [i], obs, outcomes);
    const inserted = obs.filter((_, i) => outcomes[i] === 'inserted');
    if (inserted.length > 0) {
      const patients = patientsOf(inserted);
      await c.query({
        name: 'telecart_observed_patients',
        text: SQL.observedPatients,
        values: [patients.map((p) => p.id), patients.map((p) => p.ins ?? null), patients.map((p) => p.insOid ?? null), storedAt],
      });
      // No link to the sending gateway: only the configuration assigns patients (upsertPatients).
    }
    await c.query({ name: 'telecart_touch_gateway', text: SQL.touchGateway, values: [batch.gatewayId, storedAt] });
    return batchResult(obs, outcomes);
  }

  /** Inserts the readings at `indices` in one statement and decides each one's outcome. */
  private async insertSet(
    c: pg.PoolClient,
    gatewayId: string,
    storedAt: Date,
    indices: readonly number[],
    all: readonly Observation[],
    outcomes: Outcome[],
  ): Promise<void> {
    if (indices.length === 0) return;
    // In seq order: workers inserting overlapping sets of a gateway's readings (a redelivery
    // re-batched differently) take the unique-index locks in the same order, so they wait for
    // each other instead of deadlocking.
    const rows = indices.map((i) => all[i] as Observation).sort((x, y) => x.seq - y.seq);
    const res = await c.query<{ id: string }>({
      name: 'telecart_insert_observations',
      text: SQL.insertObservations,
      values: [
        gatewayId,
        storedAt,
        rows.map((o) => o.id),
        rows.map((o) => o.seq),
        rows.map((o) => o.contentKey ?? null),
        rows.map((o) => o.patient.id),
        rows.map((o) => o.code.loinc),
        rows.map((o) => o.code.mdc ?? null),
        rows.map((o) => o.status),
        rows.map((o) => o.time.effective),
        rows.map((o) => Date.parse(o.time.effective)),
        rows.map((o) => o.time.received),
        JSON.stringify(rows),
      ],
    });
    const insertedIds = new Set(res.rows.map((r) => r.id));
    const skipped: number[] = [];
    for (const i of indices) {
      if (insertedIds.has((all[i] as Observation).id)) outcomes[i] = 'inserted';
      else skipped.push(i);
    }
    if (skipped.length === 0) return;

    // Each skipped reading collided with a committed row (ON CONFLICT waited for it): find which.
    const others = skipped.map((i) => all[i] as Observation);
    const found = await c.query<KeyRow>({
      name: 'telecart_observation_conflicts',
      text: SQL.conflicts,
      values: [
        others.map((o) => o.id),
        gatewayId,
        others.map((o) => o.seq),
        others.flatMap((o) => (o.contentKey === undefined ? [] : [o.contentKey])),
      ],
    });
    const byId = new Map<string, StoredKey>();
    const bySeq = new Map<number, StoredKey>();
    const keys = new Set<string>();
    for (const r of found.rows) {
      const key = { id: r.id, gatewayId: r.gateway_id, seq: Number(r.seq) };
      byId.set(r.id, key);
      if (r.gateway_id === gatewayId) bySeq.set(key.seq, key);
      if (r.content_key !== null) keys.add(r.content_key);
    }
    for (const i of skipped) {
      const o = all[i] as Observation;
      const outcome = conflictOutcome(o, gatewayId, byId.get(o.id), bySeq.get(o.seq), o.contentKey !== undefined && keys.has(o.contentKey));
      // Rows are never deleted, so a skipped reading always finds what it collided with.
      if (outcome === undefined) throw new Error(`reading ${o.id} (seq ${o.seq}) was neither inserted nor found stored`);
      outcomes[i] = outcome;
    }
  }

  async upsertPatients(patients: readonly PatientSeed[]): Promise<void> {
    if (patients.length === 0) return;
    const seeds = mergeSeeds(patients);
    const now = this.now();
    // (patient, gateway) → local id; a later seed of the same patient overrides, as in the SQLite store.
    const byLink = new Map<string, string>();
    for (const p of patients) for (const g of p.gateways ?? []) byLink.set(`${p.id}\u0000${g}`, p.localId ?? p.id);
    const links = [...byLink]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, localId]) => [...(k.split('\u0000') as [string, string]), localId] as const);
    await this.transaction(async (c) => {
      await c.query(SQL.configuredPatients, [
        seeds.map((p) => p.id),
        seeds.map((p) => p.ins ?? null),
        seeds.map((p) => p.insOid ?? null),
        seeds.map((p) => p.family),
        seeds.map((p) => p.given),
        seeds.map((p) => p.birthDate ?? null),
        now,
      ]);
      // The configuration is the only authority on who serves a patient: its list replaces the stored one,
      // and a (gateway, local id) it names is taken from whichever patient held it before.
      await c.query('DELETE FROM patient_gateways WHERE patient_id = ANY($1::text[])', [seeds.map((p) => p.id)]);
      if (links.length > 0) {
        await c.query(
          `DELETE FROM patient_gateways l USING unnest($1::text[], $2::text[]) AS n(gateway_id, local_id)
           WHERE l.gateway_id = n.gateway_id AND l.local_id = n.local_id`,
          [links.map((l) => l[1]), links.map((l) => l[2])],
        );
        // Two patients given one gateway's local id in one call break the unique index: an error, never a silent pick.
        await c.query(
          `INSERT INTO patient_gateways (patient_id, gateway_id, local_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
          [links.map((l) => l[0]), links.map((l) => l[1]), links.map((l) => l[2])],
        );
      }
    });
  }

  async listPatients(): Promise<PatientRecord[]> {
    const res = await this.pool.query<PatientRow>(`${SQL.patientSelect} ORDER BY p.family IS NULL, p.family, p.given, p.id`);
    return res.rows.map(patientFromRow);
  }

  async getPatient(id: string): Promise<PatientRecord | null> {
    const res = await this.pool.query<PatientRow>(`${SQL.patientSelect} WHERE p.id = $1`, [id]);
    const row = res.rows[0];
    return row ? patientFromRow(row) : null;
  }

  async servedPatients(gatewayId: string, localIds: readonly string[]): Promise<Map<string, string>> {
    const res = await this.pool.query<{ local_id: string; patient_id: string }>({
      name: 'telecart_served_local_ids',
      text: `SELECT l.local_id, l.patient_id FROM patient_gateways l JOIN patients p ON p.id = l.patient_id
        WHERE l.gateway_id = $1 AND p.configured AND l.local_id = ANY($2::text[])`,
      values: [gatewayId, localIds],
    });
    return new Map(res.rows.map((r) => [r.local_id, r.patient_id]));
  }

  async patientsServedBy(gatewayId: string): Promise<Map<string, string>> {
    const res = await this.pool.query<{ local_id: string; patient_id: string }>({
      name: 'telecart_patients_served_by',
      text: `SELECT l.local_id, l.patient_id FROM patient_gateways l JOIN patients p ON p.id = l.patient_id
        WHERE l.gateway_id = $1 AND p.configured ORDER BY l.local_id`,
      values: [gatewayId],
    });
    return new Map(res.rows.map((r) => [r.local_id, r.patient_id]));
  }

  async patientGateways(patientId: string): Promise<string[]> {
    const res = await this.pool.query<{ gateway_id: string }>(
      'SELECT gateway_id FROM patient_gateways WHERE patient_id = $1 ORDER BY gateway_id',
      [patientId],
    );
    return res.rows.map((r) => r.gateway_id);
  }

  async getObservation(id: string): Promise<Observation | null> {
    // uuid rejects a malformed id with an error; the contract answers "not found".
    const res = await this.pool.query<{ json: unknown }>(PG_OBSERVATION_READS.byId, [
      id,
      '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    ]);
    const row = res.rows[0];
    return row === undefined ? null : this.rows.observation(id, row.json);
  }

  async getObservations(query: ObservationPage): Promise<Observation[]> {
    const { sql, params } = pgObservationWhere(query);
    const n = params.length;
    const res = await this.pool.query<{ id: string; json: unknown }>(PG_OBSERVATION_READS.page(sql, n), [
      ...params,
      clampLimit(query.limit),
      clampOffset(query.offset),
    ]);
    return this.rows.observations(res.rows);
  }

  async countObservations(query: ObservationQuery): Promise<number> {
    const { sql, params } = pgObservationWhere(query);
    const res = await this.pool.query<{ n: string }>(PG_OBSERVATION_READS.count(sql), params);
    return Number(res.rows[0]?.n ?? 0);
  }

  async latestVitals(patientId: string): Promise<Observation[]> {
    const res = await this.pool.query<{ id: string; json: unknown }>(SQL.latestVitals, [patientId]);
    return this.rows.observations(res.rows);
  }

  async upsertGatewayStatus(status: GatewayStatus): Promise<void> {
    await this.pool.query(SQL.gatewayStatus, this.gatewayStatusValues(status));
  }

  /** Last received wins, not latest `at` (see the SQLite store). */
  private gatewayStatusValues(status: GatewayStatus): unknown[] {
    return [
      status.gatewayId,
      status.online,
      status.at,
      status.version ?? null,
      status.backlog ? JSON.stringify(status.backlog) : null,
      status.devices ? JSON.stringify(status.devices) : null,
      this.now(),
    ];
  }

  async listGateways(): Promise<GatewayRecord[]> {
    const res = await this.pool.query<GatewayRow>('SELECT * FROM gateways ORDER BY gateway_id');
    return res.rows.map((r) => ({
      gatewayId: r.gateway_id,
      online: r.online,
      statusAt: r.status_at,
      version: r.version,
      backlog: this.rows.gatewayField(r.gateway_id, 'backlog', r.backlog_json),
      devices: this.rows.gatewayField(r.gateway_id, 'devices', r.devices_json),
      statusReceivedAt: r.status_received_at?.toISOString() ?? null,
      lastBatchAt: r.last_batch_at?.toISOString() ?? null,
    }));
  }

  async saveLogin(l: StoredLogin): Promise<void> {
    await this.pool.query(
      `INSERT INTO login_sessions (token_sha256, specialist_id, created_at, expires_at, method, acr, amr) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (token_sha256) DO UPDATE SET specialist_id = excluded.specialist_id, expires_at = excluded.expires_at`,
      [
        l.tokenSha256,
        l.specialistId,
        l.createdAt,
        l.expiresAt,
        l.method ?? null,
        l.acr ?? null,
        l.amr === undefined ? null : JSON.stringify(l.amr),
      ],
    );
  }

  async deleteLogin(tokenSha256: string): Promise<void> {
    await this.pool.query('DELETE FROM login_sessions WHERE token_sha256 = $1', [tokenSha256]);
  }

  async deleteLoginsOf(specialistId: string): Promise<void> {
    await this.pool.query('DELETE FROM login_sessions WHERE specialist_id = $1', [specialistId]);
  }

  async getLogin(tokenSha256: string, now: Date): Promise<StoredLoginState | null> {
    const res = await this.pool.query<{ specialist_id: string; expires_at: Date; method: string | null; acr: string | null; amr: unknown }>(
      'SELECT specialist_id, expires_at, method, acr, amr FROM login_sessions WHERE token_sha256 = $1 AND expires_at > $2',
      [tokenSha256, now],
    );
    const r = res.rows[0];
    return r ? { specialistId: r.specialist_id, expiresAt: r.expires_at, ...loginHow(r.method, r.acr, r.amr) } : null;
  }

  async liveLogins(now: Date): Promise<StoredLogin[]> {
    await this.pool.query('DELETE FROM login_sessions WHERE expires_at <= $1', [now]);
    const res = await this.pool.query<{
      token_sha256: string;
      specialist_id: string;
      created_at: Date;
      expires_at: Date;
      method: string | null;
      acr: string | null;
      amr: unknown;
    }>('SELECT token_sha256, specialist_id, created_at, expires_at, method, acr, amr FROM login_sessions');
    return res.rows.map((r) => ({
      tokenSha256: r.token_sha256,
      specialistId: r.specialist_id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      ...loginHow(r.method, r.acr, r.amr),
    }));
  }

  updateThrottle<T>(keys: readonly string[], decide: ThrottleDecide<T>): Promise<T> {
    // A row lock cannot hold a key that has no row yet: a transaction advisory lock per key does,
    // taken in one order so two calls on the same keys cannot deadlock.
    const sorted = [...new Set(keys)].sort();
    return this.transaction(async (c) => {
      for (const k of sorted) await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [THROTTLE_LOCK_CLASS, k]);
      const res = await c.query<{ key: string; failures: number; last_failure_ms: string; blocked_until_ms: string }>(
        'SELECT key, failures, last_failure_ms, blocked_until_ms FROM auth_throttle WHERE key = ANY($1::text[])',
        [sorted],
      );
      const current = new Map<string, ThrottleRow>(
        res.rows.map((r) => [
          r.key,
          { key: r.key, failures: r.failures, lastFailureMs: Number(r.last_failure_ms), blockedUntilMs: Number(r.blocked_until_ms) },
        ]),
      );
      const change = decide(current);
      if (change.write.length > 0)
        await c.query(
          `INSERT INTO auth_throttle (key, failures, last_failure_ms, blocked_until_ms)
           SELECT * FROM unnest($1::text[], $2::int[], $3::int8[], $4::int8[])
           ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_ms = excluded.last_failure_ms,
             blocked_until_ms = excluded.blocked_until_ms`,
          [
            change.write.map((w) => w.key),
            change.write.map((w) => w.failures),
            change.write.map((w) => w.lastFailureMs),
            change.write.map((w) => w.blockedUntilMs),
          ],
        );
      if (change.remove.length > 0) await c.query('DELETE FROM auth_throttle WHERE key = ANY($1::text[])', [change.remove]);
      return change.result;
    });
  }

  async pruneThrottle(before: Date): Promise<number> {
    const t = before.getTime();
    const res = await this.pool.query('DELETE FROM auth_throttle WHERE last_failure_ms < $1 AND blocked_until_ms < $1', [t]);
    return res.rowCount ?? 0;
  }

  upsertOpenAlert(trigger: AlertTrigger): Promise<{ alert: AlertRecord; created: boolean }> {
    return this.transaction((c) => this.upsertAlertIn(c, trigger));
  }

  async pendingJudgements(limit: number): Promise<PendingJudgement[]> {
    const res = await this.pool.query<{ n: string; observation_id: string; patient_id: string }>(
      'SELECT n, observation_id, patient_id FROM alert_queue ORDER BY n LIMIT $1',
      [clampLimit(limit)],
    );
    return res.rows.map((r) => ({ queueId: Number(r.n), observationId: r.observation_id, patientId: r.patient_id }));
  }

  async judge(judgements: readonly Judgement[]): Promise<JudgeResult[]> {
    if (judgements.length === 0) return [];
    return this.transaction(async (c) => {
      // The row locks make a second engine judging the same readings wait, then find them gone.
      const dequeued = await c.query<{ n: string }>('DELETE FROM alert_queue WHERE n = ANY($1::int8[]) RETURNING n', [
        judgements.map((j) => j.queueId),
      ]);
      const ours = new Set(dequeued.rows.map((r) => Number(r.n)));
      const results: JudgeResult[] = [];
      for (const { queueId, triggers } of judgements) {
        const alerts: JudgeResult['alerts'] = [];
        // The shared alert upsert, run as SQL text on this transaction's connection.
        for (const t of ours.has(queueId) ? triggers : []) alerts.push(await this.upsertAlertIn(c, t));
        results.push({ queueId, judged: ours.has(queueId), alerts });
      }
      return results;
    });
  }

  async enqueueOutbox(messages: readonly OutboxInput[], at: Date): Promise<number> {
    const statements = this.tables.outbox.enqueueStatements(messages, at);
    return this.transaction(async (c) => {
      let n = 0;
      for (const q of statements) n += await this.runCompiled(c, q);
      return n;
    });
  }

  escalate(step: EscalationStep, at: Date): Promise<boolean> {
    const advance = this.tables.outbox.escalationAdvance(step);
    const inserts = this.tables.outbox.enqueueStatements(step.messages, at);
    return this.transaction(async (c) => {
      // Compare-and-set first (its row lock makes a concurrent step wait, then find nothing to change).
      if ((await this.runCompiled(c, advance)) === 0) return false;
      for (const q of inserts) await this.runCompiled(c, q);
      return true;
    });
  }

  unreadableRows(): UnreadableRowCounts {
    return this.rows.unreadable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
