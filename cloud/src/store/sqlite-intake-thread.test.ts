/**
 * The SQLite store's intake thread (sqlite-intake-thread.ts) against a real file: a round resolves
 * only once committed (a connection of its own, opened afterwards, reads it); a worker that dies
 * before or after its commit answers nothing, so nothing is acked, and the gateway's resend is
 * stored once — as new readings or as duplicates of what the dead worker had committed; the next
 * round starts another worker. The ingest over the dying thread acks only the resend. A round and a
 * judged round decide in the thread exactly as on the event loop's connection (the store suite's
 * cases, run here on both: a thread per store costs about a second to start, too much for the whole suite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation, ObservationBatch } from '@telecart/protocol';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.js';
import { type Ingest, startIngest } from '../ingest/ingest.js';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';
import type { AlertTrigger } from './alert-records.js';
import { type IntakeDeath, IntakeThreadDied } from './sqlite-intake-thread.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
let file: string;
const stores: SqliteStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-intake-thread-'));
  file = join(dir, 'cloud.db');
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The tests whose worker dies start two workers one after the other (the dying one, the resend's). A start
 * compiles the worker's modules in a new isolate: ~350 ms of CPU, 0.5–1 s on a quiet host, 10–20 s at load
 * 35–50 on this 2-core host, where the default 30 s ran out (docs/testing.md « Retried once »). A bound on the
 * wait, not on speed.
 */
const TWO_WORKER_STARTS_MS = 120_000;

function open(dieAt?: IntakeDeath): { store: SqliteStore; deaths: Error[] } {
  const deaths: Error[] = [];
  const store = new SqliteStore({ file, intakeThread: { onExit: (e) => deaths.push(e), ...(dieAt ? { dieAt } : {}) } });
  stores.push(store);
  return { store, deaths };
}

/** What another process would read in the file now: committed rows only. */
function committed(): { readings: number; statuses: number } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      readings: Number(db.prepare('SELECT COUNT(*) FROM observations').pluck().get()),
      statuses: Number(db.prepare('SELECT COUNT(*) FROM gateways WHERE status_at IS NOT NULL').pluck().get()),
    };
  } finally {
    db.close();
  }
}

const fifty = (gatewayId = 'cart-1'): ObservationBatch =>
  batchOf(
    Array.from({ length: 50 }, (_, i) => reading('pulse', { seq: i + 1, gatewayId })),
    { gatewayId },
  );

describe('SQLite intake thread', () => {
  it('answers a round only once it is committed: another connection reads every reading and the status', async () => {
    const { store, deaths } = open();
    await store.intakeReady();
    const b = fifty();
    const [r] = await store.storeIntake([b], [statusOf('cart-1', true, 50)]);
    expect(committed()).toEqual({ readings: 50, statuses: 1 });
    expect(r).toMatchObject({ duplicates: 0, rejected: [] });
    expect(r?.inserted).toHaveLength(50);
    // The event loop's own connection reads what the thread wrote, and the thread's answer names the same readings.
    expect(await store.countObservations({})).toBe(50);
    expect(r?.inserted.map((o) => o.id)).toEqual(b.observations.map((o) => o.id));
    expect(deaths).toEqual([]);
  });

  it('decides a round (new, again in the round, re-read, seq reused) and its statuses as the event loop does', async () => {
    const b1 = batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-2' }), reading('spo2', { seq: 2, gatewayId: 'cart-2' })]);
    const b2 = batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-1' })]);
    const reread = batchOf([reading('pulse', { seq: 3, gatewayId: 'cart-2' }), b1.observations[1] as Observation]);
    const reused = batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-1' })]);
    const round = [b1, b2, b1, reread, reused];
    const statuses = [statusOf('cart-1', true), statusOf('cart-2', false, 7)];
    const onLoop = new SqliteStore({ file: join(dir, 'loop.db') });
    stores.push(onLoop);
    const { store } = open();
    const [here, there] = [await onLoop.storeIntake(round, statuses), await store.storeIntake(round, statuses)];
    expect(there).toEqual(here);
    expect(there.map((r) => [r.storedSeqs, r.duplicates, r.rejected.length, r.inserted.length])).toEqual([
      [[1, 2], 0, 0, 2],
      [[1], 0, 0, 1],
      [[1, 2], 2, 0, 0],
      [[3, 2], 1, 0, 1],
      [[], 0, 1, 0],
    ]);
    const gateways = async (s: SqliteStore) => (await s.listGateways()).map((g) => ({ ...g, statusReceivedAt: null, lastBatchAt: null }));
    expect(await gateways(store)).toEqual(await gateways(onLoop));
    expect(committed()).toEqual({ readings: 4, statuses: 2 });
  });

  it("judges the alert engine's round in the thread: the alert opened with its escalation row, the reading dequeued, once", async () => {
    const { store } = open();
    const w = reading('weight', { seq: 1, patientId: 'p-hf' });
    await store.storeBatch(batchOf([w]));
    const [queued] = await store.pendingJudgements(10);
    const trigger: AlertTrigger = {
      patientId: 'p-hf',
      rule: 'hf-weight-gain-3d',
      severity: 'critical',
      at: new Date('2026-11-20T08:00:00Z'),
      observationIds: [w.id],
      textKey: 'hf-weight-gain-3d',
      values: { gainKg: 2.1 },
    };
    const round = [{ queueId: queued?.queueId ?? 0, triggers: [trigger] }];
    const [judged] = await store.judge(round);
    expect(judged).toMatchObject({ judged: true, alerts: [{ created: true, alert: { rule: 'hf-weight-gain-3d', count: 1 } }] });
    expect(await store.getEscalation(judged?.alerts[0]?.alert.id ?? '')).toMatchObject({ level: 1 });
    expect(await store.pendingJudgements(10)).toEqual([]);
    expect(await store.judge(round)).toEqual([{ queueId: queued?.queueId, judged: false, alerts: [] }]);
    expect((await store.listAlerts({})).alerts.map((a) => a.count)).toEqual([1]);
  });

  it('a worker dead mid-round (rows written, not committed): nothing answered, nothing stored; the resend is stored once by a new worker', {
    timeout: TWO_WORKER_STARTS_MS,
  }, async () => {
    const { store, deaths } = open('before-commit');
    const b = fifty();
    await expect(store.storeIntake([b], [statusOf('cart-1', true, 50)])).rejects.toBeInstanceOf(IntakeThreadDied);
    expect(deaths).toHaveLength(1);
    expect(committed()).toEqual({ readings: 0, statuses: 0 });
    const [again] = await store.storeIntake([b], []);
    expect(again?.inserted).toHaveLength(50);
    expect(again?.duplicates).toBe(0);
    expect(committed().readings).toBe(50);
  });

  it('a worker dead after its commit, before its answer: not acked; the resend is 50 duplicates, nothing stored twice', {
    timeout: TWO_WORKER_STARTS_MS,
  }, async () => {
    const { store, deaths } = open('after-commit');
    const b = fifty();
    await expect(store.storeBatch(b)).rejects.toBeInstanceOf(IntakeThreadDied);
    expect(deaths).toHaveLength(1);
    expect(committed().readings).toBe(50);
    const again = await store.storeBatch(b);
    expect(again).toMatchObject({ duplicates: 50, inserted: [], rejected: [] });
    expect(committed().readings).toBe(50);
  });

  it('the ingest over a dying thread: the batch is not acked; the gateway resends it and gets its ack, stored once', {
    timeout: TWO_WORKER_STARTS_MS,
  }, async () => {
    const logger = pino({ level: 'silent' });
    const { store } = open('after-commit');
    await store.upsertPatients([{ id: 'p-1', family: 'THREAD', given: 'A', gateways: ['cart-1'], localId: 'p-001' }]);
    const broker: EmbeddedBroker = await startEmbeddedBroker({ port: 0, logger });
    let ingest: Ingest | undefined;
    let gw: TestGateway | undefined;
    try {
      ingest = await startIngest({ brokerUrl: broker.url, store, logger, roundLingerMs: 0 });
      gw = await TestGateway.connect(broker.url, 'cart-1');
      const b = fifty();
      void gw.send(b).catch(() => undefined);
      const ing = ingest;
      // A bound on the wait, not on speed: a worker thread takes 10–20 s to start at load 35–50 (TWO_WORKER_STARTS_MS).
      await expect.poll(() => ing.metrics().storeErrors, { timeout: 90_000 }).toBe(1);
      expect(gw.acks).toEqual([]);
      expect(committed().readings).toBe(50);
      // What the gateway does when no ack came: the same batch again.
      const ack = await gw.send(b);
      expect(ack).toMatchObject({ batchId: b.batchId, stored: [[1, 50]], duplicates: 50, rejected: [] });
      expect(gw.acks).toHaveLength(1);
      expect(committed().readings).toBe(50);
    } finally {
      await gw?.close();
      await ingest?.stop();
      await broker.stop();
    }
  });
});
