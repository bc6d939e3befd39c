/**
 * Nurses are accounts: a real cloud (embedded broker, SQLite) and a real gateway with
 * nurseSignIn.required connected to it. A site administrator creates a nurse account and sets her PIN
 * and badge on the admin API; the cart's list (retained gw/{id}/nurses) gets her at once and her PIN
 * opens the cart. Her call's consent and a coordinator's booking are audited with their own roles.
 * Disabled, she leaves the cart's list with the next publish and her PIN is refused there.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { PATIENT_CONSENT } from '../teleconsult/support.js';

const admin = testClinician({ id: 'admin-a', role: 'site-admin', audit: false, gateways: [], sites: ['ehpad-a'] });
const secretary = testClinician({ id: 'sec-a', role: 'coordinator', audit: false, gateways: [], sites: ['ehpad-a'] });
const roux = testClinician({ id: 'dr-roux', role: 'specialist', audit: false, gateways: [], sites: ['ehpad-a'] });
const NURSE = { id: 'ide-martin', name: 'Claire Martin, IDE', role: 'ehpad-nurse', sites: ['ehpad-a'], password: 'correct horse battery' };

let cloudDir: string;
let cloud: Cloud;
let gwDir: TempDir;
let gw: Gateway | undefined;

async function cloudApi(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${cloud.httpUrl}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function cart(method: string, path: string, body?: unknown, cookie?: string) {
  const r = await fetch(`${gw?.httpUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as unknown) : {}, cookie: r.headers.get('set-cookie')?.split(';')[0] };
}

beforeAll(async () => {
  cloudDir = mkdtempSync(join(tmpdir(), 'telecart-nurse-accounts-'));
  cloud = await startCloud({
    dataDir: cloudDir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-a1'], localId: 'r12' }],
    teleconsult: {
      sites: [{ id: 'ehpad-a', name: 'EHPAD A', gateways: ['cart-a*'] }],
      specialists: [admin.account, secretary.account, { ...roux.account, rpps: '10003456786' }],
    },
  });
  gwDir = tempDir('telecart-nurse-accounts-gw-');
  gw = await startGateway({
    config: resolveGatewayConfig({
      gatewayId: 'cart-a1',
      mode: 'cart',
      timeZone: 'Europe/Paris',
      patients: [{ id: 'r12', family: 'Martin', given: 'Jeanne', room: '12' }],
      http: { host: '127.0.0.1', port: 0 },
      sync: { reconnectPeriodMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 1500 },
      nurseSignIn: { required: true },
    }),
    dataDir: gwDir.path,
    cloudUrl: cloud.mqttUrl,
  });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await cloud?.stop();
  gwDir?.remove();
  if (cloudDir) rmSync(cloudDir, { recursive: true, force: true });
});

const cartNurses = async () => (await cart('GET', '/api/nurse/nurses')).body;

it('an administrator makes a nurse account and sets her PIN and badge; the cart gets her at once and her PIN opens it', async () => {
  await expect.poll(cartNurses, { timeout: 10_000 }).toEqual([]);
  expect((await cloudApi('POST', '/api/admin/accounts', admin.headers, NURSE)).status).toBe(201);
  await expect.poll(cartNurses, { timeout: 10_000 }).toEqual([{ id: NURSE.id, name: NURSE.name, hasPin: false, locked: false }]);

  // A weak PIN, a UID that is none, a clinician's account: refused with the reason.
  const weak = await cloudApi('PUT', `/api/admin/accounts/${NURSE.id}/nurse-credentials`, admin.headers, { pin: '1234' });
  expect(weak.status).toBe(400);
  expect(weak.body.message).toMatch(/run of digits/);
  expect((await cloudApi('PUT', `/api/admin/accounts/${NURSE.id}/nurse-credentials`, admin.headers, { badgeUid: 'XYZ' })).status).toBe(400);
  expect((await cloudApi('PUT', '/api/admin/accounts/dr-roux/nurse-credentials', admin.headers, { pin: '2580' })).status).toBe(404);
  // A coordinator does not manage accounts.
  expect((await cloudApi('PUT', `/api/admin/accounts/${NURSE.id}/nurse-credentials`, secretary.headers, { pin: '2580' })).status).toBe(403);

  const set = await cloudApi('PUT', `/api/admin/accounts/${NURSE.id}/nurse-credentials`, admin.headers, {
    pin: '2580',
    badgeUid: '04A1B2C3D4E5F6',
  });
  expect(set.status).toBe(200);
  expect(set.body.nurse).toMatchObject({ id: NURSE.id, hasPin: true, hasBadge: true, carts: ['cart-a*'] });
  // Kept as the verifier and the hash only.
  const stored = await cloud.store.getNurse(NURSE.id);
  expect(stored?.pin?.kdf).toBe('scrypt');
  expect(JSON.stringify(stored)).not.toContain('2580');
  expect(JSON.stringify(stored)).not.toContain('04A1B2C3D4E5F6');
  const listed = await cloudApi('GET', '/api/admin/nurse-credentials', admin.headers);
  expect(listed.body.nurses).toEqual([expect.objectContaining({ id: NURSE.id, hasPin: true, hasBadge: true })]);

  await expect.poll(cartNurses, { timeout: 10_000 }).toEqual([{ id: NURSE.id, name: NURSE.name, hasPin: true, locked: false }]);
  const pin = await cart('POST', '/api/nurse/pin', { nurseId: NURSE.id, pin: '2580' });
  expect(pin.status).toBe(200);

  // Her call: the cloud knows her as an enabled nurse account of this cart; the consent carries her role.
  expect((await cart('PUT', '/api/context/patient', { patientId: 'r12' }, pin.cookie)).status).toBe(200);
  const placed = await cart('POST', '/api/teleconsult/call', { consent: PATIENT_CONSENT, patientId: 'r12' }, pin.cookie);
  expect(placed.status).toBe(201);
  const sessionId = String((placed.body as { sessionId: string }).sessionId);
  await expect
    .poll(async () => (await cloud.store.listAudit({ sessionId })).map((e) => [e.actor, e.actorRole, e.action]), { timeout: 10_000 })
    .toEqual(
      expect.arrayContaining([
        [NURSE.id, 'ehpad-nurse', 'call'],
        [NURSE.id, 'ehpad-nurse', 'consent'],
      ]),
    );
  await cloud.teleconsult.relay.flush();
  const trail = await cloud.store.listAudit({ actor: admin.account.id, limit: 50, offset: 0 });
  expect(trail.find((e) => e.action === 'nurse-credentials')).toMatchObject({
    actorRole: 'site-admin',
    detail: `${NURSE.id}: PIN set, badge set`,
  });
});

it("a coordinator's booking is audited as a coordinator's, not a specialist's", async () => {
  const booked = await cloudApi('POST', '/api/appointments', secretary.headers, {
    patient: 'p-001',
    gateway: 'cart-a1',
    start: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    minutes: 20,
    specialist: 'dr-roux',
  });
  expect(booked.status).toBe(201);
  await cloud.teleconsult.relay.flush();
  const lines = (await cloud.store.listAudit({ actor: 'sec-a', limit: 50, offset: 0 })).filter((e) => e.action === 'appointment');
  expect(lines.map((e) => e.actorRole)).toEqual(['coordinator']);
});

it('a disabled nurse leaves the cart with the next publish: her PIN is refused there', async () => {
  expect((await cloudApi('PATCH', `/api/admin/accounts/${NURSE.id}`, admin.headers, { disabled: true })).status).toBe(200);
  await expect.poll(cartNurses, { timeout: 10_000 }).toEqual([]);
  const refused = await cart('POST', '/api/nurse/pin', { nurseId: NURSE.id, pin: '2580' });
  expect(refused.status).not.toBe(200);
  expect(refused.cookie).toBeUndefined();
  // Enabled again, she is back with the PIN the administrator set.
  expect((await cloudApi('PATCH', `/api/admin/accounts/${NURSE.id}`, admin.headers, { disabled: false })).status).toBe(200);
  await expect.poll(cartNurses, { timeout: 10_000 }).toEqual([{ id: NURSE.id, name: NURSE.name, hasPin: true, locked: false }]);
});
