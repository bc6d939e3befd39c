/**
 * The whole cloud started as in production (embedded aedes, SQLite in a temp dir, fastify on a
 * free port), driven over real MQTT and HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FhirBundle, FhirObservation } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from './cloud.js';
import { dashboardBundle } from './pages/dashboard/page.js';
import { testClinician } from './testing/clinician.js';
import { batchOf, reading } from './testing/observations.js';
import { TestGateway } from './testing/test-gateway.js';

let dir: string;
let cloud: Cloud;
let gw: TestGateway;
const clinician = testClinician();

const get = async (path: string) => {
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers: clinician.headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) as unknown };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    teleconsult: { specialists: [clinician.account] },
    patients: [
      {
        id: 'p-001',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        ins: '238042A12345678',
        insOid: '1.2.250.1.213.1.4.10',
        gateways: ['cart-1'],
      },
      { id: 'p-002', family: 'Durand', given: 'Paul <script>', gateways: ['cart-1'] },
      { id: 'p_004', family: 'Petit', given: 'Louise', gateways: ['cart-1'] },
    ],
  });
  gw = await TestGateway.connect(cloud.mqttUrl, 'cart-1');
  // Five days of pulse for p-001, one reading of each vital on the last day.
  await gw.send(
    batchOf([
      ...[19, 20, 21, 22, 23].map((day, i) => reading('pulse', { seq: i + 1, at: `2026-11-${day}T08:00:00Z`, value: 70 + i })),
      reading('bp', { seq: 6, at: '2026-11-23T08:01:00Z', value: [131, 84] }),
      reading('spo2', { seq: 7, at: '2026-11-23T08:02:00Z' }),
      reading('weight', { seq: 8, at: '2026-11-23T08:03:00Z', value: 71.25 }),
      reading('temperature', { seq: 9, at: '2026-11-23T08:04:00Z', value: 37.9 }),
      // Not a configured patient of cart-1: refused, never becomes a patient.
      reading('pulse', { seq: 10, at: '2026-11-23T09:00:00Z', patientId: 'p-003' }),
      reading('pulse', { seq: 11, at: '2026-11-23T09:00:00Z', patientId: 'p_004' }),
    ]),
  );
});

afterAll(async () => {
  await gw?.close();
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('JSON API', () => {
  it('lists patients with their latest vitals', async () => {
    const r = await get('/api/patients');
    expect(r.status).toBe(200);
    const { patients } = r.json() as {
      patients: { id: string; source: string; vitals: Record<string, { values: number[]; unitDisplay: string; effective: string }> }[];
    };
    expect(patients.map((p) => [p.id, p.source])).toEqual([
      ['p-002', 'configured'],
      ['p-001', 'configured'],
      ['p_004', 'configured'],
    ]);
    const martin = patients.find((p) => p.id === 'p-001');
    expect(martin?.vitals.bp).toMatchObject({ values: [131, 84], unitDisplay: 'mmHg', effective: '2026-11-23T08:01:00Z' });
    expect(martin?.vitals.pulse).toMatchObject({ values: [74], effective: '2026-11-23T08:00:00Z' });
    expect(Object.keys(martin?.vitals ?? {}).sort()).toEqual(['bp', 'pulse', 'spo2', 'temperature', 'weight']);
  });

  it('filters a patient’s observations by code and time, newest first', async () => {
    const r = await get('/api/patients/p-001/observations?code=8867-4&from=2026-11-20&to=2026-11-22T08:00:00Z&limit=2');
    expect(r.status).toBe(200);
    const body = r.json() as { total: number; observations: Observation[] };
    expect(body.total).toBe(3);
    expect(body.observations.map((o) => o.seq)).toEqual([4, 3]);
    const all = (await get('/api/patients/p-001/observations')).json() as { total: number };
    expect(all.total).toBe(9);
  });

  it('answers 400 on bad query values and unknown parameters, 404 on an unknown patient', async () => {
    expect((await get('/api/patients/p-001/observations?code=pulse')).status).toBe(400);
    expect((await get('/api/patients/p-001/observations?limit=0')).status).toBe(400);
    const unknown = await get('/api/patients/p-001/observations?patient=p-002');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/additional properties/);
    expect((await get('/api/patients/p-001/observations?from=2026-11-23&to=2026-11-20')).status).toBe(400);
    expect((await get('/api/patients/nobody/observations')).status).toBe(404);
  });

  it('reports gateways, ingest counters and health', async () => {
    const gws = (await get('/api/gateways')).json() as { gateways: { gatewayId: string; lastBatchAt: string | null }[] };
    expect(gws.gateways).toEqual([expect.objectContaining({ gatewayId: 'cart-1', lastBatchAt: expect.any(String) })]);
    const m = (await get('/api/metrics/ingest')).json() as Record<string, unknown>;
    expect(m).toMatchObject({
      batchesReceived: 1,
      observationsStored: 10,
      observationsInStore: 10,
      readingsNotServed: 1,
      malformed: expect.any(Object),
    });
    const h = await get('/healthz');
    expect(h.status).toBe(200);
    expect(h.json()).toEqual({ status: 'ok', store: 'ok', mqtt: 'connected' });
  });
});

describe('FHIR API', () => {
  type Bundle = FhirBundle<FhirObservation>;

  it('searches by patient, code and date with paging links', async () => {
    const first = await get(
      '/fhir/Observation?patient=Patient/p-001&code=http://loinc.org|8867-4&date=ge2026-11-20&date=le2026-11-23&_count=2',
    );
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^application\/fhir\+json/);
    const b1 = first.json() as Bundle;
    expect(b1).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 4 });
    expect(b1.entry?.map((e) => e.resource?.effectiveDateTime)).toEqual(['2026-11-23T08:00:00Z', '2026-11-22T08:00:00Z']);
    expect(b1.entry?.[0]?.fullUrl).toBe(`${cloud.httpUrl}/fhir/Observation/${b1.entry?.[0]?.resource?.id}`);
    const self = b1.link?.find((l) => l.relation === 'self')?.url;
    expect(self).toContain(`${cloud.httpUrl}/fhir/Observation?`);
    const next = b1.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();

    const b2 = (await get((next ?? '').slice(cloud.httpUrl.length))).json() as Bundle;
    expect(b2.entry?.map((e) => e.resource?.effectiveDateTime)).toEqual(['2026-11-21T08:00:00Z', '2026-11-20T08:00:00Z']);
    expect(b2.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('matches MDC codes and the SpO2 pulse-oximetry LOINC', async () => {
    const spo2 = (await get('/fhir/Observation?code=59408-5')).json() as Bundle;
    expect(spo2.total).toBe(1);
    const bp = (await get('/fhir/Observation?code=urn:iso:std:iso:11073:10101|150020')).json() as Bundle;
    expect(bp.entry?.[0]?.resource?.component?.map((c) => c.valueQuantity?.value)).toEqual([131, 84]);
    const none = (await get('/fhir/Observation?patient=p-001&date=2026-11-24')).json() as Bundle;
    expect(none).toMatchObject({ total: 0, entry: [] });
    const countOnly = (await get('/fhir/Observation?_count=0')).json() as Bundle;
    expect(countOnly).toMatchObject({ total: 10, entry: [] });
    // The FHIR id of local patient 'p_004' is 'p-004' (as in the Observation's subject reference).
    const petit = (await get('/fhir/Observation?patient=Patient/p-004')).json() as Bundle;
    expect(petit.total).toBe(1);
    expect(petit.entry?.[0]?.resource?.subject?.reference).toMatch(/\/Patient\/p-004$/);
  });

  it('answers 400 with an OperationOutcome naming the parameter', async () => {
    for (const [query, parameter, text] of [
      ['name=Martin', 'name', /unknown search parameter 'name'/],
      ['_count=abc', '_count', /invalid value for _count/],
      ['_count=100000', '_count', /invalid value for _count/],
      ['date=yesterday', 'date', /invalid date/],
      ['date=ne2026-11-23', 'date', /prefix 'ne'/],
      ['code=http://snomed.info/sct|1', 'code', /system/],
      ['patient=Device/x', 'patient', /invalid patient/],
    ] as const) {
      const r = await get(`/fhir/Observation?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.type).toMatch(/^application\/fhir\+json/);
      const oo = r.json() as { resourceType: string; issue: { code: string; diagnostics: string; expression?: string[] }[] };
      expect(oo.resourceType).toBe('OperationOutcome');
      expect(oo.issue[0]?.expression, query).toEqual([parameter]);
      expect(oo.issue[0]?.diagnostics, query).toMatch(text);
    }
  });

  it('reads one Observation, 404 OperationOutcome when unknown', async () => {
    const [one] = await cloud.store.getObservations({ patientId: 'p-001', loinc: '2708-6' });
    const r = await get(`/fhir/Observation/${one?.id}`);
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({
      resourceType: 'Observation',
      id: one?.id,
      status: 'final',
      subject: { reference: `${cloud.httpUrl}/fhir/Patient/p-001` },
    });
    const missing = await get('/fhir/Observation/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });
});

describe('live events and dashboard', () => {
  it('streams a newly stored observation over SSE', async () => {
    const ac = new AbortController();
    const res = await fetch(`${cloud.httpUrl}/api/events?patient=p-002`, { signal: ac.signal, headers: clinician.headers });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let text = '';
    const read = async (until: RegExp) => {
      while (!until.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await read(/: connected\n\n/);

    const other = reading('spo2', { seq: 21, patientId: 'p-001' });
    const mine = reading('spo2', { seq: 22, patientId: 'p-002', value: 93 });
    await gw.send(batchOf([other, mine]));
    await read(/event: observation\ndata: .*\n\n/);
    ac.abort();

    const events = [...text.matchAll(/event: observation\ndata: (.*)\n/g)].map(
      (m) => JSON.parse(m[1] ?? '') as { observation: Observation; vital: { key: string; values: number[] } },
    );
    expect(events).toHaveLength(1); // filtered to p-002
    expect(events[0]?.observation.id).toBe(mine.id);
    expect(events[0]?.vital).toMatchObject({ key: 'spo2', values: [93] });
  });

  it('serves a self-contained dashboard page in French, English on request', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<html lang="fr">/);
    expect(page.text).toContain('Tension artérielle');
    expect(page.text).toContain('MARTIN Jeanne');
    expect(page.text).toContain('131/84');
    expect(page.text).toContain('71,3'); // French decimal comma
    expect(page.text).toContain('Paul &lt;script'); // names are escaped
    expect(page.text).not.toContain('Paul <script>');
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing loaded from elsewhere
    // The page carries its built browser code (which listens to api/events: tests/e2e/dashboard.browser.test.ts).
    expect(page.text).toContain(dashboardBundle().source);

    const en = await get('/dashboard/patients?lang=en');
    expect(en.text).toContain('Blood pressure');
    expect(en.text).toContain('71.3');
    expect(en.text).toContain('<th scope="row">');
    expect((await get('/dashboard/patients?lang=de')).status).toBe(400);
  });
});
