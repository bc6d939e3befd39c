/**
 * Accounts administered while the cloud runs: a site administrator creates a nurse, who signs in;
 * disabling her ends her live login at its next request, without a restart; the accounts (and the
 * disable) outlive a restart of the cloud. Real cloud (SQLite store, embedded broker, HTTP on
 * loopback), the nurse signs in with a password like a browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, type StartCloudOptions, startCloud } from '../../cloud.js';
import { testClinician } from '../../testing/clinician.js';
import { statusOf } from '../../testing/observations.js';

const admin = testClinician({ id: 'admin-a', role: 'site-admin', audit: false, gateways: [], sites: ['ehpad-a'] });
const secretary = testClinician({ id: 'sec-a', role: 'coordinator', audit: false, gateways: [], sites: ['ehpad-a'] });
const auditor = testClinician({ id: 'dpo', role: 'auditor', audit: false });

let dir: string;
let cloud: Cloud;
const options = (): StartCloudOptions => ({
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
    specialists: [admin.account, secretary.account, auditor.account],
  },
});

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${cloud.httpUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    cookie: res.headers.get('set-cookie'),
  };
}

async function signIn(id: string, password: string): Promise<{ status: number; cookie: string }> {
  const r = await api('POST', '/api/specialist/login', {}, { id, password });
  return { status: r.status, cookie: (r.cookie ?? '').split(';')[0] ?? '' };
}

const NURSE = { id: 'ide-martin', name: 'Claire Martin, IDE', role: 'ehpad-nurse', sites: ['ehpad-a'], password: 'correct horse battery' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-admin-'));
  cloud = await startCloud(options());
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('account administration', () => {
  it('creates an account within the administrator’s sites only, with an RPPS for a practitioner', async () => {
    expect((await api('POST', '/api/admin/accounts', admin.headers, { ...NURSE, sites: ['ehpad-b'] })).status).toBe(403);
    const gp = { id: 'dr-gp', name: 'Dr Generaliste', role: 'gp', sites: ['ehpad-a'], password: 'correct horse battery' };
    const noRpps = await api('POST', '/api/admin/accounts', admin.headers, gp);
    expect(noRpps.status).toBe(400);
    expect(noRpps.body.message).toMatch(/RPPS/);
    expect((await api('POST', '/api/admin/accounts', admin.headers, { ...gp, rpps: '10003456782' })).body.message).toMatch(/check digit/);
    expect((await api('POST', '/api/admin/accounts', admin.headers, { ...gp, rpps: '10003456786' })).status).toBe(201);
    const created = await api('POST', '/api/admin/accounts', admin.headers, NURSE);
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({ id: NURSE.id, role: 'ehpad-nurse', source: 'admin', hasPassword: true, disabledAt: null });
    expect(JSON.stringify(created.body)).not.toContain('scrypt');
    expect((await api('POST', '/api/admin/accounts', admin.headers, NURSE)).status).toBe(409);
  });

  it('refuses the administration to a role without accounts.manage', async () => {
    expect((await api('GET', '/api/admin/accounts', secretary.headers)).status).toBe(403);
    expect((await api('POST', '/api/admin/accounts', auditor.headers, NURSE)).status).toBe(403);
  });

  it("refuses a disabled account's live login at its next request, without a restart", async () => {
    const nurse = await signIn(NURSE.id, NURSE.password);
    expect(nurse.status).toBe(200);
    const patients = await api('GET', '/api/patients', { cookie: nurse.cookie });
    expect(patients.status).toBe(200);
    expect((patients.body.patients as { id: string }[]).map((p) => p.id)).toEqual(['p-1']);

    const off = await api('PATCH', `/api/admin/accounts/${NURSE.id}`, admin.headers, { disabled: true });
    expect(off.status).toBe(200);
    expect(off.body.account).toMatchObject({ disabledAt: expect.any(String) });
    expect((await api('GET', '/api/patients', { cookie: nurse.cookie })).status).toBe(401);
    expect((await signIn(NURSE.id, NURSE.password)).status).toBe(401);

    await cloud.teleconsult.relay.flush();
    const trail = await cloud.store.listAudit({ actor: admin.account.id, limit: 50, offset: 0 });
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['account-create', 'account-disable']));
    expect(trail.find((e) => e.action === 'account-disable')?.detail).toMatch(/ide-martin: disabled; 1 logins ended/);
  });

  it('does not show or touch another site’s accounts', async () => {
    const listed = await api('GET', '/api/admin/accounts', admin.headers);
    const ids = (listed.body.accounts as { id: string }[]).map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining([NURSE.id, 'dr-gp', 'sec-a', 'admin-a']));
    // The auditor sees every cart: not an account of EHPAD A's administrator.
    expect(ids).not.toContain('dpo');
    expect((await api('PATCH', '/api/admin/accounts/dpo', admin.headers, { disabled: true })).status).toBe(404);
  });

  it("lists the carts of the administrator's sites with their state, and not the others", async () => {
    await cloud.store.upsertGatewayStatus(statusOf('cart-a1', true, 12));
    await cloud.store.upsertGatewayStatus(statusOf('cart-b1', false));
    const carts = await api('GET', '/api/admin/carts', admin.headers);
    expect(carts.status).toBe(200);
    expect(carts.body.carts).toEqual([
      {
        gatewayId: 'cart-a1',
        site: 'ehpad-a',
        online: true,
        version: '0.1.0',
        backlog: expect.objectContaining({ readings: 12 }),
        lastSeenAt: expect.any(String),
        enrolledAt: null,
      },
    ]);
    expect((await api('GET', '/api/admin/carts', secretary.headers)).status).toBe(403);
  });

  it('keeps the accounts and the disable across a restart; enabling lets the nurse in again', async () => {
    await cloud.stop();
    cloud = await startCloud(options());
    expect((await signIn(NURSE.id, NURSE.password)).status).toBe(401);
    expect((await api('PATCH', `/api/admin/accounts/${NURSE.id}`, admin.headers, { disabled: false })).status).toBe(200);
    const again = await signIn(NURSE.id, NURSE.password);
    expect(again.status).toBe(200);
    expect((await api('POST', `/api/admin/accounts/${NURSE.id}/end-sessions`, admin.headers)).body).toEqual({ ended: 1 });
    expect((await api('GET', '/api/patients', { cookie: again.cookie })).status).toBe(401);
  }, 30_000);

  it('updates a configured account on restart, and disables one taken out of the configuration', async () => {
    expect((await api('GET', '/api/audit?limit=1', auditor.headers)).status).toBe(200);
    await cloud.stop();
    const o = options();
    const tc = o.teleconsult ?? {};
    cloud = await startCloud({
      ...o,
      teleconsult: { ...tc, specialists: [admin.account, { ...secretary.account, name: 'Mme Secrétaire' }] },
    });
    const listed = (await api('GET', '/api/admin/accounts', admin.headers)).body.accounts as { id: string; name: string; source: string }[];
    expect(listed.find((a) => a.id === 'sec-a')).toMatchObject({ name: 'Mme Secrétaire', source: 'config' });
    expect((await api('GET', '/api/audit?limit=1', auditor.headers)).status).toBe(401);
    expect((await cloud.store.getAccount('dpo'))?.disabledAt).toEqual(expect.any(String));
  }, 30_000);
});
