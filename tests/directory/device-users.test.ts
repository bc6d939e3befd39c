/**
 * Who-is-who from the cloud, end to end: a real cloud (embedded broker, SQLite, the directory's
 * publisher) and two real gateways connected to it over MQTT. A shared device's user mapped to a
 * resident through the administration API gets that resident's next reading on the cart without a
 * restart, and a mapping to a patient the cart does not serve is refused (400) and audited. A home
 * kit's patient is the directory's: admitted to the kit, it takes the kit's readings; discharged and
 * replaced by another, the next reading goes to the new one. Offline after a restart, the cart keeps
 * the mappings and the kit's patient it last had.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import type { DeviceFrame } from '@telecart/devices';
import { type Gateway, type GatewayConfig, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import type { Observation } from '@telecart/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { waitFor } from '../support/wait.js';

const CUFF = 'ble:A0:B1:C2:D3:E4:F5';
/** A 0x2A35 blood pressure (systolic `sys`, diastolic 80, pulse 64), with the cuff's user index when given. */
function bp(sys: number, userIndex?: number): DeviceFrame {
  const flags = 0x06 | (userIndex !== undefined ? 0x08 : 0);
  const bytes = [flags, sys, 0, 80, 0, 93, 0, 0xe8, 0x07, 5, 1, 8, 15, 30, 64, 0, ...(userIndex !== undefined ? [userIndex] : [])];
  return {
    deviceId: CUFF,
    transport: 'ble',
    name: 'UA-651BLE',
    characteristic: '2A35',
    bytes: Uint8Array.from(bytes),
    receivedAt: Date.now(),
  };
}

/** The systolic value of a blood-pressure reading (a component of the panel). */
const systolic = (o: Pick<Observation, 'components'>) => o.components?.find((c) => c.code.loinc === '8480-6')?.value.value;

const admin = testClinician({ id: 'admin-a', role: 'site-admin', audit: false, gateways: [], sites: ['ehpad-a', 'home-h'] });
const otherAdmin = testClinician({ id: 'admin-b', role: 'site-admin', audit: false, gateways: [], sites: ['home-h'] });

describe('device users and the home kit’s patient from the cloud', () => {
  let cloudDir: string;
  let cloud: Cloud;
  const dirs: TempDir[] = [];
  const gws: Record<string, { gw: Gateway | undefined; config: GatewayConfig; dir: TempDir; frames: EventEmitter }> = {};

  async function api(method: string, path: string, body?: unknown, headers = admin.headers) {
    const r = await fetch(`${cloud.httpUrl}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  async function admit(id: string, family: string, gateway: string, localId: string) {
    expect(
      (await api('POST', '/api/directory/patients', { id, family, given: 'A', birthDate: '1940-01-01', identityStatus: 'provisional' }))
        .status,
    ).toBe(201);
    expect((await api('POST', `/api/directory/patients/${id}/admit`, { gateway, localId })).status).toBe(200);
  }

  /** The cloud's stored readings of the cuff with this systolic value: [patient, assignment, user index]. */
  async function stored(sys: number): Promise<[string | undefined, string | undefined, number | undefined]> {
    const o = await waitFor(async () => (await cloud.store.getObservations({ limit: 1000, offset: 0 })).find((x) => systolic(x) === sys), {
      what: `the reading ${sys} mmHg in the cloud`,
    });
    return [o.patient?.id, o.patient?.assignment, o.patient?.userIndex];
  }

  async function start(id: string, raw: Record<string, unknown>, cloudUrl = cloud.mqttUrl) {
    const dir = gws[id]?.dir ?? tempDir(`telecart-device-users-${id}-`);
    if (!gws[id]) dirs.push(dir);
    const config = resolveGatewayConfig({
      gatewayId: id,
      timeZone: 'Europe/Paris',
      http: { host: '127.0.0.1', port: 0 },
      sync: { reconnectPeriodMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 1500 },
      ...raw,
    });
    const frames = new EventEmitter();
    const gw = await startGateway({ config, dataDir: dir.path, cloudUrl, frames: frames as never });
    gws[id] = { gw, config, dir, frames };
    return gw;
  }

  beforeAll(async () => {
    cloudDir = mkdtempSync(join(tmpdir(), 'telecart-device-users-'));
    cloud = await startCloud({
      dataDir: cloudDir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      patients: [],
      teleconsult: {
        sites: [
          { id: 'ehpad-a', name: 'EHPAD A', gateways: ['cart-a*'] },
          { id: 'home-h', name: 'Domicile', gateways: ['kit-h*'] },
        ],
        specialists: [admin.account, otherAdmin.account],
      },
    });
  }, 60_000);

  afterAll(async () => {
    for (const g of Object.values(gws)) await g.gw?.stop();
    await cloud?.stop();
    for (const d of dirs) d.remove();
    if (cloudDir) rmSync(cloudDir, { recursive: true, force: true });
  });

  it('a mapping set in the cloud gives the next reading of that user to that resident, without a restart; a mapping to a patient the cart does not serve is refused and audited', async () => {
    // The seed: the configuration maps the cuff's user 1 to cfg-1.
    const gw = await start('cart-a1', {
      mode: 'cart',
      patients: [{ id: 'cfg-1', family: 'Seed', given: 'Only' }],
      deviceUsers: [{ deviceId: CUFF, userIndex: 1, patientId: 'cfg-1' }],
    });
    await admit('p-1', 'MARTIN', 'cart-a1', 'r12');
    await admit('p-2', 'DURAND', 'cart-a1', 'r14');
    await admit('p-9', 'AILLEURS', 'kit-h9', 'h9');
    await waitFor(() => gw.patients.residentList().patients.length === 2, { what: 'the cloud’s list on the cart' });

    // Not this cart's patient: refused with the reason, audited, nothing changes.
    const refused = await api('PUT', '/api/admin/carts/cart-a1/device-users', { deviceId: CUFF, userIndex: 2, patientId: 'p-9' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('patient p-9 is not on cart cart-a1 (its patients: p-1, p-2): admit them to this cart first');
    // Another site's administrator does not learn the cart exists.
    const outside = await api(
      'PUT',
      '/api/admin/carts/cart-a1/device-users',
      { deviceId: CUFF, userIndex: 2, patientId: 'p-2' },
      otherAdmin.headers,
    );
    expect(outside.status).toBe(404);
    // A device id that is no device id.
    expect((await api('PUT', '/api/admin/carts/cart-a1/device-users', { deviceId: 'a b', userIndex: 2, patientId: 'p-2' })).status).toBe(
      400,
    );

    const set = await api('PUT', '/api/admin/carts/cart-a1/device-users', { deviceId: CUFF, userIndex: 2, patientId: 'p-2' });
    expect(set.status).toBe(200);
    expect(set.body.deviceUser).toMatchObject({ deviceId: CUFF, userIndex: 2, patientId: 'p-2', localId: 'r14', setBy: 'admin-a' });
    // Until the cloud maps a device of the cart, the configuration's mappings stay in force.
    expect(gw.patients.deviceUserMap()).toEqual({ source: 'config', users: [{ deviceId: CUFF, userIndex: 1, patientId: 'cfg-1' }] });
    await waitFor(() => gw.patients.deviceUserMap().source === 'cloud', { what: 'the cloud’s mapping on the cart' });
    expect(gw.patients.deviceUserMap()).toEqual({ source: 'cloud', users: [{ deviceId: CUFF, userIndex: 2, patientId: 'r14' }] });

    gws['cart-a1']?.frames.emit('frame', bp(121, 2));
    expect(await stored(121)).toEqual(['p-2', 'device-user', 2]);
    // User 1 was the configuration's: the cloud's mappings replace them, so that reading is held, not guessed.
    gws['cart-a1']?.frames.emit('frame', bp(122, 1));
    await waitFor(() => gw.store.held().some((h) => systolic(h.observation) === 122), { what: 'user 1 held' });

    const list = await api('GET', '/api/admin/carts/cart-a1/device-users');
    expect(list.body).toMatchObject({
      gatewayId: 'cart-a1',
      deviceUsers: [{ deviceId: CUFF, userIndex: 2, patientId: 'p-2', localId: 'r14' }],
      patients: [
        { id: 'p-1', localId: 'r12' },
        { id: 'p-2', localId: 'r14' },
      ],
    });

    // Moved to the other resident: the next reading follows, still without a restart.
    expect((await api('PUT', '/api/admin/carts/cart-a1/device-users', { deviceId: CUFF, userIndex: 2, patientId: 'p-1' })).status).toBe(
      200,
    );
    await waitFor(() => gw.patients.deviceUserMap().users[0]?.patientId === 'r12', { what: 'the new mapping on the cart' });
    gws['cart-a1']?.frames.emit('frame', bp(123, 2));
    expect(await stored(123)).toEqual(['p-1', 'device-user', 2]);

    await cloud.teleconsult.relay.flush();
    const trail = await cloud.store.listAudit({ actor: 'admin-a', limit: 200, offset: 0 });
    expect(trail.filter((e) => e.action.startsWith('device-user')).map((e) => [e.action, e.gatewayId, e.detail])).toEqual([
      [
        'device-user-refused',
        'cart-a1',
        `${CUFF} user 2 → p-9: patient p-9 is not on cart cart-a1 (its patients: p-1, p-2): admit them to this cart first`,
      ],
      ['device-user-set', 'cart-a1', `${CUFF} user 2 → p-2 (r14 on the cart)`],
      ['device-user-set', 'cart-a1', `${CUFF} user 2 → p-1 (r12 on the cart)`],
    ]);
  }, 90_000);

  it('a home kit’s patient is the one the directory has on the kit, and changes when the directory says so', async () => {
    const gw = await start('kit-h1', {
      mode: 'home',
      patients: [{ id: 'h-seed', family: 'Seed', given: 'Home' }],
      homePatientId: 'h-seed',
    });
    await admit('p-3', 'BERNARD', 'kit-h1', 'h3');
    await waitFor(() => gw.patients.current()?.id === 'h3', { what: 'the directory’s patient on the kit' });
    gws['kit-h1']?.frames.emit('frame', bp(131));
    expect(await stored(131)).toEqual(['p-3', 'home-kit', undefined]);

    // The kit goes to another patient: discharged, the next one admitted; the readings follow the directory.
    expect((await api('POST', '/api/directory/patients/p-3/discharge', { reason: 'fin de télésurveillance' })).status).toBe(200);
    await waitFor(() => gw.patients.current() === null, { what: 'no patient on the kit' });
    await admit('p-4', 'PETIT', 'kit-h1', 'h4');
    await waitFor(() => gw.patients.current()?.id === 'h4', { what: 'the new patient on the kit' });
    gws['kit-h1']?.frames.emit('frame', bp(132));
    expect(await stored(132)).toEqual(['p-4', 'home-kit', undefined]);
  }, 90_000);

  it('restarted with no cloud, the cart keeps the mappings and the kit its patient', async () => {
    for (const id of ['cart-a1', 'kit-h1']) {
      const g = gws[id];
      const stopping = g?.gw;
      if (g) g.gw = undefined;
      await stopping?.stop();
    }
    // Nothing listens on port 9 of the loopback: offline.
    const cart = await start('cart-a1', { ...(gws['cart-a1']?.config ?? {}) }, 'mqtt://127.0.0.1:9');
    expect(cart.patients.deviceUserMap()).toEqual({ source: 'cloud', users: [{ deviceId: CUFF, userIndex: 2, patientId: 'r12' }] });
    expect(cart.patients.resolve(CUFF, 2)).toMatchObject({ id: 'r12', assignment: 'device-user' });
    const kit = await start('kit-h1', { ...(gws['kit-h1']?.config ?? {}) }, 'mqtt://127.0.0.1:9');
    expect(kit.patients.resolve(CUFF)).toMatchObject({ id: 'h4', assignment: 'home-kit' });
  }, 60_000);
});
