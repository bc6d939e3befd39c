/**
 * The escalation row of a newly opened alert (migration 12): level 1, due at once. Apart from
 * outbox-tables.ts, whose payload schemas (TypeBox) the intake worker would load only to write it.
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { OutboxDatabase } from './outbox-tables.js';

export function alertEscalationInsert(db: Kysely<OutboxDatabase>, alertId: string, at: Date): CompiledQuery {
  return db
    .insertInto('alert_escalations')
    .values({ alert_id: alertId, level: 1, due_ms: at.getTime() })
    .onConflict((oc) => oc.column('alert_id').doNothing())
    .compile();
}
