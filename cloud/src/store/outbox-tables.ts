/**
 * The outbox and alert-escalation tables of both stores (migration 12), through Kysely. Statements
 * that must share a transaction with something else (an alert's judgement, an escalation step) are
 * compiled here and run by each store in its own transaction, as alert-tables.ts does.
 */
import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { ColumnType, CompiledQuery, Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import { alertEscalationInsert } from './alert-escalation-insert.js';
import {
  type AlertEscalation,
  type EscalationStep,
  type OutboxInput,
  type OutboxLease,
  type OutboxMessage,
  OutboxPayload,
  type OutboxQuery,
  type OutboxSettlement,
  type OutboxStatus,
} from './outbox-records.js';
import { clampLimit } from './query.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
/** bigint on PostgreSQL: read back as text. */
type BigMs = ColumnType<number | string, number, number>;
type NullableBigMs = ColumnType<number | string | null, number | null, number | null>;
type Json = ColumnType<unknown, string, string>;

export interface OutboxTable {
  id: string;
  idempotency_key: string;
  topic: string;
  channel: string;
  recipient: string;
  payload_json: Json;
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  not_before_ms: BigMs;
  lease_token: string | null;
  lease_until_ms: NullableBigMs;
  created_at: Time;
  settled_at: NullableTime;
  last_error: string | null;
  provider_ref: string | null;
}

export interface AlertEscalationsTable {
  alert_id: string;
  level: number;
  due_ms: BigMs;
}

export interface OutboxDatabase {
  outbox: OutboxTable;
  alert_escalations: AlertEscalationsTable;
}

type OutboxRow = Selectable<OutboxTable>;

/** An error text kept on a row: bounded (a transport may answer with a whole page). */
const MAX_ERROR = 1000;
const clip = (s: string) => (s.length > MAX_ERROR ? `${s.slice(0, MAX_ERROR)}…` : s);

export class OutboxTables {
  constructor(
    private readonly db: Kysely<OutboxDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** Inserts of the messages; a key already there is skipped (ON CONFLICT DO NOTHING). */
  enqueueStatements(messages: readonly OutboxInput[], at: Date): CompiledQuery[] {
    return messages.map((m) =>
      this.db
        .insertInto('outbox')
        .values({
          id: randomUUID(),
          idempotency_key: m.idempotencyKey,
          topic: m.topic,
          channel: m.payload.kind,
          recipient: m.recipient,
          payload_json: JSON.stringify(m.payload),
          status: 'pending',
          not_before_ms: m.notBefore.getTime(),
          created_at: at.toISOString(),
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .compile(),
    );
  }

  /** Escalation row of a newly opened alert: level 1 due at once. */
  escalationInsert(alertId: string, at: Date): CompiledQuery {
    return alertEscalationInsert(this.db, alertId, at);
  }

  /** Compare-and-set of a step: changes one row only if the escalation is still at `fromLevel`. */
  escalationAdvance(step: EscalationStep): CompiledQuery {
    if (step.next === null)
      return this.db.deleteFrom('alert_escalations').where('alert_id', '=', step.alertId).where('level', '=', step.fromLevel).compile();
    return this.db
      .updateTable('alert_escalations')
      .set({ level: step.next.level, due_ms: step.next.dueAt.getTime() })
      .where('alert_id', '=', step.alertId)
      .where('level', '=', step.fromLevel)
      .compile();
  }

  async enqueue(messages: readonly OutboxInput[], at: Date): Promise<number> {
    let n = 0;
    for (const q of this.enqueueStatements(messages, at)) n += Number((await this.db.executeQuery(q)).numAffectedRows ?? 0n);
    return n;
  }

  /**
   * Takes up to `limit` due messages for `leaseMs`: pending, not before now, not leased by a live
   * lease. Each lease counts an attempt. Concurrent senders get disjoint sets (PostgreSQL: SKIP
   * LOCKED; SQLite: one writer at a time).
   */
  async lease(now: Date, leaseMs: number, limit: number): Promise<OutboxLease[]> {
    const t = now.getTime();
    const token = randomUUID();
    const free = (eb: ExpressionBuilder<OutboxDatabase, 'outbox'>) =>
      eb.and([
        eb('status', '=', 'pending'),
        eb('not_before_ms', '<=', t),
        eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', t)]),
      ]);
    const due = this.db
      .selectFrom('outbox')
      .select('id')
      .where(free)
      .orderBy('not_before_ms')
      .orderBy('id')
      .limit(clampLimit(limit))
      .$if(this.d.kind === 'postgres', (q) => q.forUpdate().skipLocked());
    const rows = await this.db
      .updateTable('outbox')
      .set((eb) => ({ lease_token: token, lease_until_ms: t + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', due)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', t)]))
      .returningAll()
      .execute();
    const out: OutboxLease[] = [];
    for (const r of rows) {
      const m = this.read(r);
      if (m !== null) out.push({ ...m, leaseToken: token });
      // Never sendable: recorded as failed rather than leased again and again.
      else await this.settle(r.id, token, { outcome: 'failed', at: now, error: 'the stored payload cannot be read' });
    }
    return out.sort((a, b) => Date.parse(a.notBefore) - Date.parse(b.notBefore) || (a.id < b.id ? -1 : 1));
  }

  /** Records what became of a leased message; false if the lease was lost (another sender has it). */
  async settle(id: string, leaseToken: string, s: OutboxSettlement): Promise<boolean> {
    if (!this.d.canBeKey(id)) return false;
    const base = this.db.updateTable('outbox').where('id', '=', id).where('lease_token', '=', leaseToken).where('status', '=', 'pending');
    const set =
      s.outcome === 'sent'
        ? { status: 'sent', settled_at: s.at.toISOString(), provider_ref: s.providerRef, lease_token: null, lease_until_ms: null }
        : s.outcome === 'failed'
          ? { status: 'failed', settled_at: s.at.toISOString(), last_error: clip(s.error), lease_token: null, lease_until_ms: null }
          : { not_before_ms: s.retryAt.getTime(), last_error: clip(s.error), lease_token: null, lease_until_ms: null };
    const r = await base.set(set).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Withdraws the unsent messages of a topic (an acknowledged alert, a cancelled appointment). */
  async cancel(topic: string, at: Date): Promise<number> {
    const r = await this.db
      .updateTable('outbox')
      .set({ status: 'cancelled', settled_at: at.toISOString(), lease_token: null, lease_until_ms: null })
      .where('topic', '=', topic)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Withdraws the unsent messages of these topics addressed to these recipients (a patient's former
   * e-mail or number); what was withdrawn, each by its topic and recipient.
   */
  async cancelTo(topics: readonly string[], recipients: readonly string[], at: Date): Promise<{ topic: string; recipient: string }[]> {
    if (topics.length === 0 || recipients.length === 0) return [];
    return this.db
      .updateTable('outbox')
      .set({ status: 'cancelled', settled_at: at.toISOString(), lease_token: null, lease_until_ms: null })
      .where('topic', 'in', [...topics])
      .where('recipient', 'in', [...recipients])
      .where('status', '=', 'pending')
      .returning(['topic', 'recipient'])
      .execute();
  }

  async list(q: OutboxQuery): Promise<OutboxMessage[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where((eb) => {
        const conds: Expression<SqlBool>[] = [];
        if (q.topic !== undefined) conds.push(eb('topic', '=', q.topic));
        if (q.status !== undefined) conds.push(eb('status', '=', q.status));
        return eb.and(conds);
      })
      .orderBy('not_before_ms')
      .orderBy('idempotency_key')
      .limit(clampLimit(q.limit))
      .execute();
    return rows.flatMap((r) => this.read(r) ?? []);
  }

  async counts(): Promise<Record<OutboxStatus, number>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, failed: 0, cancelled: 0 };
    for (const r of rows) if (r.status in out) out[r.status as OutboxStatus] = Number(r.n);
    return out;
  }

  async dueEscalations(now: Date, limit: number): Promise<AlertEscalation[]> {
    const rows = await this.db
      .selectFrom('alert_escalations')
      .selectAll()
      .where('due_ms', '<=', now.getTime())
      .orderBy('due_ms')
      .orderBy('alert_id')
      .limit(clampLimit(limit))
      .execute();
    return rows.map((r) => ({ alertId: r.alert_id, level: this.d.int(r.level), dueAt: new Date(this.d.int(r.due_ms)) }));
  }

  async escalationOf(alertId: string): Promise<AlertEscalation | null> {
    if (!this.d.canBeKey(alertId)) return null;
    const r = await this.db.selectFrom('alert_escalations').selectAll().where('alert_id', '=', alertId).executeTakeFirst();
    return r ? { alertId: r.alert_id, level: this.d.int(r.level), dueAt: new Date(this.d.int(r.due_ms)) } : null;
  }

  /** Ends an alert's escalation (acknowledged, resolved). */
  async dropEscalation(alertId: string): Promise<boolean> {
    if (!this.d.canBeKey(alertId)) return false;
    const r = await this.db.deleteFrom('alert_escalations').where('alert_id', '=', alertId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** A row's message, or null when its payload no longer fits the schema (logged by the caller's count). */
  private read(r: OutboxRow): OutboxMessage | null {
    let payload: unknown = r.payload_json;
    try {
      if (typeof payload === 'string') payload = JSON.parse(payload);
    } catch {
      return null;
    }
    if (!Value.Check(OutboxPayload, payload)) return null;
    const d = this.d;
    return {
      id: r.id,
      idempotencyKey: r.idempotency_key,
      topic: r.topic,
      recipient: r.recipient,
      payload,
      status: r.status as OutboxStatus,
      attempts: d.int(r.attempts),
      notBefore: new Date(d.int(r.not_before_ms)).toISOString(),
      createdAt: d.iso(r.created_at),
      settledAt: r.settled_at === null ? null : d.iso(r.settled_at),
      lastError: r.last_error,
      providerRef: r.provider_ref,
    };
  }
}
