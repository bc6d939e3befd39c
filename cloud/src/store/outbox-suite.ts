/**
 * The outbox and alert-escalation part of the store contract (migration 12), run on every
 * CloudStore (SQLite, PostgreSQL) from its test file next to cloudStoreSuite().
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../testing/observations.js';
import type { AlertTrigger, CloudStore, OutboxInput } from './cloud-store.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const T0 = new Date(Date.UTC(2026, 11, 6, 9, 0));
const min = (n: number) => new Date(T0.getTime() + n * 60_000);

function mail(key: string, over: Partial<OutboxInput> = {}): OutboxInput {
  return {
    idempotencyKey: key,
    topic: 'alert:a1',
    recipient: 'ide@example.org',
    payload: { kind: 'email', subject: `subject ${key}`, text: 'body' },
    notBefore: T0,
    ...over,
  };
}

const trigger = (observationId: string, rule = 'hf-weight-gain-3d'): AlertTrigger => ({
  patientId: 'p-hf',
  rule,
  severity: 'warning',
  at: T0,
  observationIds: [observationId],
  textKey: rule,
  values: { gainKg: 2.1 },
});

export function outboxStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: outbox`, () => {
    let db: StoreTestDatabase;
    let store: CloudStore;
    const extra: CloudStore[] = [];
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await Promise.all([store, ...extra.splice(0)].map((s) => s.close()));
      await db.drop();
    });

    describe(`${harness.name}: outbox`, () => {
      it('adds a message once per idempotency key, whatever the replays', async () => {
        expect(await store.enqueueOutbox([mail('k1'), mail('k2')], T0)).toBe(2);
        expect(await store.enqueueOutbox([mail('k1', { recipient: 'other@example.org' }), mail('k3')], T0)).toBe(1);
        const all = await store.listOutbox({});
        expect(all.map((m) => [m.idempotencyKey, m.recipient, m.status, m.attempts])).toEqual([
          ['k1', 'ide@example.org', 'pending', 0],
          ['k2', 'ide@example.org', 'pending', 0],
          ['k3', 'ide@example.org', 'pending', 0],
        ]);
        expect(all[0]?.payload).toEqual({ kind: 'email', subject: 'subject k1', text: 'body' });
        expect(await store.outboxCounts()).toEqual({ pending: 3, sent: 0, failed: 0, cancelled: 0 });
      });

      it('leases only due messages, each to one sender, and again once the lease ran out', async () => {
        await store.enqueueOutbox([mail('now'), mail('later', { notBefore: min(30) })], T0);
        const other = await db.open();
        extra.push(other);
        const [a, b] = await Promise.all([store.leaseOutbox(T0, 60_000, 10), other.leaseOutbox(T0, 60_000, 10)]);
        expect([...a, ...b].map((m) => m.idempotencyKey)).toEqual(['now']);
        expect(await store.leaseOutbox(min(0.5), 60_000, 10)).toEqual([]);
        // The holder died: after its lease the message is taken again, as a second attempt.
        const again = await other.leaseOutbox(min(2), 60_000, 10);
        expect(again.map((m) => [m.idempotencyKey, m.attempts])).toEqual([['now', 2]]);
        const lost = [...a, ...b][0];
        expect(await store.settleOutbox(lost?.id ?? '', lost?.leaseToken ?? '', { outcome: 'sent', at: min(2), providerRef: 'x' })).toBe(
          false,
        );
        // Still unsettled, 'now' comes back with 'later' once both are due.
        expect((await store.leaseOutbox(min(31), 60_000, 10)).map((m) => [m.idempotencyKey, m.attempts])).toEqual([
          ['now', 3],
          ['later', 1],
        ]);
      });

      it('records sent, retry-later and failed; a settled message is not leased again', async () => {
        await store.enqueueOutbox([mail('s'), mail('r'), mail('f')], T0);
        const leased = await store.leaseOutbox(T0, 60_000, 10);
        const by = (k: string) => leased.find((m) => m.idempotencyKey === k);
        const s = by('s');
        const r = by('r');
        const f = by('f');
        if (!s || !r || !f) throw new Error('not leased');
        expect(await store.settleOutbox(s.id, s.leaseToken, { outcome: 'sent', at: min(1), providerRef: '<m1@telecart>' })).toBe(true);
        expect(await store.settleOutbox(r.id, r.leaseToken, { outcome: 'retry', at: min(1), error: 'ECONNREFUSED', retryAt: min(5) })).toBe(
          true,
        );
        expect(await store.settleOutbox(f.id, f.leaseToken, { outcome: 'failed', at: min(1), error: '550 no such user' })).toBe(true);
        expect(await store.settleOutbox(s.id, s.leaseToken, { outcome: 'failed', at: min(1), error: 'late' })).toBe(false);
        expect(await store.leaseOutbox(min(4), 60_000, 10)).toEqual([]);
        expect((await store.leaseOutbox(min(5), 60_000, 10)).map((m) => [m.idempotencyKey, m.attempts, m.lastError])).toEqual([
          ['r', 2, 'ECONNREFUSED'],
        ]);
        const sent = await store.listOutbox({ status: 'sent' });
        expect(sent.map((m) => [m.idempotencyKey, m.providerRef, m.settledAt])).toEqual([['s', '<m1@telecart>', min(1).toISOString()]]);
        expect((await store.listOutbox({ status: 'failed' }))[0]?.lastError).toBe('550 no such user');
        expect(await store.outboxCounts()).toEqual({ pending: 1, sent: 1, failed: 1, cancelled: 0 });
      });

      it('withdraws the unsent messages of a topic, not the sent ones nor other topics', async () => {
        await store.enqueueOutbox([mail('a'), mail('b', { notBefore: min(60) }), mail('c', { topic: 'alert:a2', notBefore: min(1) })], T0);
        const [a] = await store.leaseOutbox(T0, 60_000, 1);
        await store.settleOutbox(a?.id ?? '', a?.leaseToken ?? '', { outcome: 'sent', at: T0, providerRef: null });
        expect(await store.cancelOutbox('alert:a1', min(1))).toBe(1);
        expect((await store.listOutbox({ topic: 'alert:a1' })).map((m) => [m.idempotencyKey, m.status])).toEqual([
          ['a', 'sent'],
          ['b', 'cancelled'],
        ]);
        expect((await store.listOutbox({ topic: 'alert:a2' }))[0]?.status).toBe('pending');
      });

      it('withdraws the unsent messages of some topics to some recipients only (a patient’s former contact)', async () => {
        await store.enqueueOutbox(
          [
            mail('old-1', { topic: 'appointment:x', recipient: 'old@example.org' }),
            mail('old-2', { topic: 'appointment-reminder:x', recipient: 'old@example.org', notBefore: min(60) }),
            mail('new', { topic: 'appointment:x', recipient: 'new@example.org' }),
            mail('other-act', { topic: 'appointment:y', recipient: 'old@example.org' }),
            mail('sent', { topic: 'appointment:x', recipient: '+33611111111' }),
          ],
          T0,
        );
        const leased = (await store.leaseOutbox(T0, 60_000, 10)).find((m) => m.idempotencyKey === 'sent');
        await store.settleOutbox(leased?.id ?? '', leased?.leaseToken ?? '', { outcome: 'sent', at: T0, providerRef: null });
        const withdrawn = await store.cancelOutboxTo(
          ['appointment:x', 'appointment-reminder:x'],
          ['old@example.org', '+33611111111'],
          min(1),
        );
        expect(withdrawn.map((w) => w.topic).sort()).toEqual(['appointment-reminder:x', 'appointment:x']);
        const status = async (topic: string) => (await store.listOutbox({ topic })).map((m) => [m.idempotencyKey, m.status]).sort();
        expect(await status('appointment:x')).toEqual([
          ['new', 'pending'],
          ['old-1', 'cancelled'],
          ['sent', 'sent'],
        ]);
        expect(await status('appointment-reminder:x')).toEqual([['old-2', 'cancelled']]);
        expect(await status('appointment:y')).toEqual([['other-act', 'pending']]);
        expect(await store.cancelOutboxTo([], ['old@example.org'], min(2))).toEqual([]);
      });

      it('fails a message whose stored payload cannot be read instead of leasing it forever', async () => {
        await store.enqueueOutbox([mail('bad')], T0);
        await db.exec(`UPDATE outbox SET payload_json = '{"kind":"fax"}'`);
        expect(await store.leaseOutbox(T0, 60_000, 10)).toEqual([]);
        expect((await store.listOutbox({ status: 'failed' })).length + (await store.outboxCounts()).failed).toBeGreaterThan(0);
        expect(await store.outboxCounts()).toEqual({ pending: 0, sent: 0, failed: 1, cancelled: 0 });
      });
    });

    describe(`${harness.name}: alert escalations`, () => {
      it('an alert opened by a judgement gets its escalation row in the same commit; an update does not add one', async () => {
        const w1 = reading('weight', { seq: 1, patientId: 'p-hf' });
        const w2 = reading('weight', { seq: 2, patientId: 'p-hf' });
        await store.storeBatch(batchOf([w1, w2]));
        const [q1, q2] = await store.pendingJudgements(10);
        const [r1, r2] = await store.judge([
          { queueId: q1?.queueId ?? 0, triggers: [trigger(w1.id)] },
          { queueId: q2?.queueId ?? 0, triggers: [trigger(w2.id)] },
        ]);
        const id = r1?.alerts[0]?.alert.id ?? '';
        expect(r2?.alerts[0]).toMatchObject({ created: false, alert: { id } });
        expect(await store.dueEscalations(T0, 10)).toEqual([{ alertId: id, level: 1, dueAt: T0 }]);
        expect(await store.dueEscalations(min(-1), 10)).toEqual([]);
      });

      it('an alert opened outside a judgement (non-transmission) gets its escalation row too', async () => {
        const { alert } = await store.upsertOpenAlert(trigger('', 'hf-no-weight'));
        expect(await store.getEscalation(alert.id)).toEqual({ alertId: alert.id, level: 1, dueAt: T0 });
      });

      it('takes an escalation step once: its messages and the next level commit together', async () => {
        const { alert } = await store.upsertOpenAlert(trigger('o1'));
        const other = await db.open();
        extra.push(other);
        const step = {
          alertId: alert.id,
          fromLevel: 1,
          messages: [mail('L1', { topic: `alert:${alert.id}` })],
          next: { level: 2, dueAt: min(15) },
        };
        const results = await Promise.all([store.escalate(step, T0), other.escalate(step, T0)]);
        expect(results.sort()).toEqual([false, true]);
        expect(await store.getEscalation(alert.id)).toEqual({ alertId: alert.id, level: 2, dueAt: min(15) });
        expect((await store.listOutbox({})).map((m) => m.idempotencyKey)).toEqual(['L1']);
        // The last level: the row ends with the step.
        expect(await store.escalate({ alertId: alert.id, fromLevel: 2, messages: [mail('L2')], next: null }, min(15))).toBe(true);
        expect(await store.getEscalation(alert.id)).toBeNull();
        expect(await store.outboxCounts()).toMatchObject({ pending: 2 });
      });

      it('a stale step (the escalation moved on or ended) adds no message', async () => {
        const { alert } = await store.upsertOpenAlert(trigger('o1'));
        expect(await store.endEscalation(alert.id)).toBe(true);
        expect(await store.escalate({ alertId: alert.id, fromLevel: 1, messages: [mail('L1')], next: null }, T0)).toBe(false);
        expect(await store.listOutbox({})).toEqual([]);
        expect(await store.endEscalation(alert.id)).toBe(false);
      });
    });
  });
}
