// Readings per second through the whole slice, in one process: BLE-shaped frames → gateway
// (decode, SQLite commit per reading, batches over MQTT) → embedded aedes → cloud ingest
// (validate, SQLite transaction, ack) → gateway deletes on ack. Baseline in the same run: the
// raw per-message QoS 1 rate of the same broker with one publisher (one reading per message).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud } from '@telecart/cloud';
import { resolveGatewayConfig, startGateway } from '@telecart/gateway';
import mqtt from 'mqtt';
import { pino } from 'pino';

const silent = pino({ level: 'silent' });

function bpFrame(i, base) {
  const t = new Date(base + i * 1000);
  const b = Buffer.alloc(16);
  b[0] = 0x06; // mmHg, time stamp, pulse
  b.writeUInt16LE(110 + (i % 40), 1);
  b.writeUInt16LE(70 + (i % 20), 3);
  b.writeUInt16LE(85 + (i % 20), 5);
  b.writeUInt16LE(t.getUTCFullYear(), 7);
  b[9] = t.getUTCMonth() + 1;
  b[10] = t.getUTCDate();
  b[11] = t.getUTCHours();
  b[12] = t.getUTCMinutes();
  b[13] = t.getUTCSeconds();
  b.writeUInt16LE(60 + (i % 30), 14);
  return { deviceId: 'ble:C0:FF:EE:00:00:01', transport: 'ble', characteristic: '2A35', service: '1810', bytes: b, receivedAt: Date.now() };
}

async function rawQos1Rate(url, n) {
  const sub = await mqtt.connectAsync(url, { clientId: 'bench-sub' });
  let got = 0;
  let done;
  const all = new Promise((r) => (done = r));
  sub.on('message', () => {
    if (++got === n) done();
  });
  await sub.subscribeAsync('bench/raw', { qos: 1 });
  const pub = await mqtt.connectAsync(url, { clientId: 'bench-pub' });
  const payload = Buffer.alloc(400, 0x61); // one reading's size
  const t0 = performance.now();
  const inflight = [];
  for (let i = 0; i < n; i++) {
    inflight.push(pub.publishAsync('bench/raw', payload, { qos: 1 }));
    if (inflight.length >= 100) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  await all;
  const s = (performance.now() - t0) / 1000;
  await pub.endAsync();
  await sub.endAsync();
  return n / s;
}

export async function benchSliceThroughput({ frames = 5000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-slice-'));
  const cloud = await startCloud({ dataDir: join(dir, 'cloud'), mqttPort: 0, httpPort: 0, logger: silent });
  try {
    const raw = await rawQos1Rate(cloud.mqttUrl, frames);
    const config = resolveGatewayConfig({
      gatewayId: 'bench-gw',
      mode: 'home',
      homePatientId: 'p1',
      timeZone: 'UTC',
      clockDriftToleranceMs: 10 * 365 * 86400_000,
      patients: [{ id: 'p1', family: 'BENCH', given: 'Patient' }],
      http: { port: 0 },
    });
    const gw = await startGateway({ config, dataDir: join(dir, 'gateway'), cloudUrl: cloud.mqttUrl, logger: silent });
    const base = Date.UTC(2026, 0, 1);
    const expected = frames * 2; // BP panel + pulse per frame
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) gw.devices.handleFrame(bpFrame(i, base));
    const recordedS = (performance.now() - t0) / 1000;
    for (;;) {
      if ((await cloud.store.countObservations({})) >= expected && gw.store.stats().pending === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const totalS = (performance.now() - t0) / 1000;
    const rss = process.memoryUsage().rss;
    await gw.stop();
    return {
      frames,
      readings: expected,
      recordedPerS: Math.round(expected / recordedS),
      ackedEndToEndPerS: Math.round(expected / totalS),
      rawQos1MsgPerS: Math.round(raw),
      ratioVsRawQos1: Number((expected / totalS / raw).toFixed(2)),
      rssMiB: Math.round(rss / 2 ** 20),
    };
  } finally {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.table([await benchSliceThroughput()]);
}
