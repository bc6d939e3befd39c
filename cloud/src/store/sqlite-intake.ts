/**
 * The ingest's writes on a SQLite connection: a round's statuses and batches in one IMMEDIATE
 * transaction, each reading decided as batch-outcome.ts says. The same code runs on the event
 * loop's connection (SqliteStore without an intake thread, ':memory:' stores) and on the intake
 * thread's own connection (sqlite-intake-worker.ts), so both decide alike.
 */
import type { GatewayStatus, ObservationBatch } from '@telecart/protocol';
import type Database from 'better-sqlite3';
import { conflictOutcome, type Outcome, type StoredKey } from './batch-outcome.js';
import { gatewayStatusUpsert } from './gateway-status-sql.js';
import { PreparedStatements } from './sqlite-file.js';

const SQLITE_GATEWAY_STATUS = gatewayStatusUpsert(() => '?');

export class SqliteIntake {
  private readonly prepared: PreparedStatements;

  constructor(private readonly db: Database.Database) {
    this.prepared = new PreparedStatements(db);
  }

  /**
   * One transaction: the statuses first, then each batch in order; each batch's outcomes, reading
   * by reading. `at` (ISO) is the stored-at and status-received time, from the store's clock.
   */
  intake(batches: readonly ObservationBatch[], statuses: readonly GatewayStatus[], at: string): Outcome[][] {
    return this.db
      .transaction(() => {
        for (const s of statuses) this.status(s, at);
        return batches.map((b) => this.batch(b, at));
      })
      .immediate();
  }

  /** One batch's statements, inside the caller's transaction. */
  private batch(batch: ObservationBatch, storedAt: string): Outcome[] {
    // Insert first: on the common path (a new reading) that is one index probe per unique key;
    // the lookups below run only for a reading that collided.
    const insert = this.prepared.get(
      `INSERT INTO observations (id, gateway_id, seq, content_key, patient_id, loinc, mdc, effective, effective_ms, received, stored_at, json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    const byId = this.prepared.get('SELECT id, gateway_id AS gatewayId, seq FROM observations WHERE id = ?');
    const bySeq = this.prepared.get('SELECT id, gateway_id AS gatewayId, seq FROM observations WHERE gateway_id = ? AND seq = ?');
    const byContentKey = this.prepared.get('SELECT 1 FROM observations WHERE content_key = ?').pluck();
    // A reading may teach the INS of a patient known only by local id; it never overwrites one.
    // It never links its patient to the sending gateway: only the configuration does (upsertPatients).
    const upsertPatient = this.prepared.get(
      `INSERT INTO patients (id, ins, ins_oid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET ins = excluded.ins, ins_oid = excluded.ins_oid, updated_at = excluded.updated_at
       WHERE patients.ins IS NULL AND excluded.ins IS NOT NULL`,
    );
    // Migration 8: the alert engine judges every inserted reading, even after a crash right after this commit.
    const queueForAlerts = this.prepared.get('INSERT INTO alert_queue (observation_id, patient_id) VALUES (?, ?)');
    const touchGateway = this.prepared.get(
      `INSERT INTO gateways (gateway_id, last_batch_at) VALUES (?, ?)
       ON CONFLICT (gateway_id) DO UPDATE SET last_batch_at = excluded.last_batch_at`,
    );

    // The patient row is written after its reading, only when the reading was inserted.
    this.db.pragma('defer_foreign_keys = ON');
    const outcomes: Outcome[] = [];
    // Patients already written in this batch, and whether with an INS (nothing more to teach).
    const patientsDone = new Map<string, boolean>();
    for (const obs of batch.observations) {
      const r = insert.run(
        obs.id,
        batch.gatewayId,
        obs.seq,
        obs.contentKey ?? null,
        obs.patient.id,
        obs.code.loinc,
        obs.code.mdc ?? null,
        obs.time.effective,
        Date.parse(obs.time.effective),
        obs.time.received,
        storedAt,
        // The validated object's own serialization, never text taken from the payload.
        JSON.stringify(obs),
      );
      if (r.changes === 1) {
        outcomes.push('inserted');
        queueForAlerts.run(obs.id, obs.patient.id);
        const hasIns = obs.patient.ins !== undefined;
        const done = patientsDone.get(obs.patient.id);
        if (done === undefined || (!done && hasIns)) {
          upsertPatient.run(obs.patient.id, obs.patient.ins ?? null, obs.patient.insOid ?? null, storedAt, storedAt);
          patientsDone.set(obs.patient.id, hasIns);
        }
        continue;
      }
      const outcome = conflictOutcome(
        obs,
        batch.gatewayId,
        byId.get(obs.id) as StoredKey | undefined,
        bySeq.get(batch.gatewayId, obs.seq) as StoredKey | undefined,
        obs.contentKey !== undefined && byContentKey.get(obs.contentKey) !== undefined,
      );
      if (outcome === undefined) throw new Error(`reading ${obs.id} (seq ${obs.seq}) was neither inserted nor found stored`);
      outcomes.push(outcome);
    }
    touchGateway.run(batch.gatewayId, storedAt);
    return outcomes;
  }

  private status(status: GatewayStatus, receivedAt: string): void {
    this.prepared
      .get(SQLITE_GATEWAY_STATUS)
      .run(
        status.gatewayId,
        status.online ? 1 : 0,
        status.at,
        status.version ?? null,
        status.backlog ? JSON.stringify(status.backlog) : null,
        status.devices ? JSON.stringify(status.devices) : null,
        receivedAt,
      );
  }
}
