/**
 * Closed by default: every route of the cloud's HTTP app, as registered, is called without a login.
 * Only the routes meant to be public answer; the others answer 401 (HTML pages: a redirect to the
 * login page). The public list is pinned here: a route opened without thought fails this test.
 * The app is built by buildHttpApp on a whole cloud's parts (SQLite, embedded aedes, the relay).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud.js';
import { testClinician } from '../../testing/clinician.js';
import { buildHttpApp } from '../app.js';
import { type RouteAccessEntry, routeAccessTable } from './route-access.js';

const dr = testClinician({ id: 'dr-closed', gateways: ['*'] });

/** What anyone may call: health, metrics (counts only), the sign-in page and API, static files, a report's download link (the token is the right). */
const PUBLIC_GET = [
  '/api/metrics/ingest',
  '/api/metrics/store',
  '/api/metrics/teleconsult',
  '/assets/uplot.iife.min.js',
  '/assets/uplot.min.css',
  '/consult',
  '/favicon.ico',
  '/favicon.svg',
  '/guest/:token',
  '/guest/:token/ws',
  '/healthz',
  '/join/:token',
  '/join/:token/ice-servers',
  '/join/:token/identity',
  '/join/:token/ws',
  '/login',
  '/metrics',
  '/r/:token',
];
const PUBLIC_POST = [
  '/api/specialist/login',
  '/api/specialist/logout',
  '/join/:token/identity',
  '/join/:token/identity/code',
  '/join/:token/net-probe',
  // A patient's report link: the date of birth the link asks (the token is the right).
  '/r/:token',
];
const EXPECTED_PUBLIC = [...PUBLIC_GET.flatMap((u) => [`GET ${u}`, `HEAD ${u}`]), ...PUBLIC_POST.map((u) => `POST ${u}`)].sort();

let dir: string;
let cloud: Cloud;
let closed: FastifyInstance;
let open: FastifyInstance;

function build(dataAccess: 'clinicians' | 'open'): FastifyInstance {
  return buildHttpApp({
    store: cloud.store,
    ingest: cloud.ingest,
    teleconsult: cloud.teleconsult,
    alerts: cloud.alerts,
    logger: pino({ level: 'silent' }),
    dataAccess,
  });
}

/** A concrete path for a route pattern: each parameter becomes a plausible id. */
const pathOf = (url: string) => url.replace(/:[A-Za-z]+/g, 'x-1');

const call = (app: FastifyInstance, r: RouteAccessEntry, headers: Record<string, string> = {}) =>
  app.inject({ method: r.method as 'GET', url: pathOf(r.url), headers });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-closed-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [{ id: 'p-1', family: 'UN', given: 'Patient', gateways: ['cart-1'] }],
    teleconsult: { specialists: [dr.account] },
  });
  closed = build('clinicians');
  open = build('open');
  await closed.ready();
  await open.ready();
}, 30_000);

afterAll(async () => {
  await closed?.close();
  await open?.close();
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('every route needs a signed-in user unless marked public', () => {
  it('lists every route family, and exactly the expected public ones', () => {
    const table = routeAccessTable(closed);
    const urls = new Set(table.map((r) => r.url));
    for (const u of ['/', '/api/patients', '/api/events', '/fhir/Observation', '/patients/:id', '/api/audit', '/consult/ws', '/healthz'])
      expect(urls, u).toContain(u);
    const pub = table.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    expect(pub.sort()).toEqual(EXPECTED_PUBLIC);
  });

  it('answers 401 (pages: to the login page) on every non-public route without a login', async () => {
    const refused: string[] = [];
    for (const r of routeAccessTable(closed)) {
      if (r.access === 'public') continue;
      const res = await call(closed, r);
      const label = `${r.method} ${r.url} (${r.access})`;
      refused.push(label);
      if (r.access === 'page') {
        expect(res.statusCode, label).toBe(303);
        expect(res.headers.location, label).toMatch(/^\/login\?next=/);
      } else {
        expect(res.statusCode, label).toBe(401);
        // No patient data, and nothing about the request's own validity, to a stranger.
        if (r.method === 'HEAD') continue;
        const body = res.json<{ statusCode?: number; resourceType?: string }>();
        if (r.url.startsWith('/fhir/')) expect(body.resourceType, label).toBe('OperationOutcome');
        else expect(body.statusCode, label).toBe(401);
      }
    }
    expect(refused.length).toBeGreaterThan(20);
  });

  it('answers the public routes without a login', async () => {
    for (const r of routeAccessTable(closed).filter((x) => x.access === 'public')) {
      const res = await call(closed, r);
      expect(res.statusCode, `${r.method} ${r.url}`).not.toBe(401);
      expect(res.headers.location ?? '', `${r.method} ${r.url}`).not.toMatch(/^\/login/);
    }
  });

  it("in the 'open' mode lets anyone read, but still asks a specialist for the teleconsultation and audit routes", async () => {
    for (const r of routeAccessTable(open)) {
      // The event stream stays open: it is covered by the data-access tests.
      if (r.url === '/api/events' || r.access === 'public') continue;
      const res = await call(open, r);
      const label = `${r.method} ${r.url} (${r.access})`;
      if (r.access === 'specialist') expect(res.statusCode, label).toBe(401);
      else expect([401, 303], label).not.toContain(res.statusCode);
    }
  });

  it('lets a signed-in clinician through the guard', async () => {
    const res = await closed.inject({ method: 'GET', url: '/api/patients', headers: dr.headers });
    expect(res.statusCode).toBe(200);
  });

  it('refuses at start a route whose access is not a known value', async () => {
    const app = build('clinicians');
    expect(() => app.get('/typo', { config: { access: 'pubic' as 'public' } }, async () => 'x')).toThrow(/config\.access "pubic"/);
    await app.close();
  });
});
