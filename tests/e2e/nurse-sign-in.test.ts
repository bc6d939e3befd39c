/**
 * Nurse sign-in on the cart end to end: a real cloud (embedded broker, SQLite) with two nurses, a
 * real gateway connected to it with nurseSignIn.required. The cart gets only its own nurses; a
 * change without a signed-in nurse is refused (401); a nurse without a PIN signs in once with the
 * password (forwarded to the cloud over MQTT) and chooses a PIN; then the PIN alone signs her in;
 * a nurse of another cart is refused by the cloud. Every attempt is in the cloud's audit trail.
 * After a restart with the cloud gone, the known nurse still signs in with her PIN; 5 wrong PINs
 * lock it on this cart, and a first sign-in needs the cloud (503).
 */

import { randomUUID } from 'node:crypto';
import { hashPassword } from '@telecart/cloud';
import { badgeHash, type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { type ConsultCloud, PATIENT_CONSENT, startConsultCloud, TestCart } from '../teleconsult/support.js';

const PASSWORD = 'soins-2026!';
let c: ConsultCloud;
let dir: TempDir;
let gw: Gateway | undefined;

const config = () =>
  resolveGatewayConfig({
    gatewayId: 'cart-1',
    mode: 'cart',
    timeZone: 'Europe/Paris',
    patients: [{ id: 'r12', family: 'Martin', given: 'Jeanne', room: '12' }],
    http: { host: '127.0.0.1', port: 0 },
    sync: { reconnectPeriodMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 1500 },
    nurseSignIn: { required: true },
  });

async function call(method: string, path: string, body?: unknown, cookie?: string) {
  const r = await fetch(`${gw?.httpUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return {
    status: r.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    cookie: r.headers.get('set-cookie')?.split(';')[0],
  };
}

beforeAll(async () => {
  const passwordHash = await hashPassword(PASSWORD, 10);
  c = await startConsultCloud({
    // The cart's residents are the cloud's list (the gateway's configuration is only the seed): r12 is cart-1's.
    patients: [
      { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-1', 'cart-2'] },
      { id: 'r12', family: 'Martin', given: 'Jeanne', gateways: ['cart-1'] },
    ],
    teleconsult: {
      nurses: [
        { id: 'n.martin', name: 'Nadia Martin', passwordHash, badgeSha256: badgeHash('04A1B2C3D4E5F6'), gateways: ['cart-1'] },
        { id: 'n.durand', name: 'Paul Durand', passwordHash, gateways: ['cart-9'] },
      ],
    },
  });
  dir = tempDir('telecart-nurse-sign-in-');
  gw = await startGateway({ config: config(), dataDir: dir.path, cloudUrl: c.cloud.mqttUrl });
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  await c?.stop();
  dir?.remove();
});

it('first full sign-in through the cloud, then PIN; offline after a restart the PIN still works and 5 wrong ones lock it', async () => {
  // Only this cart's nurses reach it, without any PIN yet.
  await expect
    .poll(async () => (await call('GET', '/api/nurse/nurses')).body, { timeout: 10_000 })
    .toEqual([{ id: 'n.martin', name: 'Nadia Martin', hasPin: false, locked: false }]);
  expect((await call('PUT', '/api/context/patient', { patientId: 'r12' })).status).toBe(401);
  expect((await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '2580' })).status).toBe(409);

  // Full sign-in: a wrong password, a weak PIN, another cart's nurse, then the right one.
  expect((await call('POST', '/api/nurse/full-sign-in', { nurseId: 'n.martin', password: 'nope', pin: '2580' })).status).toBe(401);
  expect((await call('POST', '/api/nurse/full-sign-in', { nurseId: 'n.martin', password: PASSWORD, pin: '1234' })).status).toBe(422);
  expect((await call('POST', '/api/nurse/full-sign-in', { nurseId: 'n.durand', password: PASSWORD, pin: '2580' })).status).toBe(403);
  const full = await call('POST', '/api/nurse/full-sign-in', { nurseId: 'n.martin', password: PASSWORD, pin: '2580' });
  expect(full.status).toBe(200);
  expect(full.body).toEqual({ nurse: { id: 'n.martin', name: 'Nadia Martin' }, lockAfterSeconds: 120 });
  expect((await call('PUT', '/api/context/patient', { patientId: 'r12' }, full.cookie)).status).toBe(200);
  expect((await call('GET', '/api/nurse/session', undefined, full.cookie)).body.nurse).toEqual({ id: 'n.martin', name: 'Nadia Martin' });

  // The cloud kept a verifier, never the PIN, and republished the list.
  const stored = await c.cloud.store.getNurse('n.martin');
  expect(stored?.pin?.kdf).toBe('scrypt');
  expect(JSON.stringify(stored)).not.toContain('2580');
  await expect
    .poll(async () => (await call('GET', '/api/nurse/nurses')).body)
    .toEqual([{ id: 'n.martin', name: 'Nadia Martin', hasPin: true, locked: false }]);
  // "Change nurse": the session ends; the PIN alone signs her in again.
  expect((await call('DELETE', '/api/nurse/session', undefined, full.cookie)).status).toBe(200);
  expect((await call('DELETE', '/api/context/patient', undefined, full.cookie)).status).toBe(401);
  const pin = await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '2580' });
  expect(pin.status).toBe(200);
  expect((await call('DELETE', '/api/context/patient', undefined, pin.cookie)).status).toBe(200);

  // The cloud's checks and the cart's own attempts (sent by the cart) are in the audit trail.
  const nurseActions = async () =>
    (await c.cloud.store.listAudit({ gatewayId: 'cart-1' }))
      .filter((e) => e.action.startsWith('nurse-'))
      .map((e) => [e.actor, e.actorRole, e.action, e.detail]);
  await expect.poll(nurseActions).toEqual(
    expect.arrayContaining([
      ['n.martin', 'ehpad-nurse', 'nurse-full-sign-in-failed', 'credentials'],
      ['n.durand', 'ehpad-nurse', 'nurse-full-sign-in-failed', 'not-on-this-cart'],
      ['n.martin', 'ehpad-nurse', 'nurse-full-sign-in', 'PIN chosen on this cart'],
      ['n.martin', 'ehpad-nurse', 'nurse-pin-failed', 'on the cart: no-pin'],
      ['n.martin', 'ehpad-nurse', 'nurse-sign-out', 'on the cart'],
      ['n.martin', 'ehpad-nurse', 'nurse-pin-sign-in', 'on the cart'],
      // What she chose on the cart names her too.
      ['n.martin', 'ehpad-nurse', 'nurse-patient-selected', 'on the cart: patient r12'],
      ['n.martin', 'ehpad-nurse', 'nurse-patient-cleared', 'on the cart'],
    ]),
  );

  // Her call names her: the cloud checks she works on this cart; its audit trail and the consent name her.
  const placed = await call('POST', '/api/teleconsult/call', { consent: PATIENT_CONSENT, patientId: 'r12' }, pin.cookie);
  expect(placed.status).toBe(201);
  const sessionId = String(placed.body.sessionId);
  await expect
    .poll(async () => (await c.cloud.store.listAudit({ sessionId })).map((e) => [e.actor, e.actorRole, e.action, e.detail]), {
      timeout: 10_000,
    })
    .toEqual(
      expect.arrayContaining([
        ['n.martin', 'ehpad-nurse', 'call', 'Nadia Martin, on cart-1: call'],
        ['n.martin', 'ehpad-nurse', 'consent', expect.stringMatching(/^Nadia Martin, on cart-1: /)],
      ]),
    );
  expect((await c.cloud.store.getTeleconsultation(sessionId))?.consent?.collectedBy).toBe('Nadia Martin');
  // A cart naming a nurse who does not work on it: no act, the refusal audited.
  const other = await TestCart.connect(c.cloud.mqttUrl, 'cart-2');
  const refused = randomUUID();
  await other.call(refused, 'p-001', { nurse: { id: 'n.martin', name: 'Nadia Martin' } });
  await expect
    .poll(async () => (await c.cloud.store.listAudit({ sessionId: refused })).map((e) => [e.action, e.detail]))
    .toEqual([['call-refused', 'unknown-nurse: n.martin (Nadia Martin)']]);
  await other.close();

  // Offline: the cloud is gone, the gateway restarts; the stored list still signs her in.
  await gw?.stop();
  await c.stop();
  gw = await startGateway({ config: config(), dataDir: dir.path, cloudUrl: c.cloud.mqttUrl });
  expect((await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '2580' })).status).toBe(200);
  expect((await call('POST', '/api/nurse/full-sign-in', { nurseId: 'n.martin', password: PASSWORD, pin: '3691' })).status).toBe(503);
  for (let left = 4; left >= 1; left--) {
    const wrong = await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '0000' });
    expect([wrong.status, wrong.body.attemptsLeft]).toEqual([401, left]);
  }
  expect((await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '0000' })).status).toBe(423);
  expect((await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '2580' })).status).toBe(423);
  // The lock is kept in the store: a restart does not lift it.
  await gw?.stop();
  gw = await startGateway({ config: config(), dataDir: dir.path, cloudUrl: c.cloud.mqttUrl });
  expect((await call('POST', '/api/nurse/pin', { nurseId: 'n.martin', pin: '2580' })).status).toBe(423);
  expect((await call('GET', '/api/nurse/nurses')).body).toEqual([{ id: 'n.martin', name: 'Nadia Martin', hasPin: true, locked: true }]);
  // Offline, the attempts wait in the cart's store (across the restart): 1 PIN sign-in, 4 wrong, 3 locked.
  expect(gw?.nurses.audit.length).toBe(8);
}, 90_000);
