import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from '../store/cloud-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { batchOf, reading } from '../testing/observations.js';
import { enrollmentsOf, type TelemonitoringEnrollment } from './config.js';
import { AlertEngine, type AlertEvent } from './engine.js';
import { fixedEnrolments } from './enrolment-source.js';
import { DAY_MS, HOUR_MS } from './rules/types.js';

const START = Date.parse('2026-11-20T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('AlertEngine (real SQLite store, injected clock and scheduler)', () => {
  let store: CloudStore;
  let engine: AlertEngine;
  let now: number;
  let tick: (() => void) | null;
  let periodMs = 0;
  let events: AlertEvent[];
  let seq = 0;

  const start = async (patients: { id: string; telemonitoring: TelemonitoringEnrollment }[]) => {
    engine = new AlertEngine({
      store,
      enrollments: enrollmentsOf(patients),
      checkEveryMinutes: 15,
      logger: pino({ level: 'silent' }),
      now: () => now,
      schedule: (task, everyMs) => {
        tick = task;
        periodMs = everyMs;
        return () => {
          tick = null;
        };
      },
    });
    engine.onAlert((e) => events.push(e));
    await engine.start();
  };
  /** Stores a batch as the ingest does and hands the engine what it newly inserted. */
  const deliver = async (obs: Observation[]) => {
    const r = await store.storeBatch(batchOf(obs));
    for (const o of r.inserted) engine.observe(o);
    await engine.idle();
    return r;
  };
  const weight = (at: number, value: number, patientId = 'p-hf') => reading('weight', { seq: ++seq, at: iso(at), value, patientId });
  const open = async () => (await store.listAlerts({ status: 'open' })).alerts;

  beforeEach(() => {
    store = new SqliteStore({ file: ':memory:' });
    now = START;
    tick = null;
    events = [];
  });
  afterEach(async () => {
    await engine?.stop();
    await store.close();
  });

  it('raises one alert for a 3-day weight gain, updates it on the next trigger, and ignores unenrolled patients', async () => {
    await start([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure' } }]);
    const days = [68.0, 68.7, 69.4, 70.1];
    for (const [i, kg] of days.entries()) {
      now = START + i * DAY_MS;
      await deliver([weight(now, kg)]);
      if (i < 3) expect(await open()).toEqual([]);
    }
    const [alert, ...rest] = await open();
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      patientId: 'p-hf',
      rule: 'hf-weight-gain-3d',
      severity: 'critical',
      count: 1,
      values: { gainKg: 2.1, fromKg: 68, toKg: 70.1 },
    });
    expect(events.map((e) => e.change)).toEqual(['opened']);

    now += HOUR_MS;
    await deliver([weight(now, 71.0)]); // day 0 is now 73 h old: the lowest is 68.7
    // Same open 3-day alert, updated; and +1.6 kg vs yesterday's 69.4 opens the day-to-day one.
    expect(await open()).toMatchObject([
      { id: alert?.id, count: 2, values: { gainKg: 2.3 } },
      { rule: 'hf-weight-gain-1d', severity: 'warning', values: { gainKg: 1.6, fromKg: 69.4 } },
    ]);
    expect(events.map((e) => e.change)).toEqual(['opened', 'updated', 'opened']);

    await deliver([weight(now, 90, 'p-other')]);
    expect(await open()).toHaveLength(2);
  });

  it('reads a patient’s enrolments once per round, not once per reading', async () => {
    const fixed = fixedEnrolments(enrollmentsOf([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure' } }]));
    const asked: string[] = [];
    engine = new AlertEngine({
      store,
      enrollments: {
        ...fixed,
        ofPatient: (id) => {
          asked.push(id);
          return fixed.ofPatient(id);
        },
      },
      checkEveryMinutes: 15,
      logger: pino({ level: 'silent' }),
      now: () => now,
      schedule: () => () => undefined,
    });
    await engine.start();
    // A gateway back from a reconnect storm: 100 readings of its patient and a few of another, one batch.
    const readings = [...Array.from({ length: 100 }, (_, i) => weight(START - i * HOUR_MS, 68)), weight(START, 90, 'p-other')];
    await deliver(readings);
    expect(await store.pendingJudgements(10)).toEqual([]);
    expect(asked.sort()).toEqual(['p-hf', 'p-other']);
  });

  it('judges on start the readings stored but not judged before (a crash), once, and empties the queue', async () => {
    // Stored while no engine ran: the store queued them with the readings.
    await store.storeBatch(batchOf([68.0, 68.7, 69.4, 70.1].map((kg, i) => weight(START + i * DAY_MS, kg))));
    await store.storeBatch(batchOf([weight(START, 90, 'p-other')]));
    now = START + 3 * DAY_MS + HOUR_MS;
    await start([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure' } }]);
    expect(await open()).toMatchObject([{ rule: 'hf-weight-gain-3d', count: 1, values: { gainKg: 2.1 } }]);
    expect(events.map((e) => e.change)).toEqual(['opened']);
    expect(await store.pendingJudgements(10)).toEqual([]);
    // Another engine starting on the same store finds nothing left to judge.
    await engine.stop();
    await start([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure' } }]);
    expect(await open()).toMatchObject([{ count: 1 }]);
  });

  it('judges a late batch at the readings’ own time, and a re-delivered duplicate raises nothing', async () => {
    await start([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure' } }]);
    now = START + 10 * DAY_MS;
    // A cart offline for a week delivers days 0–3 now; today's weight is normal.
    await deliver([weight(now - HOUR_MS, 68.2)]);
    const late = [68.0, 68.7, 69.4, 70.1].map((kg, i) => weight(START + i * DAY_MS, kg));
    await deliver(late);
    expect(await open()).toMatchObject([{ rule: 'hf-weight-gain-3d', count: 1, values: { toKg: 70.1, at: iso(START + 3 * DAY_MS) } }]);
    const before = events.length;
    const again = await deliver(late);
    expect(again.duplicates).toBe(4);
    expect(events).toHaveLength(before);
    expect(await open()).toMatchObject([{ count: 1 }]);
  });

  it('opens a non-transmission alert after 2 days without weight, once per episode, and resolves it when a weight arrives', async () => {
    await start([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure', since: iso(START) } }]);
    expect(periodMs).toBe(15 * 60_000);
    await deliver([weight(START, 68)]);
    now = START + 2 * DAY_MS - 1;
    tick?.();
    await engine.idle();
    expect(await open()).toEqual([]);

    now = START + 2 * DAY_MS;
    tick?.();
    await engine.idle();
    const [silent] = await open();
    expect(silent).toMatchObject({ rule: 'hf-no-weight', severity: 'warning', values: { silentDays: 2, lastAt: iso(START) } });
    // The next checks the same day change nothing.
    now += 15 * 60_000;
    tick?.();
    await engine.idle();
    expect(await open()).toMatchObject([{ count: 1 }]);

    now = START + 2 * DAY_MS + HOUR_MS;
    await deliver([weight(now, 68.1)]);
    expect(await open()).toEqual([]);
    expect(await store.getAlert(silent?.id ?? '')).toMatchObject({ status: 'resolved', resolvedBy: 'system' });
    expect(events.map((e) => e.change)).toEqual(['opened', 'resolved']);
  });

  it('counts silence from the start when a patient never sent anything, and an acknowledged episode is not re-opened', async () => {
    await start([{ id: 'p-new', telemonitoring: { programme: 'diabetes' } }]);
    now = START + 7 * DAY_MS;
    tick?.();
    await engine.idle();
    const [alert] = await open();
    expect(alert).toMatchObject({ patientId: 'p-new', rule: 'diabetes-no-glucose', values: { lastAt: '' } });
    const ack = await engine.acknowledge(alert?.id ?? '', 'dr-roux', 'patient in hospital');
    expect(ack.outcome).toBe('acknowledged');
    now += DAY_MS;
    tick?.();
    await engine.idle();
    expect(await open()).toEqual([]);
    expect(events.map((e) => e.change)).toEqual(['opened', 'acknowledged']);
  });

  it('stops scheduling on stop', async () => {
    await start([{ id: 'p-hf', telemonitoring: { programme: 'heart-failure' } }]);
    expect(tick).not.toBeNull();
    await engine.stop();
    expect(tick).toBeNull();
  });
});
