/**
 * The trends API and the trends page's HTTP side on the whole cloud (embedded aedes, SQLite,
 * fastify, real sockets): readings over several days sent by a gateway over MQTT, periods,
 * spot readings only, units, access by cart, audit; and uPlot served from the npm package.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UCUM, VITALS } from '@telecart/devices';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud.js';
import type { VitalTrend } from '../../patient-page/trends.js';
import { testClinician } from '../../testing/clinician.js';
import { batchOf, reading } from '../../testing/observations.js';
import { TestGateway } from '../../testing/test-gateway.js';

const DAY = 86_400_000;
const all = testClinician({ id: 'dr-trends-all', gateways: ['*'] });
const cartT = testClinician({ id: 'dr-trends-t', gateways: ['cart-t*'] });
const cartB = testClinician({ id: 'dr-trends-b', gateways: ['cart-b*'] });

let dir: string;
let cloud: Cloud;
/** Noon UTC of the day before the run: readings are placed at whole days before it. */
const base = Math.floor(Date.now() / DAY) * DAY - DAY / 2;
const at = (daysAgo: number, hourShift = 0) => new Date(base - daysAgo * DAY + hourShift * 3_600_000).toISOString();

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  const text = body.toString('utf8');
  return { status: res.status, headers: res.headers, body, text, json: () => JSON.parse(text) as TrendsBody };
}

interface TrendsBody {
  patientId: string;
  from: string;
  to: string;
  maxPoints: number;
  vitals: VitalTrend[];
  message?: string;
}

const vital = (b: TrendsBody, key: string): VitalTrend => {
  const v = b.vitals.find((x) => x.key === key);
  if (!v) throw new Error(`no ${key} in the answer`);
  return v;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-trends-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [
      { id: 'p-t', family: 'DUPONT', given: 'Paul', birthDate: '1941-03-02', ins: '141037512345678', gateways: ['cart-t1'] },
      { id: 'p-b', family: 'BETA', given: 'Bruno', gateways: ['cart-b1'] },
    ],
    teleconsult: { specialists: [all.account, cartT.account, cartB.account] },
  });
  const g = 'cart-t1';
  let seq = 0;
  const next = () => ++seq;
  const spot: Observation[] = [];
  // Pulse once a day for ten days, and once 40 days ago (outside the default period).
  for (let d = 1; d <= 10; d++) spot.push(reading('pulse', { seq: next(), gatewayId: g, patientId: 'p-t', value: 60 + d, at: at(d) }));
  spot.push(reading('pulse', { seq: next(), gatewayId: g, patientId: 'p-t', value: 99, at: at(40) }));
  // A preliminary pulse is no spot reading to draw.
  spot.push(reading('pulse', { seq: next(), gatewayId: g, patientId: 'p-t', value: 150, at: at(2, 1), status: 'preliminary' }));
  spot.push(reading('bp', { seq: next(), gatewayId: g, patientId: 'p-t', value: [150, 95], at: at(3) }));
  spot.push(reading('bp', { seq: next(), gatewayId: g, patientId: 'p-t', value: [130, 85], at: at(1) }));
  // Weight in pounds and glucose in mmol/L come out in kg and mg/dL; an unknown unit is skipped.
  const w = reading('weight', { seq: next(), gatewayId: g, patientId: 'p-t', at: at(5) });
  spot.push({ ...w, value: { value: 154, unit: UCUM.lb } });
  spot.push(reading('weight', { seq: next(), gatewayId: g, patientId: 'p-t', value: 70.2, at: at(2) }));
  const w2 = reading('weight', { seq: next(), gatewayId: g, patientId: 'p-t', at: at(4) });
  spot.push({ ...w2, value: { value: 11, unit: '[stone_av]' } });
  const glu = reading('pulse', { seq: next(), gatewayId: g, patientId: 'p-t', at: at(1, 2) });
  spot.push({ ...glu, code: VITALS.glucoseMolar, value: { value: 6, unit: UCUM.mmolPerL } });
  spot.push(reading('spo2', { seq: next(), gatewayId: g, patientId: 'p-t', value: 88, at: at(1), lane: 'spot' }));
  // A waveform segment, even one coded like a pulse reading, is not a point.
  const wave = reading('pulse', { seq: next(), gatewayId: g, patientId: 'p-t', at: at(1, 3), lane: 'waveform' });
  const segment: Observation = {
    ...wave,
    value: undefined,
    sampledData: { origin: { value: 0, unit: '/min' }, periodMs: 1000, dimensions: 1, data: '70 71 72 73' },
    segment: { recordingId: randomUUID(), index: 0, last: true },
  };
  delete segment.value;

  const gt = await TestGateway.connect(cloud.mqttUrl, g);
  await gt.send(batchOf(spot, { gatewayId: g, lane: 'spot' }));
  await gt.send(batchOf([segment], { gatewayId: g, lane: 'waveform' }));
  await gt.close();
  const gb = await TestGateway.connect(cloud.mqttUrl, 'cart-b1');
  await gb.send(
    batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-b1', patientId: 'p-b', value: 80, at: at(1) })], { gatewayId: 'cart-b1' }),
  );
  await gb.close();
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/patients/:id/trends', () => {
  it('gives the last 30 days by default: spot readings per vital, oldest first, in one unit', async () => {
    const r = await get('/api/patients/p-t/trends', cartT.headers);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const b = r.json();
    expect(Date.parse(b.to) - Date.parse(b.from)).toBe(30 * DAY);
    expect(b.vitals.map((v) => v.key)).toEqual(['weight', 'bp', 'pulse', 'spo2', 'temperature', 'glucose', 'respiratoryRate']);
    const pulse = vital(b, 'pulse');
    // Ten daily readings: not the one 40 days ago, not the preliminary one, not the waveform segment.
    expect(pulse.points.map((p) => p.v[0])).toEqual([70, 69, 68, 67, 66, 65, 64, 63, 62, 61]);
    expect(pulse.points.map((p) => p.t)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((d) => at(d)));
    expect(pulse).toMatchObject({ unit: '/min', unitDisplay: '/min', series: ['value'], truncated: false, skipped: 0 });
    const bp = vital(b, 'bp');
    expect(bp).toMatchObject({ unit: 'mm[Hg]', series: ['systolic', 'diastolic'] });
    expect(bp.points.map((p) => p.v)).toEqual([
      [150, 95],
      [130, 85],
    ]);
    const weight = vital(b, 'weight');
    expect(weight.points.map((p) => p.v[0])).toEqual([69.85, 70.2]);
    expect(weight).toMatchObject({ unit: 'kg', skipped: 1 });
    expect(vital(b, 'glucose')).toMatchObject({ unit: 'mg/dL', points: [{ v: [108.1] }] });
    expect(vital(b, 'spo2').points).toEqual([{ t: at(1), v: [88], flags: [] }]);
    expect(vital(b, 'temperature').points).toEqual([]);
  });

  it('takes a period: dates (whole UTC days) or date-times, up to 400 days', async () => {
    const day = (d: number) => at(d).slice(0, 10);
    const three = (await get(`/api/patients/p-t/trends?from=${day(3)}&to=${day(1)}`, cartT.headers)).json();
    expect(vital(three, 'pulse').points.map((p) => p.v[0])).toEqual([63, 62, 61]);
    const since = encodeURIComponent(at(2, -1));
    const recent = (await get(`/api/patients/p-t/trends?from=${since}`, cartT.headers)).json();
    expect(vital(recent, 'pulse').points.map((p) => p.v[0])).toEqual([62, 61]);
    const long = (await get(`/api/patients/p-t/trends?from=${day(399)}&to=${day(1)}`, cartT.headers)).json();
    expect(vital(long, 'pulse').points).toHaveLength(11);
    for (const [q, message] of [
      [`from=${day(401)}&to=${day(0)}`, /400 days/],
      [`from=${day(1)}&to=${day(3)}`, /after/],
      ['from=yesterday', /querystring\/from/],
      ['from=2026-13-01', /not a valid date/],
      ['limit=5', /additional/],
    ] as const) {
      const bad = await get(`/api/patients/p-t/trends?${q}`, cartT.headers);
      expect(bad.status, q).toBe(400);
      expect(bad.json().message, q).toMatch(message);
    }
  });

  it('is for signed-in clinicians of the patient’s carts: 401 without a login, 404 for another cart’s patient', async () => {
    const none = await get('/api/patients/p-t/trends');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.text).not.toContain('DUPONT');
    const foreign = await get('/api/patients/p-t/trends', cartB.headers);
    const unknown = await get('/api/patients/p-nobody/trends', cartB.headers);
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.text.replace('p-t', 'X')).toBe(unknown.text.replace('p-nobody', 'X'));
    expect((await get('/api/patients/p-b/trends', cartB.headers)).status).toBe(200);
    expect((await get('/api/patients/p-t/trends', all.headers)).status).toBe(200);
  });

  it('writes who read which patient’s trends to the audit trail', async () => {
    await get('/api/patients/p-t/trends', cartT.headers);
    await expect
      .poll(async () =>
        (await cloud.store.listAudit({ actor: 'dr-trends-t', limit: 100 }))
          .filter((e) => e.action === 'view-trends')
          .map((e) => [e.patientId, e.actorRole]),
      )
      .toEqual([['p-t', 'specialist']]);
    // The refused read left no line about that patient.
    expect((await cloud.store.listAudit({ actor: 'dr-trends-b', limit: 100 })).some((e) => e.patientId === 'p-t')).toBe(false);
  });
});

describe('GET /patients/:id (the trends page)', () => {
  it('renders the patient header under a strict CSP, or the same 404 page for another cart’s patient', async () => {
    const r = await get('/patients/p-t?lang=en&days=7', cartT.headers);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).not.toContain('unsafe');
    expect(r.text).toContain('DUPONT Paul');
    expect(r.text).toContain('141037512345678');
    expect(r.text).toContain('2 March 1941');
    expect(r.text).toMatch(/<button type="button" data-days="7" aria-pressed="true">7 days<\/button>/);
    // The & of the export link's query, escaped in the attribute (&amp; and &#38; are the same character).
    expect(r.text).toMatch(/href="\.\.\/fhir\/Observation\?patient=p-t&(amp|#38);date=ge/);
    // Latest readings table, server-rendered.
    expect(r.text).toMatch(/<tr data-vital="bp"[^>]*>.*130\/85/);
    const js = r.text.match(/<script src="([^"]+)" integrity="(sha384-[^"]+)"><\/script>/);
    expect(js?.[1]).toMatch(/^\.\.\/assets\/uplot\.iife\.min\.js\?v=[0-9a-f]{16}$/);
    const src = new URL(js?.[1] ?? '', `${cloud.httpUrl}/patients/p-t`);
    const asset = await get(`${src.pathname}${src.search}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(`sha384-${createHash('sha384').update(asset.body).digest('base64')}`).toBe(js?.[2]);

    const foreign = await get('/patients/p-t', cartB.headers);
    const unknown = await get('/patients/p-nobody', cartB.headers);
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(unknown.text);
    expect(foreign.text).not.toContain('DUPONT');
    expect((await get('/patients/p-t?days=12', cartT.headers)).status).toBe(400);
  });

  it('sends a visitor who is not signed in to the sign-in page and back', async () => {
    const r = await get('/patients/p-t?days=90');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/patients/p-t?days=90')}`);
  });

  it('is audited as a view of the patient', async () => {
    await expect
      .poll(
        async () => (await cloud.store.listAudit({ actor: 'dr-trends-t', limit: 100 })).filter((e) => e.action === 'view-patient').length,
      )
      .toBe(1);
  });
});

describe('GET /assets/uplot.*', () => {
  const require = createRequire(import.meta.url);
  const files = [
    ['/assets/uplot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript'],
    ['/assets/uplot.min.css', 'uplot/dist/uPlot.min.css', 'text/css'],
  ] as const;

  it.each(files)('%s: the package file byte for byte, cached by content hash, revalidated by ETag', async (path, file, type) => {
    const expected = readFileSync(require.resolve(file));
    const version = createHash('sha256').update(expected).digest('hex').slice(0, 16);
    const r = await get(`${path}?v=${version}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(expected)).toBe(true);
    expect(r.headers.get('content-type')).toContain(type);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = r.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    // Without the hash (or an old one) the browser must revalidate; the ETag answers 304.
    const plain = await get(`${path}?v=0000000000000000`);
    expect(plain.headers.get('cache-control')).toBe('public, no-cache');
    expect(plain.body.equals(expected)).toBe(true);
    const again = await get(path, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});
