import { EventEmitter } from 'node:events';
import type { DeviceFrame } from '@telecart/devices';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from './config.js';
import { type Gateway, startGateway } from './gateway.js';
import { AckingCloud, startBroker, type TestBroker } from './testing/acking-cloud.mjs';
import { type TempDir, tempDir, waitUntil } from './testing/fixtures.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const BP = hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00');
const CUFF = hex('00 8C 00 FF 07 FF 07');
/** Weight Measurement 0x2A9D, SI, no time stamp: 70.00 kg (14000 × 0.005 kg; 14000 = 0x36B0). */
const WEIGHT = hex('00 B0 36');

const residents = [
  { id: 'p-001', family: 'Martin', given: 'Jeanne', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10', room: '12' },
  { id: 'p-002', family: 'Durand', given: 'Paul', room: '14' },
];

let frameNo = 0;
function frame(bytes: Uint8Array, characteristic = '2A35', deviceId = 'ble:A0:B1:C2:D3:E4:F5'): DeviceFrame {
  // A new receive time for each frame (a different minute), so timestamped readings are distinct… the BP stamp is fixed,
  // so re-sent BP frames are duplicates on purpose; weight frames carry no stamp and are always new.
  return {
    deviceId,
    transport: 'ble',
    name: 'SIM',
    characteristic,
    bytes,
    receivedAt: Date.parse('2024-05-01T06:16:00Z') + frameNo++ * 1000,
  };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, headers: init.body ? { 'content-type': 'application/json' } : {} });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('startGateway', () => {
  let dir: TempDir;
  let broker: TestBroker;
  let cloud: AckingCloud;
  let gw: Gateway | undefined;
  let frames: EventEmitter;

  beforeEach(async () => {
    dir = tempDir();
    broker = await startBroker();
    cloud = await AckingCloud.start(broker.url);
    frames = new EventEmitter();
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await cloud.stop();
    await broker.stop();
    dir.remove();
  });

  async function start(raw: Record<string, unknown> = {}): Promise<Gateway> {
    const config = resolveGatewayConfig({
      gatewayId: 'cart-1',
      mode: 'cart',
      patients: residents,
      http: { port: 0 },
      sync: { ackTimeoutMs: 2000, reconnectPeriodMs: 50, reconnectMaxMs: 200 },
      // These tests are not about nurse sign-in (the last one is): changes go through without a nurse.
      nurseSignIn: { required: false },
      ...raw,
    });
    gw = await startGateway({ config, dataDir: dir.path, cloudUrl: broker.url, frames: frames as never });
    await waitUntil(() => gw!.sync.connected, 'the sync to connect');
    return gw;
  }

  it('cart: readings without a selected patient are held and never synced, until the nurse assigns them', async () => {
    const g = await start();
    frames.emit('frame', frame(BP));
    expect(g.store.stats()).toMatchObject({ held: 2, pending: 0 });

    // Something pending after the held ones: once it is in the cloud, the sync has passed the held ones by.
    expect((await json(`${g.httpUrl}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: 'p-002' }) })).status).toBe(
      200,
    );
    frames.emit('frame', frame(WEIGHT, '2A9D', 'ble:C0:FF:EE:00:00:02'));
    await waitUntil(() => cloud.stored.size === 1 && g.store.stats().pending === 0, 'the weight in the cloud, and acked');
    expect([...cloud.stored.values()][0]).toMatchObject({
      seq: 3,
      patient: { id: 'p-002', assignment: 'nurse-selected' },
      value: { value: 70, unit: 'kg' },
    });
    expect(g.store.stats()).toMatchObject({ held: 2, pending: 0 });

    const held = (await json(`${g.httpUrl}/api/readings?state=held`)).body as { readings: { seq: number }[] };
    expect(held.readings.map((r) => r.seq)).toEqual([2, 1]);
    const assign = await json(`${g.httpUrl}/api/readings/assign`, {
      method: 'POST',
      body: JSON.stringify({ seqs: [1, 2, 3], patientId: 'p-001' }),
    });
    expect(assign).toEqual({ status: 200, body: { assigned: [1, 2], skipped: [3] } });

    await waitUntil(() => cloud.stored.size === 3 && g.store.stats().pending === 0, 'the assigned readings in the cloud');
    const bp = [...cloud.stored.values()].find((o) => o.code.loinc === '85354-9');
    expect(bp).toMatchObject({
      seq: 1,
      patient: { id: 'p-001', ins: '255081416802538', assignment: 'nurse-selected' },
      flags: ['patient-assigned-later'],
      time: { effective: '2024-05-01T06:15:30.000Z', source: 'device' },
    });
  });

  it('serves the nurse API with schemas and clear errors', async () => {
    const g = await start();
    const base = g.httpUrl;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const status = await json(`${base}/api/status`);
    expect(status).toMatchObject({
      status: 200,
      body: { gatewayId: 'cart-1', mode: 'cart', currentPatient: null, backlog: { pending: 0, held: 0 }, sync: { connected: true } },
    });
    expect((await json(`${base}/api/patients`)).body).toEqual(residents);

    expect(await json(`${base}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: 'p-001' }) })).toMatchObject({
      status: 200,
      body: { patient: { id: 'p-001', room: '12' } },
    });
    expect((await json(`${base}/api/status`)).body).toMatchObject({ currentPatient: { id: 'p-001' } });
    expect(await json(`${base}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: 'nobody' }) })).toMatchObject({
      status: 404,
      body: { message: 'unknown patient "nobody"' },
    });
    const noBody = await json(`${base}/api/context/patient`, { method: 'PUT', body: JSON.stringify({}) });
    expect(noBody.status).toBe(400);
    expect((noBody.body as { message: string }).message).toMatch(/patientId/);
    expect(await json(`${base}/api/context/patient`, { method: 'DELETE' })).toEqual({ status: 200, body: { patient: null } });

    expect((await json(`${base}/api/readings?state=lost`)).status).toBe(400);
    expect((await json(`${base}/api/readings?limit=0`)).status).toBe(400);
    expect(await json(`${base}/api/readings?state=pending&limit=5`)).toEqual({ status: 200, body: { state: 'pending', readings: [] } });
    expect(
      (await json(`${base}/api/readings/assign`, { method: 'POST', body: JSON.stringify({ seqs: [], patientId: 'p-001' }) })).status,
    ).toBe(400);
    expect(
      (await json(`${base}/api/readings/assign`, { method: 'POST', body: JSON.stringify({ seqs: [1], patientId: 'x' }) })).status,
    ).toBe(404);
    // A field the schema does not name is refused, not stripped: the nurse's selection does not change.
    const extra = await json(`${base}/api/context/patient`, {
      method: 'PUT',
      body: JSON.stringify({ patientId: 'p-002', selectedBy: 'someone' }),
    });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body)).toMatch(/additional/i);
    expect(await json(`${base}/api/nothing`)).toMatchObject({ status: 404, body: { error: 'Not Found' } });

    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/app.js">');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('streams readings and live values as server-sent events', async () => {
    const g = await start();
    g.patients.select('p-002');
    const res = await fetch(`${g.httpUrl}/api/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil('event: context');
    expect(text).toContain('"id":"p-002"');
    frames.emit('frame', frame(CUFF, '2A36'));
    frames.emit('frame', frame(BP));
    await readUntil('"loinc":"8867-4"');
    expect(text).toContain('event: live');
    expect(text).toMatch(/event: reading\ndata: \{"observation":\{"id":"[0-9a-f-]{36}","seq":1/);
    // Stopping the gateway ends open event streams instead of hanging on them.
    await g.stop();
    gw = undefined;
    for (;;) if ((await reader.read()).done) break;
  });

  it('exposes Prometheus metrics for readings, duplicates, malformed frames, backlog and batches', async () => {
    const g = await start();
    cloud.acking = false;
    g.patients.select('p-001');
    frames.emit('frame', frame(BP));
    frames.emit('frame', frame(BP));
    frames.emit('frame', frame(hex('06 78'), '2A35'));
    await waitUntil(() => g.sync.state().counters.batchesSent >= 1, 'a batch sent');
    const text = await (await fetch(`${g.httpUrl}/metrics`)).text();
    expect(text).toContain('telecart_gateway_readings_recorded_total{lane="spot"} 2');
    expect(text).toContain('telecart_gateway_readings_duplicate_total 2');
    expect(text).toMatch(/telecart_gateway_malformed_frames_total\{device="ble:A0:B1:C2:D3:E4:F5",reason="decode:[a-zA-Z.]+"\} 1/);
    expect(text).toContain('telecart_gateway_backlog_readings{state="pending"} 2');
    expect(text).toMatch(/telecart_gateway_backlog_bytes [1-9]\d*/);
    expect(text).toMatch(/telecart_gateway_oldest_unsynced_age_seconds \d/);
    expect(text).toContain('telecart_gateway_batches_sent_total{lane="spot"} 1');
    expect(text).toContain('telecart_gateway_batches_acked_total 0');
  });

  it('home mode: readings go to the kit patient, and the nurse API refuses to change it', async () => {
    const g = await start({ gatewayId: 'home-7', mode: 'home', homePatientId: 'p-002' });
    expect((await json(`${g.httpUrl}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: 'p-001' }) })).status).toBe(
      409,
    );
    expect((await json(`${g.httpUrl}/api/context/patient`, { method: 'DELETE' })).status).toBe(409);
    frames.emit('frame', frame(WEIGHT, '2A9D'));
    await waitUntil(() => cloud.stored.size === 1, 'the weight in the cloud');
    expect([...cloud.stored.values()][0]).toMatchObject({
      gatewayId: 'home-7',
      patient: { id: 'p-002', assignment: 'home-kit' },
      time: { source: 'gateway' },
    });
  });

  it('a cart without nurseSignIn.required needs a signed-in nurse for a change; a home kit does not', async () => {
    const cart = await start({ nurseSignIn: {} });
    expect((await json(`${cart.httpUrl}/api/nurse/session`)).body).toMatchObject({ nurse: null, required: true });
    const put = await json(`${cart.httpUrl}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: 'p-001' }) });
    expect(put.status).toBe(401);
    expect(cart.patients.current()).toBeNull();
    await cart.stop();
    gw = undefined;
    // The same store (a gateway's store is its own): the cart turned into a home kit.
    const home = await start({ mode: 'home', homePatientId: 'p-002', nurseSignIn: {} });
    expect((await json(`${home.httpUrl}/api/nurse/session`)).body).toMatchObject({ nurse: null, required: false });
    // Not 401: the home kit's own answer (its patient is fixed).
    expect((await json(`${home.httpUrl}/api/context/patient`, { method: 'DELETE' })).status).toBe(409);
  });

  it('survives a restart: pending readings are still sent and the sequence continues', async () => {
    cloud.acking = false;
    let g = await start();
    g.patients.select('p-001');
    frames.emit('frame', frame(WEIGHT, '2A9D'));
    frames.emit('frame', frame(WEIGHT, '2A9D'));
    await g.stop();
    gw = undefined;
    cloud.acking = true;
    g = await start();
    g.patients.select('p-001');
    frames.emit('frame', frame(WEIGHT, '2A9D'));
    await waitUntil(() => g.store.stats().pending === 0 && cloud.stored.size === 3, 'all three in the cloud');
    expect([...cloud.stored.values()].map((o) => o.seq).sort()).toEqual([1, 2, 3]);
  });
});
