/**
 * The cart's day over the real broker under mutual TLS (embedded aedes, SQLite, enrolled gateways):
 * booking an appointment, the cart's call claiming it and a report signed each republish the
 * retained agenda of that cart only, naming the patient by that cart's own id; the document's link
 * opens the signed PDF (audited for the cart). Another cart that has a patient with the same local
 * id never reads this cart's agenda (the broker refuses the subscription) and never gets its acts.
 */
import { randomUUID } from 'node:crypto';
import { credentialPaths, enrollGateway, loadGatewayCredentials } from '@telecart/gateway';
import { type CartAgenda, CartAgenda as CartAgendaSchema, compile, formatIssues, topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud } from './support.js';

const check = compile(CartAgendaSchema);
const START = new Date(Date.now() + 5 * 60_000);

let c: ConsultCloud;
const creds: Record<string, { key: string; cert: string; ca: string }> = {};
const seen: Record<string, CartAgenda[]> = { 'cart-a': [], 'cart-b': [] };
const listeners: MqttClient[] = [];
let roux: string;

async function listen(id: 'cart-a' | 'cart-b'): Promise<MqttClient> {
  // A gateway connects with its own id as client id (the broker refuses any other).
  const m = await mqtt.connectAsync(c.cloud.mqttUrl, { ...creds[id], clientId: id, reconnectPeriod: 0 });
  m.on('message', (t, payload) => {
    if (t !== topics.agenda(id)) return;
    const v = check.validate(JSON.parse(payload.toString()));
    if (!v.ok) throw new Error(`cloud sent an invalid CartAgenda: ${formatIssues(v.issues)}`);
    seen[id]?.push(v.value);
  });
  await m.subscribeAsync(topics.agenda(id), { qos: 1 });
  listeners.push(m);
  return m;
}

const last = (id: string) => seen[id]?.at(-1);

beforeAll(async () => {
  c = await startConsultCloud({
    tls: { enabled: true, enrollPort: 0 },
    // "Today" is the appointment's day, whatever the hour the test runs at.
    agendaClock: () => START,
    patients: [
      { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-a'], localId: 'r12' },
      // Another site's r12: another patient.
      { id: 'p-002', family: 'Durand', given: 'Paul', birthDate: '1941-01-12', gateways: ['cart-b'], localId: 'r12' },
    ],
  });
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
  }
  roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
}, 60_000);
afterAll(async () => {
  await Promise.all(listeners.map((m) => m.endAsync()));
  await c?.stop();
});

it('another cart cannot subscribe to this cart’s agenda', async () => {
  const b = await mqtt.connectAsync(c.cloud.mqttUrl, { ...creds['cart-b'], clientId: 'cart-b', reconnectPeriod: 0 });
  await expect(b.subscribeAsync(topics.agenda('cart-a'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
  await expect(b.subscribeAsync('telecart/v1/gw/+/agenda', { qos: 1 })).rejects.toThrow(/Subscribe error/);
  await b.endAsync();
});

it('a booking, its claim by the call and the signed report each reach that cart only, by its own patient id', async () => {
  const a = await listen('cart-a');
  await listen('cart-b');
  const res = await fetch(`${c.cloud.httpUrl}/api/appointments`, {
    method: 'POST',
    headers: { cookie: roux, 'content-type': 'application/json' },
    body: JSON.stringify({
      patient: 'p-001',
      gateway: 'cart-a',
      start: START.toISOString(),
      minutes: 20,
      reason: 'plaie du talon',
      specialist: 'dr-roux',
    }),
  });
  expect(res.status).toBe(201);
  const booked = await waitFor(() => last('cart-a')?.acts[0], { what: 'the booked act on cart-a' });
  expect(booked).toMatchObject({
    start: START.toISOString(),
    patient: 'r12',
    specialist: 'Dr Anne Roux',
    status: 'scheduled',
    reason: 'plaie du talon',
  });
  expect(last('cart-a')).toMatchObject({ gatewayId: 'cart-a', documents: [] });

  // The cart calls for r12 within the slot's window: the act is claimed, then joined.
  const page = await PageSocket.open(c.cloud.httpUrl, roux);
  const sid = randomUUID();
  const consent = { by: 'patient', method: 'oral', collectedAt: new Date().toISOString() };
  await a.publishAsync(topics.rtcUp('cart-a'), JSON.stringify({ v: 1, type: 'call', sessionId: sid, patient: { id: 'r12' }, consent }), {
    qos: 1,
  });
  await waitFor(() => last('cart-a')?.acts[0]?.status === 'waiting', { what: 'the claimed act waiting on cart-a' });
  page.send({ type: 'join', sessionId: sid });
  await waitFor(() => last('cart-a')?.acts[0]?.status === 'in-progress', { what: 'the act in progress on cart-a' });

  // The report is signed: the cart's day lists it for r12, with a link issued for this cart.
  const report = (path: string, body?: unknown) =>
    fetch(`${c.cloud.httpUrl}/api/teleconsultations/${sid}/report${path}`, {
      method: 'POST',
      headers: { cookie: roux, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const content = {
    reason: 'plaie du talon',
    history: 'diabète',
    examination: 'plaie propre',
    conclusion: 'cicatrisation en cours',
    prescription: '',
    recommendations: 'pansement tous les deux jours',
  };
  expect((await report('', { content })).status).toBe(201);
  expect((await report('/1/sign')).status).toBe(200);
  const doc = await waitFor(() => last('cart-a')?.documents[0], { what: 'the signed report on cart-a' });
  expect(doc).toMatchObject({ patient: 'r12', version: 1, signer: 'Dr Anne Roux', title: 'Compte-rendu de téléconsultation' });
  expect(Date.parse(doc.expiresAt)).toBeGreaterThan(START.getTime());

  const pdf = await fetch(doc.url);
  expect(pdf.status).toBe(200);
  expect(
    Buffer.from(await pdf.arrayBuffer())
      .subarray(0, 4)
      .toString('latin1'),
  ).toBe('%PDF');
  await c.cloud.teleconsult.relay.flush();
  const downloads = (await c.cloud.store.listAudit({ sessionId: sid })).filter((e) => e.action === 'report-link-download');
  expect(downloads.map((e) => e.detail)).toEqual([expect.stringContaining('for cart cart-a')]);

  // cart-b serves another r12: it never got cart-a's act nor its document.
  await c.cloud.agenda.flush();
  expect(seen['cart-b']?.length).toBeGreaterThan(0);
  for (const day of seen['cart-b'] ?? []) expect(day).toMatchObject({ gatewayId: 'cart-b', acts: [], documents: [] });
  expect(seen['cart-a']?.every((d) => d.gatewayId === 'cart-a')).toBe(true);

  await page.close();
});
