/**
 * The alert engine's writes on a SQLite connection: a round of judged readings taken off the alert
 * queue with the alerts they opened or updated (and each opened alert's escalation row), in one
 * IMMEDIATE transaction. The same code runs on the event loop's connection and on the intake
 * thread's (sqlite-intake-worker.ts), whose commit then no longer blocks the loop either.
 */
import type Database from 'better-sqlite3';
import type { AlertRecord, AlertTrigger } from './alert-records.js';
import type { AlertRow, AlertTables } from './alert-tables.js';
import type { Judgement, JudgeResult } from './cloud-store.js';
import type { OutboxTables } from './outbox-tables.js';
import { PreparedStatements } from './sqlite-file.js';

export class SqliteJudge {
  private readonly prepared: PreparedStatements;

  constructor(
    private readonly db: Database.Database,
    private readonly alerts: AlertTables,
    // Only the escalation row of an opened alert: the intake worker gives it without the outbox's schemas.
    private readonly outbox: Pick<OutboxTables, 'escalationInsert'>,
  ) {
    this.prepared = new PreparedStatements(db);
  }

  /** Opens the (patient, rule) alert or updates the open one, inside the caller's transaction; an opened one gets its escalation row. */
  upsertAlert(trigger: AlertTrigger): { alert: AlertRecord; created: boolean } {
    const q = this.alerts.upsertStatement(trigger);
    const r = this.alerts.upserted(this.prepared.get(q.sql).get(...q.parameters) as AlertRow | undefined);
    if (r.created) this.prepared.run(this.outbox.escalationInsert(r.alert.id, new Date(r.alert.openedAt)));
    return r;
  }

  /**
   * Synchronous, IMMEDIATE: nothing else on this connection can run inside it, and it holds the
   * write lock from the start. A reading no longer queued (judged by another engine) has nothing applied.
   */
  judge(judgements: readonly Judgement[]): JudgeResult[] {
    if (judgements.length === 0) return [];
    const dequeue = this.prepared.get('DELETE FROM alert_queue WHERE n = ?');
    return this.db
      .transaction(() =>
        judgements.map(({ queueId, triggers }) =>
          dequeue.run(queueId).changes === 0
            ? { queueId, judged: false, alerts: [] }
            : { queueId, judged: true, alerts: triggers.map((t) => this.upsertAlert(t)) },
        ),
      )
      .immediate();
  }
}
