/**
 * One broken stored row must not break a patient's reads: the cloud runs for real (HTTP on
 * loopback, SQLite file), two of a patient's rows are corrupted behind its back (one not JSON,
 * one JSON that is not a reading) and one alert row, and every read path that parses stored rows answers 200
 * without them; a read of a broken one by id is 404; /api/metrics/store counts the skips.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@telecart/protocol';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_DB_FILE, type Cloud, startCloud } from '../cloud.js';
import { batchOf, reading } from '../testing/observations.js';

const PATIENT = 'p-broken';

describe('reads skip stored rows they cannot serve', () => {
  let dir: string;
  let cloud: Cloud;
  const recordingId = randomUUID();
  const weights = [70, 70.4, 70.9, 71.3].map((value, i) =>
    reading('weight', { seq: i + 1, patientId: PATIENT, at: `2026-11-2${i}T08:00:00.000Z`, value }),
  );
  const segments: Observation[] = [0, 1].map((index) => ({
    ...reading('pulse', { seq: 10 + index, patientId: PATIENT, at: `2026-11-23T09:00:0${index}.000Z`, lane: 'waveform' }),
    sampledData: { origin: { value: 0, unit: 'mV' }, periodMs: 2, factor: 0.005, dimensions: 1, channels: ['II'], data: '1 2 3 4' },
    segment: { recordingId, index, ...(index === 1 ? { last: true } : {}) },
  }));
  const [first, notJson, notReading, newest] = weights as [Observation, Observation, Observation, Observation];

  const get = (path: string) => fetch(`${cloud.httpUrl}${path}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-unreadable-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      dataAccess: 'open',
      logger: pino({ level: 'silent' }),
      patients: [{ id: PATIENT, family: 'Petit', given: 'Louise' }],
    });
    await cloud.store.storeBatch(batchOf(weights));
    await cloud.store.storeBatch(batchOf(segments, { lane: 'waveform' }));
    const alert = { patientId: PATIENT, severity: 'critical' as const, at: new Date(), observationIds: [newest.id], values: { gainKg: 2 } };
    await cloud.store.upsertOpenAlert({ ...alert, rule: 'hf-weight-gain-3d', textKey: 'hf-weight-gain-3d' });
    await cloud.store.upsertOpenAlert({ ...alert, rule: 'hf-weight-gain-1d', textKey: 'hf-weight-gain-1d' });
    // Behind the cloud's back, as a disk fault or a hand edit would.
    const raw = new Database(join(dir, CLOUD_DB_FILE));
    raw.prepare('UPDATE observations SET json = substr(json, 1, 30) WHERE id = ?').run(notJson.id);
    raw.prepare(`UPDATE observations SET json = '{"id": "x", "status": "final"}' WHERE id = ?`).run(notReading.id);
    raw.prepare(`UPDATE alerts SET first_observation_ids = '[broken' WHERE rule = 'hf-weight-gain-1d'`).run();
    raw.close();
  });
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('FHIR Observation search and read', async () => {
    const search = await get(`/fhir/Observation?patient=${PATIENT}&code=29463-7`);
    expect(search.status).toBe(200);
    const bundle = (await search.json()) as { entry?: { resource: { id: string } }[] };
    expect(bundle.entry?.map((e) => e.resource.id)).toEqual([newest.id, first.id]);
    expect((await get(`/fhir/Observation/${notJson.id}`)).status).toBe(404);
    expect((await get(`/fhir/Observation/${notReading.id}`)).status).toBe(404);
    expect((await get(`/fhir/Observation/${first.id}`)).status).toBe(200);
  });

  it('the JSON patient and observation APIs, trends and the vitals summary', async () => {
    const list = await get(`/api/patients/${PATIENT}/observations`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { observations: { id: string }[] };
    expect(body.observations.map((o) => o.id)).not.toContain(notJson.id);
    expect(body.observations.map((o) => o.id)).toContain(newest.id);
    expect((await get('/api/patients')).status).toBe(200);
    const trends = await get(`/api/patients/${PATIENT}/trends?from=2026-11-01&to=2026-11-30`);
    expect(trends.status).toBe(200);
    const text = JSON.stringify(await trends.json());
    expect(text).toContain('71.3');
    expect(text).not.toContain('70.4');
    expect((await get(`/patients/${PATIENT}`)).status).toBe(200);
    expect((await get('/dashboard/patients')).status).toBe(200);
    expect((await get(`/api/observations/${notJson.id}/attachment`)).status).toBe(404);
    expect((await get(`/fhir/Media/${notJson.id}`)).status).toBe(404);
  });

  it('alerts: the list and the dashboard panel', async () => {
    const list = await get(`/api/alerts?patient=${PATIENT}`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { alerts: { rule: string }[] }).alerts.map((a) => a.rule)).toEqual(['hf-weight-gain-3d']);
    expect((await get('/dashboard/alerts')).status).toBe(200);
  });

  it('recordings, and the skips counted in /api/metrics/store', async () => {
    const rec = await get(`/api/recordings/${recordingId}`);
    expect(rec.status).toBe(200);
    const metrics = (await (await get('/api/metrics/store')).json()) as { unreadableRows: { observations: number; alerts: number } };
    expect(metrics.unreadableRows.observations).toBeGreaterThan(0);
    expect(metrics.unreadableRows.alerts).toBeGreaterThan(0);
  });
});
