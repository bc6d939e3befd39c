/**
 * The alerts table of both stores (migration 4), through Kysely: one set of queries, the dialect's
 * differences in store-dialect.ts. The alert engine's queue (migration 8) stays with each store:
 * its transaction is the store's own (store.judge), which runs the upsert built here.
 */
import { randomUUID } from 'node:crypto';
import { type ColumnType, type CompiledQuery, type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { AlertFieldReader, AlertJsonFields } from './alert-fields.js';
import {
  type AckResult,
  type AlertPage,
  type AlertQuery,
  type AlertRecord,
  type AlertSeverity,
  type AlertStatus,
  type AlertTrigger,
  MAX_TRIGGER_IDS,
} from './alert-records.js';
import { clampLimit, clampOffset } from './query.js';
import type { StoreDialect } from './store-dialect.js';

/** Written as ISO text; read back as that text (SQLite) or a Date (PostgreSQL timestamptz). */
type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
/** SQLite only: the epoch-ms twin of a time (absent on PostgreSQL: written as undefined, skipped). */
type Ms = ColumnType<number, number | undefined, number | undefined>;
/** Written as JSON text; read back as that text (SQLite) or parsed (PostgreSQL json): the AlertFieldReader checks it. */
type Json = ColumnType<unknown, string, string>;

export interface AlertsTable {
  id: string;
  patient_id: string;
  rule: string;
  severity: string;
  status: string;
  opened_at: Time;
  opened_ms: Ms;
  last_at: Time;
  last_ms: Ms;
  count: number;
  first_observation_ids: Json;
  last_observation_ids: Json;
  text_key: string;
  values_json: Json;
  ack_by: string | null;
  ack_at: NullableTime;
  ack_note: string | null;
  resolved_at: NullableTime;
  resolved_by: string | null;
}

export interface AlertDatabase {
  alerts: AlertsTable;
}

/** A row of the alerts table as either database returns it. */
export type AlertRow = Selectable<AlertsTable>;

export class AlertTables {
  constructor(
    private readonly db: Kysely<AlertDatabase>,
    private readonly d: StoreDialect,
    private readonly rows: AlertFieldReader,
  ) {}

  /**
   * The upsert of a trigger as one statement, for a store to run in its own transaction (judge).
   * ON CONFLICT on the partial unique index: a concurrent insert of the same (patient, rule) waits
   * for the first to commit, then updates it. Never two open alerts.
   */
  upsertStatement(t: AlertTrigger): CompiledQuery<AlertRow> {
    const at = t.at.toISOString();
    const ms = this.d.ms(at);
    const ids = JSON.stringify(t.observationIds.slice(-MAX_TRIGGER_IDS));
    return (
      this.db
        .insertInto('alerts')
        .values({
          id: randomUUID(),
          patient_id: t.patientId,
          rule: t.rule,
          severity: t.severity,
          status: 'open',
          opened_at: at,
          opened_ms: ms,
          last_at: at,
          last_ms: ms,
          count: 1,
          first_observation_ids: ids,
          last_observation_ids: ids,
          text_key: t.textKey,
          values_json: JSON.stringify(t.values),
        })
        // The index predicate as a literal: both databases match it to the partial index's own.
        .onConflict((oc) =>
          oc
            .columns(['patient_id', 'rule'])
            .where(sql<SqlBool>`status = 'open'`)
            .doUpdateSet((eb) => ({
              severity: sql<string>`CASE WHEN alerts.severity = 'critical' OR excluded.severity = 'critical' THEN 'critical' ELSE 'warning' END`,
              last_at: eb.ref('excluded.last_at'),
              last_ms: ms === undefined ? undefined : eb.ref('excluded.last_ms'),
              count: sql<number>`alerts.count + 1`,
              last_observation_ids: eb.ref('excluded.last_observation_ids'),
              text_key: eb.ref('excluded.text_key'),
              values_json: eb.ref('excluded.values_json'),
            })),
        )
        .returningAll()
        .compile()
    );
  }

  /** What the upsert's RETURNING row says: the alert, and whether this trigger opened it. */
  upserted(row: AlertRow | undefined): { alert: AlertRecord; created: boolean } {
    if (row === undefined) throw new Error('the alert upsert returned no row');
    const alert = this.written(row);
    return { alert, created: alert.count === 1 };
  }

  async upsertOpen(t: AlertTrigger): Promise<{ alert: AlertRecord; created: boolean }> {
    const res = await this.db.executeQuery(this.upsertStatement(t));
    return this.upserted(res.rows[0]);
  }

  async get(id: string): Promise<AlertRecord | null> {
    if (!this.d.canBeKey(id)) return null;
    const row = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.read(row) : null;
  }

  async list(q: AlertQuery): Promise<AlertPage> {
    const d = this.d;
    const last = d.timeRef('last_at', 'last_ms');
    const filtered = this.db.selectFrom('alerts').where((eb) => {
      const conds: Expression<SqlBool>[] = [];
      if (q.status !== undefined) conds.push(eb('status', '=', q.status));
      if (q.patientId !== undefined) conds.push(eb('patient_id', '=', q.patientId));
      if (q.patientIds !== undefined) conds.push(d.inList('patient_id', q.patientIds));
      if (q.rule !== undefined) conds.push(eb('rule', '=', q.rule));
      if (q.from !== undefined) conds.push(eb(last, '>=', d.time(q.from)));
      if (q.to !== undefined) conds.push(eb(last, '<=', d.time(q.to)));
      return eb.and(conds);
    });
    const [count, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
      filtered
        .selectAll()
        // Critical first, then the latest trigger first (the order a care team works through them).
        .orderBy(sql`CASE severity WHEN 'critical' THEN 0 ELSE 1 END`)
        .orderBy(last, 'desc')
        .orderBy('id')
        .limit(clampLimit(q.limit))
        .offset(clampOffset(q.offset))
        .execute(),
    ]);
    return { total: Number(count?.n ?? 0), alerts: rows.flatMap((r) => this.read(r) ?? []) };
  }

  async acknowledge(id: string, by: string, note: string | null, at: Date): Promise<AckResult> {
    if (!this.d.canBeKey(id)) return { outcome: 'not-found' };
    const row = await this.db
      .updateTable('alerts')
      .set({ status: 'acknowledged', ack_by: by, ack_at: at.toISOString(), ack_note: note })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    if (row) return { outcome: 'acknowledged', alert: this.written(row) };
    const current = await this.get(id);
    return current ? { outcome: 'not-open', alert: current } : { outcome: 'not-found' };
  }

  async resolveOpen(patientId: string, rule: string, by: string, at: Date): Promise<AlertRecord | null> {
    const row = await this.db
      .updateTable('alerts')
      .set({ status: 'resolved', resolved_at: at.toISOString(), resolved_by: by })
      .where('patient_id', '=', patientId)
      .where('rule', '=', rule)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    return row ? this.written(row) : null;
  }

  /** The alert of a stored row, or null (skipped, counted) when its JSON columns cannot be read. */
  private read(r: AlertRow): AlertRecord | null {
    const f = this.rows.alertFields(r.id, { first: r.first_observation_ids, last: r.last_observation_ids, values: r.values_json });
    return f === null ? null : this.fromRow(r, f);
  }

  /** A row a write just returned: an unreadable one is an error naming the alert. */
  private written(r: AlertRow): AlertRecord {
    const a = this.read(r);
    if (a === null) throw new Error(`alert ${r.id}: the stored row cannot be read (logged)`);
    return a;
  }

  private fromRow(r: AlertRow, f: AlertJsonFields): AlertRecord {
    const d = this.d;
    return {
      id: r.id,
      patientId: r.patient_id,
      rule: r.rule,
      severity: r.severity as AlertSeverity,
      status: r.status as AlertStatus,
      openedAt: d.iso(r.opened_at),
      lastAt: d.iso(r.last_at),
      count: d.int(r.count),
      firstObservationIds: f.firstObservationIds,
      lastObservationIds: f.lastObservationIds,
      textKey: r.text_key,
      values: f.values,
      ackBy: r.ack_by,
      ackAt: r.ack_at === null ? null : d.iso(r.ack_at),
      ackNote: r.ack_note,
      resolvedAt: r.resolved_at === null ? null : d.iso(r.resolved_at),
      resolvedBy: r.resolved_by,
    };
  }
}
