/** The alerts table of the PostgreSQL store (migration 4). */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
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
import type { AlertJsonFields, RowDecoder } from './row-decoder.js';

type SqlParam = string | number | Date | null | readonly string[];

interface AlertRow {
  id: string;
  patient_id: string;
  rule: string;
  severity: string;
  status: string;
  opened_at: Date;
  last_at: Date;
  count: number;
  first_observation_ids: string[];
  last_observation_ids: string[];
  text_key: string;
  values_json: AlertRecord['values'];
  ack_by: string | null;
  ack_at: Date | null;
  ack_note: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
}

function fromRow(r: AlertRow, f: AlertJsonFields): AlertRecord {
  return {
    id: r.id,
    patientId: r.patient_id,
    rule: r.rule,
    severity: r.severity as AlertSeverity,
    status: r.status as AlertStatus,
    openedAt: r.opened_at.toISOString(),
    lastAt: r.last_at.toISOString(),
    count: r.count,
    firstObservationIds: f.firstObservationIds,
    lastObservationIds: f.lastObservationIds,
    textKey: r.text_key,
    values: f.values,
    ackBy: r.ack_by,
    ackAt: r.ack_at?.toISOString() ?? null,
    ackNote: r.ack_note,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolvedBy: r.resolved_by,
  };
}

const ORDER = "ORDER BY CASE severity WHEN 'critical' THEN 0 ELSE 1 END, last_at DESC, id";
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function whereClause(q: AlertQuery): { sql: string; params: SqlParam[] } {
  const conds: string[] = [];
  const params: SqlParam[] = [];
  const add = (cond: (p: string) => string, value: SqlParam) => {
    params.push(value);
    conds.push(cond(`$${params.length}`));
  };
  if (q.status !== undefined) add((p) => `status = ${p}`, q.status);
  if (q.patientId !== undefined) add((p) => `patient_id = ${p}`, q.patientId);
  if (q.patientIds !== undefined) add((p) => `patient_id = ANY(${p}::text[])`, q.patientIds);
  if (q.rule !== undefined) add((p) => `rule = ${p}`, q.rule);
  if (q.from !== undefined) add((p) => `last_at >= ${p}`, q.from);
  if (q.to !== undefined) add((p) => `last_at <= ${p}`, q.to);
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export class PostgresAlertTables {
  constructor(
    private readonly pool: pg.Pool,
    private readonly rows: RowDecoder,
  ) {}

  /** The alert of a stored row, or null (skipped, counted) when its JSON columns cannot be read. */
  private read(r: AlertRow): AlertRecord | null {
    const f = this.rows.alertFields(r.id, { first: r.first_observation_ids, last: r.last_observation_ids, values: r.values_json });
    return f === null ? null : fromRow(r, f);
  }

  /** A row a write just returned: an unreadable one is an error naming the alert. */
  private written(r: AlertRow): AlertRecord {
    const a = this.read(r);
    if (a === null) throw new Error(`alert ${r.id}: the stored row cannot be read (logged)`);
    return a;
  }

  /** `db`: a transaction's client, to raise alerts atomically with other writes (the alert queue). */
  async upsertOpen(t: AlertTrigger, db: pg.Pool | pg.PoolClient = this.pool): Promise<{ alert: AlertRecord; created: boolean }> {
    const ids = JSON.stringify(t.observationIds.slice(-MAX_TRIGGER_IDS));
    // ON CONFLICT on the partial unique index: a concurrent insert of the same (patient, rule)
    // waits for the first to commit, then updates it. Never two open alerts.
    const res = await db.query<AlertRow>(
      `INSERT INTO alerts (id, patient_id, rule, severity, status, opened_at, last_at, count,
         first_observation_ids, last_observation_ids, text_key, values_json)
       VALUES ($1, $2, $3, $4, 'open', $5, $5, 1, $6, $6, $7, $8)
       ON CONFLICT (patient_id, rule) WHERE status = 'open' DO UPDATE SET
         severity = CASE WHEN alerts.severity = 'critical' OR excluded.severity = 'critical' THEN 'critical' ELSE 'warning' END,
         last_at = excluded.last_at, count = alerts.count + 1,
         last_observation_ids = excluded.last_observation_ids, text_key = excluded.text_key, values_json = excluded.values_json
       RETURNING *`,
      [randomUUID(), t.patientId, t.rule, t.severity, t.at, ids, t.textKey, JSON.stringify(t.values)],
    );
    const alert = this.written(res.rows[0] as AlertRow);
    return { alert, created: alert.count === 1 };
  }

  async get(id: string): Promise<AlertRecord | null> {
    if (!UUID.test(id)) return null;
    const res = await this.pool.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    return res.rows[0] ? this.read(res.rows[0]) : null;
  }

  async list(q: AlertQuery): Promise<AlertPage> {
    const { sql, params } = whereClause(q);
    const n = params.length;
    const [count, rows] = await Promise.all([
      this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM alerts ${sql}`, params),
      this.pool.query<AlertRow>(`SELECT * FROM alerts ${sql} ${ORDER} LIMIT $${n + 1} OFFSET $${n + 2}`, [
        ...params,
        clampLimit(q.limit),
        clampOffset(q.offset),
      ]),
    ]);
    return { total: Number(count.rows[0]?.n ?? 0), alerts: rows.rows.flatMap((r) => this.read(r) ?? []) };
  }

  async acknowledge(id: string, by: string, note: string | null, at: Date): Promise<AckResult> {
    if (!UUID.test(id)) return { outcome: 'not-found' };
    const res = await this.pool.query<AlertRow>(
      `UPDATE alerts SET status = 'acknowledged', ack_by = $1, ack_at = $2, ack_note = $3 WHERE id = $4 AND status = 'open' RETURNING *`,
      [by, at, note, id],
    );
    if (res.rows[0]) return { outcome: 'acknowledged', alert: this.written(res.rows[0]) };
    const current = await this.get(id);
    return current ? { outcome: 'not-open', alert: current } : { outcome: 'not-found' };
  }

  async resolveOpen(patientId: string, rule: string, by: string, at: Date): Promise<AlertRecord | null> {
    const res = await this.pool.query<AlertRow>(
      `UPDATE alerts SET status = 'resolved', resolved_at = $1, resolved_by = $2 WHERE patient_id = $3 AND rule = $4 AND status = 'open' RETURNING *`,
      [at, by, patientId, rule],
    );
    return res.rows[0] ? this.written(res.rows[0]) : null;
  }
}
