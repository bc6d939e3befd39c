/**
 * The engine follows the store's enrolments (migration 19): a programme's rules judge only the
 * readings measured inside an enrolment of the patient in that programme, and non-transmission is
 * checked for active enrolments only; enrolling and ending need no restart.
 */
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from '../store/cloud-store.js';
import type { NewEnrolment } from '../store/enrolment-records.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { batchOf, reading } from '../testing/observations.js';
import { AlertEngine } from './engine.js';
import { storeEnrolments, UNKNOWN_START } from './enrolment-source.js';
import { DAY_MS, HOUR_MS } from './rules/types.js';
import { seedEnrolments } from './wiring.js';

const START = Date.parse('2026-11-20T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const copd = (o: Partial<NewEnrolment> = {}): NewEnrolment => ({
  patientId: 'p-1',
  programme: 'copd',
  start: iso(START),
  end: null,
  prescriber: { name: 'Dr Claire Roux', rpps: '10003456786' },
  consent: { collectedBy: 'ide.martin', collectedAt: iso(START - DAY_MS), method: 'oral', givenBy: 'patient', representative: null },
  thresholds: null,
  createdBy: 'dr.roux',
  ...o,
});

describe('AlertEngine over the store’s enrolments (real SQLite store, injected clock and scheduler)', () => {
  let store: CloudStore;
  let engine: AlertEngine;
  let now: number;
  let tick: (() => void) | null;
  let seq = 0;

  const start = async () => {
    engine = new AlertEngine({
      store,
      enrollments: storeEnrolments(store),
      checkEveryMinutes: 15,
      logger: pino({ level: 'silent' }),
      now: () => now,
      schedule: (task) => {
        tick = task;
        return () => {
          tick = null;
        };
      },
    });
    await engine.start();
  };
  const deliver = async (obs: Observation[]) => {
    const r = await store.storeBatch(batchOf(obs));
    for (const o of r.inserted) engine.observe(o);
    await engine.idle();
  };
  const spo2 = (at: number, value: number, patientId = 'p-1') => reading('spo2', { seq: ++seq, at: iso(at), value, patientId });
  const weight = (at: number, value: number, patientId = 'p-1') => reading('weight', { seq: ++seq, at: iso(at), value, patientId });
  const open = async () => (await store.listAlerts({ status: 'open' })).alerts.map((a) => [a.patientId, a.rule]);
  const enrol = async (e: NewEnrolment) => {
    const r = await store.enrol(e);
    if (r.outcome !== 'enrolled') throw new Error(`not enrolled: ${r.outcome}`);
    return r.enrolment;
  };
  const check = async () => {
    tick?.();
    await engine.idle();
  };

  beforeEach(() => {
    store = new SqliteStore({ file: ':memory:' });
    now = START;
    tick = null;
  });
  afterEach(async () => {
    await engine?.stop();
    await store.close();
  });

  it('judges a reading measured inside the enrolment, not one before its start nor after its end', async () => {
    const e = await enrol(copd({ end: iso(START + 10 * DAY_MS) }));
    await start();
    now = START + 20 * DAY_MS;
    // Measured an hour before the start: the patient was not followed yet.
    await deliver([spo2(START - HOUR_MS, 80)]);
    expect(await open()).toEqual([]);
    // Measured at the end (exclusive) and after: not followed any more, even if delivered late.
    await deliver([spo2(START + 10 * DAY_MS, 80), spo2(START + 12 * DAY_MS, 81)]);
    expect(await open()).toEqual([]);
    // Measured inside, delivered after the end: judged at its own time.
    await deliver([spo2(START + 5 * DAY_MS, 82)]);
    expect(await open()).toEqual([['p-1', 'spo2-low']]);
    expect(e.end).toBe(iso(START + 10 * DAY_MS));
  });

  it('sees an enrolment made, and one ended, after the engine started', async () => {
    await start();
    await deliver([spo2(START + HOUR_MS, 80)]);
    expect(await open()).toEqual([]);
    const e = await enrol(copd({ start: iso(START + 2 * HOUR_MS) }));
    now = START + 3 * HOUR_MS;
    await deliver([spo2(now, 80)]);
    expect(await open()).toEqual([['p-1', 'spo2-low']]);
    const ended = await store.endEnrolment(e.id, new Date(START + 4 * HOUR_MS), 'dr.roux');
    expect(ended.outcome).toBe('ended');
    now = START + 5 * HOUR_MS;
    await deliver([weight(now, 70), spo2(now, 75, 'p-1')]);
    // Still the one alert from inside the enrolment: the later reading raised nothing.
    expect((await store.listAlerts({ status: 'open' })).alerts).toMatchObject([{ rule: 'spo2-low', count: 1 }]);
  });

  it('judges a patient in two programmes by each programme’s rules', async () => {
    await enrol(copd());
    await enrol(copd({ programme: 'heart-failure' }));
    await start();
    for (const [i, kg] of [68.0, 68.7, 69.4, 70.1].entries()) {
      now = START + i * DAY_MS + HOUR_MS;
      await deliver([weight(now, kg), spo2(now, 95)]);
    }
    await deliver([spo2(now, 80)]);
    expect((await open()).sort()).toEqual([
      ['p-1', 'hf-weight-gain-3d'],
      ['p-1', 'spo2-drop'],
      ['p-1', 'spo2-low'],
    ]);
  });

  it('checks non-transmission for active enrolments only', async () => {
    const ended = await enrol(copd({ patientId: 'p-ended', programme: 'heart-failure' }));
    await enrol(copd({ patientId: 'p-active', programme: 'heart-failure' }));
    await enrol(copd({ patientId: 'p-later', programme: 'heart-failure', start: iso(START + 30 * DAY_MS) }));
    await start();
    expect((await store.endEnrolment(ended.id, new Date(START + DAY_MS), 'dr.roux')).outcome).toBe('ended');
    now = START + 3 * DAY_MS;
    await check();
    expect(await open()).toEqual([['p-active', 'hf-no-weight']]);
  });

  it('seeds the configuration’s telemonitoring once, keeping its thresholds in step, and judges every reading without `since`', async () => {
    const seeds = [
      { id: 'p-cfg', telemonitoring: { programme: 'copd' as const, thresholds: { 'spo2-low': { percent: 90 } } } },
      { id: 'p-since', telemonitoring: { programme: 'diabetes' as const, since: '2026-11-01' } },
      { id: 'p-none' },
    ];
    expect(await seedEnrolments(store, seeds)).toBe(2);
    expect(await seedEnrolments(store, seeds)).toBe(0);
    expect(await store.patientEnrolments('p-since')).toMatchObject([
      { start: '2026-11-01T00:00:00.000Z', end: null, prescriber: null, consent: null, createdBy: 'config' },
    ]);
    const [cfg] = await store.patientEnrolments('p-cfg');
    expect(cfg).toMatchObject({ start: UNKNOWN_START, thresholds: { 'spo2-low': { percent: 90 } } });
    const seedsAgain = [{ id: 'p-cfg', telemonitoring: { programme: 'copd' as const, thresholds: { 'spo2-low': { percent: 86 } } } }];
    expect(await seedEnrolments(store, seedsAgain)).toBe(0);
    expect((await store.patientEnrolments('p-cfg'))[0]?.thresholds).toEqual({ 'spo2-low': { percent: 86 } });
    await start();
    // Measured before the engine started, and under 86 % (87 is not): judged, as before the enrolments.
    await deliver([spo2(START - 2 * HOUR_MS, 85, 'p-cfg'), spo2(START - HOUR_MS, 87, 'p-cfg')]);
    // (p-since: no glucose since its start 19 days ago.)
    expect((await open()).sort()).toEqual([
      ['p-cfg', 'spo2-low'],
      ['p-since', 'diabetes-no-glucose'],
    ]);
  });
});
