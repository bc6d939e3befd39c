/** The alerts table of the SQLite store (migration 4). */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
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
import type { Judgement, JudgeResult } from './cloud-store.js';
import { clampLimit, clampOffset } from './query.js';
import type { AlertJsonFields, RowDecoder } from './row-decoder.js';

type SqlParam = string | number | null;

interface AlertRow {
  id: string;
  patient_id: string;
  rule: string;
  severity: string;
  status: string;
  opened_at: string;
  last_at: string;
  count: number;
  first_observation_ids: string;
  last_observation_ids: string;
  text_key: string;
  values_json: string;
  ack_by: string | null;
  ack_at: string | null;
  ack_note: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

function fromRow(r: AlertRow, f: AlertJsonFields): AlertRecord {
  return {
    id: r.id,
    patientId: r.patient_id,
    rule: r.rule,
    severity: r.severity as AlertSeverity,
    status: r.status as AlertStatus,
    openedAt: r.opened_at,
    lastAt: r.last_at,
    count: r.count,
    firstObservationIds: f.firstObservationIds,
    lastObservationIds: f.lastObservationIds,
    textKey: r.text_key,
    values: f.values,
    ackBy: r.ack_by,
    ackAt: r.ack_at,
    ackNote: r.ack_note,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
  };
}

/** Critical first, then the latest trigger first (the order a care team works through them). */
const ORDER = "ORDER BY CASE severity WHEN 'critical' THEN 0 ELSE 1 END, last_ms DESC, id";

function whereClause(q: AlertQuery): { sql: string; params: SqlParam[] } {
  const conds: string[] = [];
  const params: SqlParam[] = [];
  const add = (cond: string, value: SqlParam) => {
    conds.push(cond);
    params.push(value);
  };
  if (q.status !== undefined) add('status = ?', q.status);
  if (q.patientId !== undefined) add('patient_id = ?', q.patientId);
  if (q.patientIds !== undefined) add('patient_id IN (SELECT value FROM json_each(?))', JSON.stringify(q.patientIds));
  if (q.rule !== undefined) add('rule = ?', q.rule);
  if (q.from !== undefined) add('last_ms >= ?', q.from.getTime());
  if (q.to !== undefined) add('last_ms <= ?', q.to.getTime());
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export class SqliteAlertTables {
  constructor(
    private readonly db: Database.Database,
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

  upsertOpen(t: AlertTrigger): { alert: AlertRecord; created: boolean } {
    const at = t.at.toISOString();
    const ids = JSON.stringify(t.observationIds.slice(-MAX_TRIGGER_IDS));
    // One statement: the partial unique index turns a concurrent second insert into the update.
    const row = this.db
      .prepare(
        `INSERT INTO alerts (id, patient_id, rule, severity, status, opened_at, opened_ms, last_at, last_ms, count,
           first_observation_ids, last_observation_ids, text_key, values_json)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (patient_id, rule) WHERE status = 'open' DO UPDATE SET
           severity = CASE WHEN alerts.severity = 'critical' OR excluded.severity = 'critical' THEN 'critical' ELSE 'warning' END,
           last_at = excluded.last_at, last_ms = excluded.last_ms, count = alerts.count + 1,
           last_observation_ids = excluded.last_observation_ids, text_key = excluded.text_key, values_json = excluded.values_json
         RETURNING *`,
      )
      .get(
        randomUUID(),
        t.patientId,
        t.rule,
        t.severity,
        at,
        t.at.getTime(),
        at,
        t.at.getTime(),
        ids,
        ids,
        t.textKey,
        JSON.stringify(t.values),
      ) as AlertRow;
    const alert = this.written(row);
    return { alert, created: alert.count === 1 };
  }

  get(id: string): AlertRecord | null {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? this.read(row) : null;
  }

  list(q: AlertQuery): AlertPage {
    const { sql, params } = whereClause(q);
    const total = Number(
      this.db
        .prepare(`SELECT COUNT(*) FROM alerts ${sql}`)
        .pluck()
        .get(...params),
    );
    const rows = this.db
      .prepare(`SELECT * FROM alerts ${sql} ${ORDER} LIMIT ? OFFSET ?`)
      .all(...params, clampLimit(q.limit), clampOffset(q.offset)) as AlertRow[];
    return { total, alerts: rows.flatMap((r) => this.read(r) ?? []) };
  }

  acknowledge(id: string, by: string, note: string | null, at: Date): AckResult {
    const row = this.db
      .prepare(
        `UPDATE alerts SET status = 'acknowledged', ack_by = ?, ack_at = ?, ack_note = ? WHERE id = ? AND status = 'open' RETURNING *`,
      )
      .get(by, at.toISOString(), note, id) as AlertRow | undefined;
    if (row) return { outcome: 'acknowledged', alert: this.written(row) };
    const current = this.get(id);
    return current ? { outcome: 'not-open', alert: current } : { outcome: 'not-found' };
  }

  /** Takes the readings off the alert queue and applies their triggers, in one transaction (migration 8). */
  judge(judgements: readonly Judgement[]): JudgeResult[] {
    const dequeue = this.db.prepare('DELETE FROM alert_queue WHERE n = ?');
    return this.db
      .transaction(() =>
        judgements.map(({ queueId, triggers }) =>
          dequeue.run(queueId).changes === 0
            ? { queueId, judged: false, alerts: [] }
            : { queueId, judged: true, alerts: triggers.map((t) => this.upsertOpen(t)) },
        ),
      )
      .immediate();
  }

  resolveOpen(patientId: string, rule: string, by: string, at: Date): AlertRecord | null {
    const row = this.db
      .prepare(
        `UPDATE alerts SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE patient_id = ? AND rule = ? AND status = 'open' RETURNING *`,
      )
      .get(at.toISOString(), by, patientId, rule) as AlertRow | undefined;
    return row ? this.written(row) : null;
  }
}
