/**
 * Every JSON route declares a response schema, and answers exactly what the store holds: fastify
 * serialises by the schema and drops what it does not name, so each is compared whole with the
 * store's own answer (whole cloud: embedded aedes, SQLite, fastify, real sockets). The FHIR routes
 * are compared with the FHIR mapping in fhir-responses.test.ts.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, type Observation, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf } from '../auth/permissions.js';
import { type Cloud, startCloud } from '../cloud.js';
import { patientTrends } from '../patient-page/trends.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { testClinician } from '../testing/clinician.js';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';
import { patientOverviews } from '../vitals/overview.js';
import { routeAccessTable } from './access/route-access.js';
import { buildHttpApp } from './app.js';

/**
 * The routes that answer something other than JSON, so declare no JSON response schema. Each is
 * here on purpose; a JSON route missing from the schemas and not listed here fails the test below.
 */
const NOT_JSON = [
  'GET /', // dashboard page (HTML)
  'GET /login', // sign-in page (HTML)
  'GET /patients/:id', // patient page (HTML)
  'GET /consult', // specialist page (HTML)
  'GET /agenda', // agenda page (HTML)
  'GET /acts', // list of acts page (HTML)
  'GET /admin', // administration page (HTML)
  'GET /consult/acts/:sessionId/report', // the report page (HTML)
  'GET /join/:token', // the patient's join page of a home act (HTML)
  'GET /guest/:token', // a guest's link into a running act (HTML)
  'GET /dashboard/patients', // dashboard fragments (HTML), refreshed by the page
  'GET /dashboard/gateways',
  'GET /dashboard/alerts',
  'GET /assets/uplot.iife.min.js', // static script and style
  'GET /assets/uplot.min.css',
  'GET /favicon.svg', // icon (SVG)
  'GET /favicon.ico',
  'GET /metrics', // Prometheus text exposition
  'GET /api/events', // server-sent events (text/event-stream)
  'GET /consult/ws', // WebSocket upgrade
  'GET /join/:token/ws', // WebSocket upgrade (the home patient's waiting)
  'GET /guest/:token/ws', // WebSocket upgrade (a guest's waiting)
  'GET /api/observations/:id/attachment', // a recording's bytes (audio/flac, …)
  'GET /api/recordings/:recordingId/wfdb/:file', // WFDB header (text) or signal file (bytes)
  'POST /api/specialist/logout', // 204, no body
  'POST /api/specialist/logout-everywhere', // 204, no body
  'GET /api/acts.csv', // the activity export (text/csv)
  'GET /api/teleconsultations/:sessionId/report/:version/pdf', // a signed report (application/pdf)
  'GET /fhir/Binary/:id', // the same PDF, as FHIR Binary's native content
  'GET /r/:token', // the same PDF, through a download link (a patient's: the page asking the date of birth)
  'POST /r/:token', // a patient's link: the PDF once the date of birth is right, else the page again
];

const dr = testClinician({ id: 'dr-schemas' });
let dir: string;
let cloud: Cloud;

const getJson = async (path: string, headers: Record<string, string> = dr.headers) => {
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers });
  expect(res.status, path).toBe(200);
  return (await res.json()) as unknown;
};

const ECG = '0190a3c4-0000-7000-8000-0000000000e1';
const STETH = '0190a3c4-0000-7000-8000-0000000000e2';

/** p-r's two-segment ECG strip and one auscultation, for the recording routes. */
function recordings(): Observation[] {
  const sound = Buffer.from('fLaC response-schemas test');
  const seg = (seq: number, index: number, last: boolean): Observation => {
    const { value: _v, ...base } = reading('pulse', { seq, patientId: 'p-r', gatewayId: 'cart-s1', lane: 'waveform' });
    return {
      ...base,
      code: { loinc: '11524-6', display: 'EKG study' },
      sampledData: { origin: { value: 0, unit: 'mV' }, periodMs: 4, factor: 0.005, dimensions: 1, channels: ['II'], data: '0 12 40 3' },
      segment: { recordingId: ECG, index, last },
    };
  };
  const { value: _v, ...steth } = reading('pulse', { seq: 12, patientId: 'p-r', gatewayId: 'cart-s1', lane: 'waveform' });
  return [
    seg(10, 0, false),
    seg(11, 1, true),
    {
      ...steth,
      code: { loinc: '8702-3', display: 'Heart sounds (auscultation recording)' },
      device: { id: 'audio:stethoscope', transport: 'audio', model: 'SIM-STETH' },
      attachment: {
        contentType: 'audio/flac',
        data: sound.toString('base64'),
        size: sound.length,
        sha256: createHash('sha256').update(sound).digest('hex'),
        durationMs: 10_000,
        sampleRateHz: 16_000,
        title: 'Auscultation aortic 1',
      },
      segment: { recordingId: STETH, index: 0, last: true },
    },
  ];
}

const teleconsultation: TeleconsultationRecord = {
  sessionId: '0190a3c4-0000-7000-8000-0000000000c1',
  gatewayId: 'cart-s1',
  patientId: 'p-s',
  patientIns: null,
  requestedSpecialistId: 'dr-schemas',
  specialistId: 'dr-schemas',
  specialistName: 'Dr dr-schemas',
  reason: 'dyspnée',
  consent: {
    by: 'representative',
    method: 'oral',
    representative: { name: 'Anne SCHEMA', relation: 'daughter' },
    collectedAt: '2026-11-23T09:00:00.000Z',
    collectedBy: 'nurse-1',
  },
  status: 'completed',
  outcome: 'hangup-specialist',
  createdAt: '2026-11-23T09:00:00.000Z',
  joinedAt: '2026-11-23T09:01:00.000Z',
  connectedAt: '2026-11-23T09:01:02.000Z',
  endedAt: '2026-11-23T09:11:02.000Z',
  durationMs: 600_000,
  updatedAt: '2026-11-23T09:11:02.000Z',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-schemas-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [
      { id: 'p-s', family: 'SCHEMA', given: 'Sam', gateways: ['cart-s1'] },
      { id: 'p-r', family: 'RECORD', given: 'Rita', gateways: ['cart-s1'] },
    ],
    teleconsult: { specialists: [dr.account] },
  });
  const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-s1');
  const obs = [
    reading('bp', { seq: 1, patientId: 'p-s', gatewayId: 'cart-s1', contentKey: 'bp-1' }),
    reading('pulse', { seq: 2, patientId: 'p-s', gatewayId: 'cart-s1', status: 'entered-in-error' }),
    reading('weight', { seq: 3, patientId: 'p-s', gatewayId: 'cart-s1' }),
  ];
  await gw.send(batchOf(obs, { gatewayId: 'cart-s1' }));
  await gw.send(batchOf(recordings(), { gatewayId: 'cart-s1', lane: 'waveform' }));
  await gw.close();
  await cloud.store.upsertTeleconsultation(teleconsultation);
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
    expect(patients.some((p) => Object.keys(p.vitals).length > 0)).toBe(true);
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
    expect(await getJson('/api/specialist/me')).toEqual({
      specialist: {
        id: 'dr-schemas',
        name: 'Dr dr-schemas',
        audit: true,
        role: 'specialist',
        permissions: [...permissionsOf('specialist', { audit: true })],
      },
    });
    expect(await getJson('/healthz', {})).toEqual({ status: 'ok', store: 'ok', mqtt: 'connected' });
    expect(await getJson('/api/metrics/store', {})).toEqual({ unreadableRows: cloud.store.unreadableRows() });
  });

  it('GET /api/recordings/:id and /wfdb (a waveform and an audio recording)', async () => {
    const origin = cloud.httpUrl.replace(/\/+$/, '');
    const ecg = await getJson(`/api/recordings/${ECG}`);
    const segs = (await cloud.store.getObservations({ patientId: 'p-r', limit: 10, offset: 0 }))
      .filter((o) => o.segment?.recordingId === ECG)
      .sort((a, b) => (a.segment?.index ?? 0) - (b.segment?.index ?? 0));
    expect(ecg).toEqual({
      recordingId: ECG,
      kind: 'waveform',
      patientId: 'p-r',
      code: { loinc: '11524-6', display: 'EKG study' },
      complete: true,
      segments: segs.map((o, i) => ({ index: i, last: i === 1, observationId: o.id, effective: o.time.effective })),
      wfdb: `${origin}/api/recordings/${ECG}/wfdb`,
    });
    const dir = `${origin}/api/recordings/${ECG}/wfdb`;
    const name = `r${ECG.replace(/-/g, '')}`;
    expect(await getJson(`/api/recordings/${ECG}/wfdb`)).toEqual({
      record: name,
      directory: dir,
      files: [`${dir}/${name}.hea`, `${dir}/${name}.dat`],
      complete: true,
    });
    const [steth] = (await cloud.store.getObservations({ patientId: 'p-r', limit: 10, offset: 0 })).filter(
      (o) => o.segment?.recordingId === STETH,
    );
    expect(await getJson(`/api/recordings/${STETH}`)).toEqual({
      recordingId: STETH,
      kind: 'audio',
      patientId: 'p-r',
      code: { loinc: '8702-3', display: 'Heart sounds (auscultation recording)' },
      complete: true,
      segments: [
        {
          index: 0,
          last: true,
          observationId: steth?.id,
          effective: steth?.time.effective,
          attachment: `${origin}/api/observations/${steth?.id}/attachment`,
          durationMs: 10_000,
        },
      ],
    });
  });

  it('GET /api/teleconsultations', async () => {
    const stored = await cloud.store.listTeleconsultations({ limit: 100, offset: 0 });
    expect(stored).toEqual([teleconsultation]);
    expect(await getJson('/api/teleconsultations')).toEqual({ teleconsultations: stored });
  });

  it('GET /api/metrics/ingest and GET /api/metrics/teleconsult', async () => {
    const ingest = { ...cloud.ingest.metrics(), observationsInStore: await cloud.store.countObservations({}) };
    expect(ingest.batchesReceived).toBeGreaterThan(0);
    expect(await getJson('/api/metrics/ingest', {})).toEqual(ingest);
    expect(await getJson('/api/metrics/teleconsult', {})).toEqual(cloud.teleconsult.relay.metrics());
  });
});

describe('every JSON route declares its response schema', () => {
  it('names a 2xx schema on each route but the non-JSON ones listed', async () => {
    const app = buildHttpApp({
      store: cloud.store,
      ingest: cloud.ingest,
      teleconsult: cloud.teleconsult,
      alerts: cloud.alerts,
      nurses: cloud.nurses,
      logger: pino({ level: 'silent' }),
    });
    await app.ready();
    const routes = routeAccessTable(app).filter((r) => r.method !== 'HEAD');
    await app.close();
    const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
    const missing = routes.filter((r) => !NOT_JSON.includes(key(r)) && !r.responseSchemas.some((c) => /^2(\d\d|xx)$/.test(c)));
    expect(missing.map(key)).toEqual([]);
    // The list stays true: each entry is a route, and none of them answers JSON by a schema.
    const known = new Set(routes.map(key));
    for (const k of NOT_JSON) expect(known, k).toContain(k);
    expect(routes.filter((r) => NOT_JSON.includes(key(r)) && r.responseSchemas.length > 0).map(key)).toEqual([]);
    expect(routes.length).toBeGreaterThan(30);
  });
});
