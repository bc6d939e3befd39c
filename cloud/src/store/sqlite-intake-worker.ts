/**
 * The SQLite store's intake thread (started by sqlite-intake-thread.ts): its own connection to the
 * cloud's file, one IMMEDIATE transaction per round it is sent (the ingest's, the alert engine's),
 * and the round's result sent back only once the commit returned (synchronous=FULL: durable). It
 * takes its messages in order, so `close` comes after every round sent before it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { alertEscalationInsert } from './alert-escalation-insert.js';
import { type AlertFieldReader, alertJsonFields } from './alert-fields.js';
import { type AlertDatabase, AlertTables } from './alert-tables.js';
import type { OutboxDatabase } from './outbox-tables.js';
import { openSqliteFile } from './sqlite-file.js';
import { SqliteIntake } from './sqlite-intake.js';
import type { IntakeReply, IntakeRequest, IntakeWorkerData } from './sqlite-intake-thread.js';
import { SqliteJudge } from './sqlite-judge.js';
import { sqliteDialect, sqliteKysely } from './store-dialect.js';

// Its imports are what a round needs, no more: each worker's start loads them in a new isolate, and the
// first round after a worker's death waits for that (docs/testing.md). Not the row decoder (it compiles
// the protocol's schemas) nor the outbox's tables (TypeBox): the alert fields and the escalation row alone.
const port = parentPort;
if (port === null) throw new Error('sqlite-intake-worker runs as a worker thread');
const data = workerData as IntakeWorkerData;
const db = openSqliteFile(data.file);
const intake = new SqliteIntake(db);
// The alerts it writes were just written: a row it could not read back fails the round (AlertTables), not skipped.
const alertFields: AlertFieldReader = {
  alertFields(_id, raw) {
    try {
      return alertJsonFields(raw);
    } catch {
      return null;
    }
  },
};
const escalations = sqliteKysely<OutboxDatabase>(db);
const judge = new SqliteJudge(db, new AlertTables(sqliteKysely<AlertDatabase>(db), sqliteDialect, alertFields), {
  escalationInsert: (alertId, at) => alertEscalationInsert(escalations, alertId, at),
});

function reply(m: IntakeReply): void {
  port?.postMessage(m);
}

port.on('message', (m: IntakeRequest) => {
  if (m.type === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    if (m.type === 'judge') {
      reply({ type: 'done', id: m.id, result: judge.judge(m.judgements) });
      return;
    }
    if (data.dieAt === 'before-commit') {
      // Crash tests: every row of the round written, the transaction open, then the thread ends.
      db.exec('BEGIN IMMEDIATE');
      intake.intake(m.batches, m.statuses, m.at);
      process.exit(70);
    }
    const outcomes = intake.intake(m.batches, m.statuses, m.at);
    // Crash tests: committed, never answered.
    if (data.dieAt === 'after-commit') process.exit(70);
    reply({ type: 'done', id: m.id, result: outcomes });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    reply({ type: 'failed', id: m.id, message: (e as Error).message, ...(typeof code === 'string' ? { code } : {}) });
  }
});
reply({ type: 'ready' });
