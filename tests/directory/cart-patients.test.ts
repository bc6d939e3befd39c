/**
 * The cart's patient list over the real broker under mutual TLS (embedded aedes, SQLite, enrolled
 * gateways): a transfer in the directory moves the patient from cart A's retained list to cart B's;
 * another cart cannot subscribe to A's list; the cart's list kept in its own store is still there
 * after a restart with no broker, and the configuration file's list stands until one came.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CartPatientList, credentialPaths, enrollGateway, loadGatewayCredentials, ReadingStore, silentLogger } from '@telecart/gateway';
import { type CartPatients, topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from '../teleconsult/support.js';

let c: ConsultCloud;
let roux: string;
const creds: Record<string, { key: string; cert: string; ca: string }> = {};
const listeners: MqttClient[] = [];
const dataDirs: string[] = [];
/** Each cart's patient list as its own gateway keeps it (a real gateway store per cart). */
const lists: Record<string, { list: CartPatientList; store: ReadingStore; dir: string }> = {};

function cartList(id: string) {
  const dir = mkdtempSync(join(tmpdir(), `telecart-cart-patients-${id}-`));
  dataDirs.push(dir);
  const store = new ReadingStore({ dataDir: dir, gatewayId: id });
  const configured = [{ localId: 'cfg-1', family: 'CONFIG', given: 'Seule', birthDate: null }];
  return { list: new CartPatientList({ gatewayId: id, store, logger: silentLogger, configured }), store, dir };
}

async function listen(id: string): Promise<void> {
  const m = await mqtt.connectAsync(c.cloud.mqttUrl, { ...creds[id], clientId: id, reconnectPeriod: 0 });
  m.on('message', (t, payload) => {
    if (t === topics.patients(id)) lists[id]?.list.receive(payload);
  });
  await m.subscribeAsync(topics.patients(id), { qos: 1 });
  listeners.push(m);
}

const localIds = (id: string) => lists[id]?.list.residents().patients.map((p) => p.localId) ?? [];

async function post(path: string, body: unknown) {
  const r = await fetch(`${c.cloud.httpUrl}${path}`, {
    method: 'POST',
    headers: { cookie: roux, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as { message?: string } };
}

beforeAll(async () => {
  c = await startConsultCloud({ tls: { enabled: true, enrollPort: 0 }, patients: [] });
  for (const id of ['cart-a', 'cart-b']) {
    const t = c.cloud.security!.createToken(id, 60_000);
    const paths = credentialPaths(`${c.dir}/${id}`);
    await enrollGateway({
      url: c.cloud.enrollUrl!,
      token: t.token,
      caFingerprint: c.cloud.security!.caFingerprint(),
      gatewayId: id,
      paths,
    });
    creds[id] = loadGatewayCredentials(paths, id);
    lists[id] = cartList(id);
  }
  roux = await login(c.cloud.httpUrl, 'admin-sites', PASSWORDS['admin-sites']);
  // Known carts: they have reported their status.
  for (const id of ['cart-a', 'cart-b'])
    await c.cloud.store.upsertGatewayStatus({ v: 1, gatewayId: id, at: new Date().toISOString(), online: true, version: 'test' });
}, 60_000);
afterAll(async () => {
  await Promise.all(listeners.map((m) => m.endAsync()));
  for (const l of Object.values(lists)) l.store.close();
  await c?.stop();
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

it('another cart cannot subscribe to this cart’s patient list', async () => {
  const b = await mqtt.connectAsync(c.cloud.mqttUrl, { ...creds['cart-b'], clientId: 'cart-b', reconnectPeriod: 0 });
  await expect(b.subscribeAsync(topics.patients('cart-a'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
  await expect(b.subscribeAsync('telecart/v1/gw/+/patients', { qos: 1 })).rejects.toThrow(/Subscribe error/);
  await b.endAsync();
});

it('a transfer moves the patient from cart A’s list to cart B’s; the cart keeps its list across a restart offline', async () => {
  // Before any list from the cloud: the configuration file's patients.
  expect(lists['cart-a']?.list.residents()).toMatchObject({ source: 'config', patients: [{ localId: 'cfg-1' }] });
  await listen('cart-a');
  await listen('cart-b');
  const created = await post('/api/directory/patients', {
    id: 'p-dir-1',
    family: 'MARTIN',
    given: 'Jeanne',
    birthDate: '1938-04-02',
    ins: '295109912611193',
    insOid: '1.2.250.1.213.1.4.8',
    identityStatus: 'validated',
  });
  expect(created.status).toBe(201);
  expect((await post('/api/directory/patients/p-dir-1/admit', { gateway: 'cart-a', localId: 'r12' })).status).toBe(200);
  await waitFor(() => localIds('cart-a').includes('r12') || null, { what: 'cart-a lists r12' });
  const onA = lists['cart-a']?.list.residents().patients[0];
  // A validated (not qualified) identity: the cart gets no INS for it.
  expect(onA).toEqual({ localId: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02' });

  expect((await post('/api/directory/patients/p-dir-1/transfer', { gateway: 'cart-b' })).status).toBe(200);
  await waitFor(() => (localIds('cart-b').includes('r12') && localIds('cart-a').length === 0) || null, {
    what: 'r12 moved from cart-a to cart-b',
  });
  expect(lists['cart-a']?.list.residents()).toMatchObject({ source: 'cloud', patients: [] });

  // Cart B restarts with no broker: its store still has the list the cloud last sent.
  const b = lists['cart-b'];
  if (!b) throw new Error('no cart-b');
  b.store.close();
  const store = new ReadingStore({ dataDir: b.dir, gatewayId: 'cart-b' });
  const again = new CartPatientList({ gatewayId: 'cart-b', store, logger: silentLogger, configured: [] });
  expect(again.residents()).toMatchObject({ source: 'cloud', patients: [{ localId: 'r12', family: 'MARTIN' }] });
  lists['cart-b'] = { list: again, store, dir: b.dir };
  // A list for another cart is refused; the last good one is kept.
  const wrong: CartPatients = { gatewayId: 'cart-a', at: new Date().toISOString(), patients: [] };
  expect(again.receive(Buffer.from(JSON.stringify(wrong)))).toBe(false);
  expect(again.residents().patients.map((p) => p.localId)).toEqual(['r12']);
});
