/**
 * Appointments nobody called, on a real SQLite store with the sweeper's clock moved by the test:
 * nothing is closed before the slot's end plus the grace; then the uncalled one becomes not done
 * (no-show) with one audit line by the cloud, while the one the cart called and the later one
 * are left alone; a second round closes nothing more; a long call window holds the close back.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AuditEventInput } from '../store/cloud-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { NoShowSweeper } from './no-show-sweeper.js';

const MIN = 60_000;
let store: SqliteStore;
let now: Date;
let audit: Omit<AuditEventInput, 'at'>[];
let changed: string[];

async function book(id: string, start: string, minutes: number, gatewayId = 'cart-1', patientId = 'p-001') {
  const r = await store.bookAppointment({
    id,
    gatewayId,
    patientId,
    localPatientId: patientId,
    patientIns: null,
    start,
    end: new Date(Date.parse(start) + minutes * MIN).toISOString(),
    specialistId: 'dr-roux',
    specialty: null,
    reason: null,
    bookedBy: 'dr-roux',
    at: '2026-12-01T08:00:00.000Z',
  });
  expect(r.ok).toBe(true);
}

const sweeper = (graceMinutes: number, lateMinutes: number) =>
  new NoShowSweeper({
    store,
    audit: (e) => audit.push(e),
    graceMinutes,
    lateMinutes,
    onChange: (gw) => changed.push(gw),
    logger: pino({ level: 'silent' }),
    now: () => now,
    schedule: () => () => undefined,
  });

beforeEach(async () => {
  audit = [];
  changed = [];
  store = new SqliteStore({ file: ':memory:' });
  await store.upsertPatients([
    { id: 'p-001', localId: 'r12', family: 'Martin', given: 'Jeanne', gateways: ['cart-1'] },
    { id: 'p-002', localId: 'r13', family: 'Petit', given: 'Louis', gateways: ['cart-2'] },
  ]);
});
afterEach(async () => {
  await store.close();
});

it('closes an appointment nobody called as not done (no-show) once its end plus the grace passed, with an audit line', async () => {
  await book('missed', '2026-12-06T09:00:00.000Z', 20);
  await book('later', '2026-12-06T11:00:00.000Z', 20);
  // The other cart called its patient in the window: the act is waiting, no longer scheduled.
  await book('called', '2026-12-06T09:00:00.000Z', 20, 'cart-2', 'p-002');
  const claimed = await store.claimAppointment({
    gatewayId: 'cart-2',
    patientId: 'p-002',
    localPatientId: 'r13',
    sessionId: 'sess-called',
    consent: { by: 'patient', method: 'oral', representative: null, collectedAt: '2026-12-06T09:02:00.000Z', collectedBy: null },
    at: new Date('2026-12-06T09:02:00.000Z'),
    earlyMs: 15 * MIN,
    lateMs: 30 * MIN,
  });
  expect(claimed?.status).toBe('waiting');
  const s = sweeper(30, 30);

  // 09:49: the slot ended at 09:20, the grace runs to 09:50.
  now = new Date('2026-12-06T09:49:00.000Z');
  expect(await s.start()).toBe(0);
  expect((await store.getAppointment('missed'))?.status).toBe('scheduled');
  expect(audit).toEqual([]);

  now = new Date('2026-12-06T09:50:00.000Z');
  expect(await s.sweep()).toBe(1);
  expect(await store.getAppointment('missed')).toMatchObject({ status: 'not-done', outcome: 'no-show' });
  expect((await store.getAppointment('later'))?.status).toBe('scheduled');
  expect((await store.getAppointment('called'))?.status).toBe('waiting');
  expect(audit).toEqual([
    {
      actor: 'cloud',
      actorRole: 'system',
      action: 'appointment-not-done',
      sessionId: 'missed',
      gatewayId: 'cart-1',
      patientId: 'p-001',
      detail: 'no-show: not called by 2026-12-06T09:50:00.000Z (slot 2026-12-06T09:00:00.000Z to 2026-12-06T09:20:00.000Z, grace 30 min)',
    },
  ]);
  expect(changed).toEqual(['cart-1']);

  // Repeatable: the next round finds nothing more to close.
  now = new Date('2026-12-06T10:30:00.000Z');
  expect(await s.sweep()).toBe(0);
  expect(audit).toHaveLength(1);
  await s.stop();
});

it('never closes an appointment whose call window is still open, even past its end plus the grace', async () => {
  await book('short', '2026-12-06T09:00:00.000Z', 5);
  // Grace 0: the end (09:05) has passed, but a call up to 60 min late still takes it.
  const s = sweeper(0, 60);
  now = new Date('2026-12-06T09:59:00.000Z');
  expect(await s.start()).toBe(0);
  expect((await store.getAppointment('short'))?.status).toBe('scheduled');
  now = new Date('2026-12-06T10:00:00.000Z');
  expect(await s.sweep()).toBe(1);
  expect(await store.getAppointment('short')).toMatchObject({ status: 'not-done', outcome: 'no-show' });
  await s.stop();
});
