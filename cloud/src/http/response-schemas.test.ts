/**
 * The JSON routes that declare a response schema answer exactly what the store holds: fastify
 * serialises by the schema and drops what it does not name, so each is compared whole with the
 * store's own answer (whole cloud: embedded aedes, SQLite, fastify, real sockets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../cloud.js';
import { patientTrends } from '../patient-page/trends.js';
import { testClinician } from '../testing/clinician.js';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';
import { patientOverviews } from '../vitals/overview.js';

const dr = testClinician({ id: 'dr-schemas' });
let dir: string;
let cloud: Cloud;

const getJson = async (path: string, headers: Record<string, string> = dr.headers) => {
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers });
  expect(res.status, path).toBe(200);
  return (await res.json()) as unknown;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-schemas-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [{ id: 'p-s', family: 'SCHEMA', given: 'Sam', gateways: ['cart-s1'] }],
    teleconsult: { specialists: [dr.account] },
  });
  const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-s1');
  const obs = [
    reading('bp', { seq: 1, patientId: 'p-s', gatewayId: 'cart-s1', contentKey: 'bp-1' }),
    reading('pulse', { seq: 2, patientId: 'p-s', gatewayId: 'cart-s1', status: 'entered-in-error' }),
    reading('weight', { seq: 3, patientId: 'p-s', gatewayId: 'cart-s1' }),
  ];
  await gw.send(batchOf(obs, { gatewayId: 'cart-s1' }));
  await gw.close();
  const status = statusOf('cart-s1', true, 12);
  status.backlog = {
    ...(status.backlog ?? { readings: 12, bytes: 0, oldestUnsyncedAt: null, held: 0 }),
    held: 2,
    capacity: { level: 'ok', usedBytes: 1000, maxBytes: null },
  };
  status.devices = [{ id: 'bpm-1', name: 'Tensiomètre', state: 'connected' }];
  const client = await mqtt.connectAsync(cloud.mqttUrl, { reconnectPeriod: 0 });
  await client.publishAsync(topics.status('cart-s1'), encodePayload(status), { qos: 1, retain: true });
  await client.endAsync();
  for (let i = 0; (await cloud.store.listGateways())[0]?.backlog?.held !== 2; i++) {
    if (i > 400) throw new Error('the status never reached the store');
    await new Promise((r) => setTimeout(r, 25));
  }
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('response schemas drop nothing', () => {
  it('GET /api/patients/:id/observations', async () => {
    const stored = await cloud.store.getObservations({ patientId: 'p-s', limit: 100, offset: 0 });
    expect(stored.length).toBe(3);
    expect(await getJson('/api/patients/p-s/observations')).toEqual({
      patientId: 'p-s',
      total: 3,
      limit: 100,
      offset: 0,
      observations: stored,
    });
  });

  it('GET /api/patients', async () => {
    const patients = await patientOverviews(cloud.store, await cloud.store.listPatients());
    expect(Object.keys(patients[0]?.vitals ?? {}).length).toBeGreaterThan(0);
    expect(await getJson('/api/patients')).toEqual({ patients });
  });

  it('GET /api/patients/:id/trends', async () => {
    const [from, to] = ['2026-11-01T00:00:00.000Z', '2026-11-30T00:00:00.000Z'];
    const vitals = await patientTrends(cloud.store, { patientId: 'p-s', from: new Date(from), to: new Date(to) });
    expect(vitals.some((v) => v.points.length > 0)).toBe(true);
    const body = (await getJson(`/api/patients/p-s/trends?from=${from}&to=${to}`)) as { vitals: unknown };
    expect(body.vitals).toEqual(vitals);
  });

  it('GET /api/gateways', async () => {
    const gateways = await cloud.store.listGateways();
    expect(gateways[0]?.devices?.length).toBeGreaterThan(0);
    expect(await getJson('/api/gateways')).toEqual({ gateways });
  });

  it('GET /api/alerts and POST /api/alerts/:id/ack', async () => {
    const { alert } = await cloud.store.upsertOpenAlert({
      patientId: 'p-s',
      rule: 'hf-weight-gain-1d',
      severity: 'warning',
      at: new Date('2026-11-23T09:00:00.000Z'),
      observationIds: ['o-1', 'o-2'],
      textKey: 'weightGain',
      values: { gainKg: 1.6, fromKg: 69.4, unit: 'kg' },
    });
    expect(await getJson('/api/alerts')).toEqual({ total: 1, limit: 100, offset: 0, alerts: [alert] });
    const res = await fetch(`${cloud.httpUrl}/api/alerts/${alert.id}/ack`, {
      method: 'POST',
      headers: { ...dr.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'called the patient' }),
    });
    expect(res.status).toBe(200);
    const acked = await cloud.store.getAlert(alert.id);
    expect(acked?.ackNote).toBe('called the patient');
    expect(await res.json()).toEqual({ alert: acked });
  });

  it('GET /api/audit', async () => {
    await cloud.teleconsult.relay.flush();
    const body = await getJson('/api/audit?limit=1000');
    const events = await cloud.store.listAudit({ limit: 1000, offset: 0 });
    expect(events.length).toBeGreaterThan(0);
    expect(body).toEqual({ events });
  });

  it('GET /api/specialist/me, GET /healthz, GET /api/metrics/store', async () => {
    expect(await getJson('/api/specialist/me')).toEqual({ specialist: { id: 'dr-schemas', name: 'Dr dr-schemas', audit: true } });
    expect(await getJson('/healthz', {})).toEqual({ status: 'ok', store: 'ok', mqtt: 'connected' });
    expect(await getJson('/api/metrics/store', {})).toEqual({ unreadableRows: cloud.store.unreadableRows() });
  });
});
