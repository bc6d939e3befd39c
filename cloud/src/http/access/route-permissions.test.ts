/**
 * The role matrix as the HTTP app enforces it: every non-public route names a permission, and for
 * each role × each route an account of that role is refused by the permission check exactly when
 * auth/permissions.ts says its role lacks the route's permission. The app is buildHttpApp on a whole
 * cloud's parts (SQLite, embedded aedes, the relay), accounts signed in by API token.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Permission, ROLES, type Role, roleHas } from '../../auth/permissions.js';
import { committedRoutesByPermission, routesByPermissionMarkdown } from '../../auth/roles-doc.js';
import { type Cloud, startCloud } from '../../cloud.js';
import { type TestClinician, testClinician } from '../../testing/clinician.js';
import { buildHttpApp } from '../app.js';
import { lazySchemaCompilers } from '../lazy-schema-compilers.js';
import { type RouteAccessEntry, routeAccessTable } from './route-access.js';

/** One account per role, without the configured audit right (it would add audit.read to any role). */
const accounts = Object.fromEntries(
  ROLES.map((r) => [r, testClinician({ id: `acct-${r}`, role: r, audit: false, gateways: ['*'] })]),
) as Record<Role, TestClinician>;
/** A nurse of one nursing home, a secretary, for the scope probes. */
const nurseA = testClinician({ id: 'nurse-a', role: 'ehpad-nurse', audit: false, gateways: [], sites: ['ehpad-a'] });

/** Routes about the caller's own login: any signed-in account. */
const OWN_ACCOUNT = ['GET /api/specialist/me', 'HEAD /api/specialist/me', 'POST /api/specialist/logout-everywhere'];
/** Permissions no route of this app carries yet (patients.manage: the patient directory's routes). */
const NO_ROUTE_YET: Permission[] = [];
/** Streams that never end on inject: their refusals are checked, their admissions by other tests. */
const STREAMS = new Set(['/api/events', '/consult/ws']);

let dir: string;
let cloud: Cloud;
let app: FastifyInstance;
/** Route schemas compile on first request: this test compiles them all, so a broken one fails here, not in a ward. */
const schemaCompilers = lazySchemaCompilers();

const pathOf = (url: string) => url.replace(/:[A-Za-z]+/g, 'x-1');

/** Whether an answer is the permission check's refusal (not a route's own 403, e.g. a cross-origin WebSocket). */
function refusedByPermission(res: LightMyRequestResponse): boolean {
  if (res.statusCode !== 403) return false;
  // HEAD has no body: no route answers HEAD with a 403 of its own.
  return res.raw.req.method === 'HEAD' || /does not have the permission|declares no permission/.test(res.body);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-perms-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [
      { id: 'p-1', family: 'UN', given: 'Patient', gateways: ['cart-a1'] },
      { id: 'p-2', family: 'DEUX', given: 'Patient', gateways: ['cart-b1'] },
    ],
    teleconsult: {
      sites: [
        { id: 'ehpad-a', name: 'EHPAD A', gateways: ['cart-a*'] },
        { id: 'ehpad-b', name: 'EHPAD B', gateways: ['cart-b*'] },
      ],
      specialists: [...Object.values(accounts).map((a) => a.account), nurseA.account],
    },
  });
  app = buildHttpApp({
    store: cloud.store,
    ingest: cloud.ingest,
    teleconsult: cloud.teleconsult,
    alerts: cloud.alerts,
    nurses: cloud.nurses,
    logger: pino({ level: 'silent' }),
    schemaCompilers,
  });
  await app.ready();
}, 30_000);

afterAll(async () => {
  await app?.close();
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (r: RouteAccessEntry, who: TestClinician) =>
  app.inject({
    method: r.method as 'GET',
    url: pathOf(r.url),
    headers: { ...who.headers, 'content-type': 'application/json' },
    payload: r.method === 'GET' || r.method === 'HEAD' ? undefined : '{}',
  });

describe('route permissions', () => {
  it("every route's schemas compile (the app compiles each on its route's first request)", () => {
    // Validators (params, query, body) and serializers (each response status) of some 200 routes.
    expect(schemaCompilers.compileAll()).toBeGreaterThan(200);
    expect(schemaCompilers.compileAll()).toBe(0);
  });

  it('every non-public route names a permission; own-account only on the pinned routes', () => {
    const table = routeAccessTable(app);
    const missing = table.filter((r) => r.access !== 'public' && r.permission === undefined).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    const own = table.filter((r) => r.permission === 'own-account').map((r) => `${r.method} ${r.url}`);
    expect(own.sort()).toEqual([...OWN_ACCOUNT].sort());
    expect(table.filter((r) => r.access === 'public' && r.permission !== undefined)).toEqual([]);
  });

  it('docs/roles.md lists the routes each permission guards, as the app has them', () => {
    const file = fileURLToPath(new URL('../../../../docs/roles.md', import.meta.url));
    const doc = readFileSync(file, 'utf8');
    const expected = routesByPermissionMarkdown(routeAccessTable(app));
    // TELECART_UPDATE_DOCS=1 rewrites the list (then review the diff); without it the test only compares.
    if (process.env.TELECART_UPDATE_DOCS === '1') writeFileSync(file, doc.replace(committedRoutesByPermission(doc), expected));
    expect(
      committedRoutesByPermission(doc),
      'docs/roles.md "Routes by permission" is stale: run this test with TELECART_UPDATE_DOCS=1',
    ).toBe(expected);
  });

  it('each permission guards at least one route, but those whose routes are still to come', () => {
    const used = new Set(routeAccessTable(app).map((r) => r.permission));
    expect(PERMISSIONS.filter((p) => !used.has(p))).toEqual(NO_ROUTE_YET);
  });

  it('refuses (403) an account on a route exactly when its role lacks the route permission: every role × every route', async () => {
    const table = routeAccessTable(app).filter((r) => r.access !== 'public' && r.permission !== 'own-account');
    const cells = new Set<string>();
    for (const role of ROLES)
      for (const r of table) {
        const permission = r.permission as Permission;
        const granted = roleHas(role, permission);
        if (granted && STREAMS.has(r.url)) continue;
        const res = await call(r, accounts[role]);
        const label = `${role} ${r.method} ${r.url} (${permission}): ${res.statusCode} ${res.body.slice(0, 120)}`;
        expect(refusedByPermission(res), label).toBe(!granted);
        expect(res.statusCode, label).not.toBe(401);
        cells.add(`${role}|${permission}`);
      }
    // Every cell of the matrix whose permission some route carries was exercised.
    const routed = PERMISSIONS.filter((p) => table.some((r) => r.permission === p));
    expect(cells.size).toBe(ROLES.length * routed.length);
  });

  it('lets every role reach its own-account routes', async () => {
    for (const role of ROLES) {
      const res = await app.inject({ method: 'GET', url: '/api/specialist/me', headers: accounts[role].headers });
      expect(res.statusCode, role).toBe(200);
      expect(res.json<{ specialist: { role: string } }>().specialist.role).toBe(role);
    }
  });

  it('writes a refused attempt on patient data to the audit trail, and answers FHIR with an OperationOutcome', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/patients/p-1/observations', headers: accounts.coordinator.headers });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ permission: string }>().permission).toBe('vitals.read');
    const fhir = await app.inject({ method: 'GET', url: '/fhir/Observation?patient=p-1', headers: accounts['site-admin'].headers });
    expect(fhir.statusCode).toBe(403);
    expect(fhir.json<{ resourceType: string; issue: { code: string }[] }>()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'forbidden' }],
    });
    await cloud.teleconsult.relay.flush();
    const trail = await cloud.store.listAudit({ actor: 'acct-coordinator', limit: 1000, offset: 0 });
    expect(trail.map((e) => [e.action, e.actorRole])).toContainEqual(['access-refused', 'coordinator']);
    expect(trail.filter((e) => e.action === 'access-refused').map((e) => e.detail)).toContainEqual(
      expect.stringMatching(/^GET \/api\/patients\/p-1\/observations: .*vitals\.read/),
    );
  });
});

describe('probes from outside', () => {
  it('a secretary cannot read vitals but may list the patients and book', async () => {
    const h = accounts.coordinator.headers;
    expect((await app.inject({ method: 'GET', url: '/api/patients/p-1/trends', headers: h })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/fhir/Observation?patient=p-1', headers: h })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/patients', headers: h })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/appointments', headers: h })).statusCode).toBe(200);
  });

  it("a nurse of one nursing home does not see another site's patient", async () => {
    const h = nurseA.headers;
    const list = await app.inject({ method: 'GET', url: '/api/patients', headers: h });
    expect(list.json<{ patients: { id: string }[] }>().patients.map((p) => p.id)).toEqual(['p-1']);
    expect((await app.inject({ method: 'GET', url: '/api/patients/p-1/observations', headers: h })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/patients/p-2/observations', headers: h })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/fhir/Patient/p-2', headers: h })).statusCode).toBe(404);
  });

  it('an auditor reads the trail and nothing clinical', async () => {
    const h = accounts.auditor.headers;
    expect((await app.inject({ method: 'GET', url: '/api/audit', headers: h })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/patients', headers: h })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/audit', headers: accounts.specialist.headers })).statusCode).toBe(403);
  });
});

describe('routes that name no permission, or an unknown one', () => {
  it('refuses a non-public route without a permission to every account, and a typo at start', async () => {
    const a = buildHttpApp({
      store: cloud.store,
      ingest: cloud.ingest,
      teleconsult: cloud.teleconsult,
      alerts: cloud.alerts,
      logger: pino({ level: 'silent' }),
    });
    a.get('/forgotten', async () => 'data');
    expect(() => a.get('/typo', { config: { permission: 'vitals.raed' as Permission } }, async () => 'x')).toThrow(
      /config\.permission "vitals\.raed"/,
    );
    await a.ready();
    for (const role of ROLES) {
      const res = await a.inject({ method: 'GET', url: '/forgotten', headers: accounts[role].headers });
      expect(res.statusCode, role).toBe(403);
      expect(res.body).toMatch(/declares no permission/);
    }
    await a.close();
  });
});
