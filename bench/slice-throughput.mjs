// The whole slice: BLE-shaped frames → gateway (decode, SQLite commit, batches over MQTT as
// JSON + deflate) → cloud in its own process (embedded aedes, ingest: validate, SQLite
// transaction, ack) → gateway deletes on ack. Baseline in the same run: the same broker's raw
// per-message QoS 1 rate (one publisher and one subscriber in this process, one 400-byte reading
// per message).
//
//  - per-frame commits: each frame handed alone (one fsync'd transaction per reading);
//  - group commit: frames handed in bursts inside store.group() (one transaction per burst),
//    as a frame source delivering a burst (RACP download, serial block) does;
//  - latency: frames handed one at a time at a steady online rate; each reading's time from
//    handleFrame() to the cloud ingest's "stored" callback (after the cloud's commit).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveGatewayConfig, startGateway } from '@telecart/gateway';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { spawnCloud } from './support/spawn-cloud.mjs';
import { storeFloor } from './support/store-floor.mjs';

const silent = pino({ level: 'silent' });

export function bpFrame(i, base) {
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

/**
 * The broker's raw per-message QoS 1 rate: one 400-byte message per reading, `window` publishes
 * in flight (100: the broker's pipelined capacity, the baseline of the goal; 1: stop-and-wait,
 * what a gateway publishing one reading at a time and awaiting each PUBACK gets).
 */
export async function rawQos1Rate(url, n, window = 100) {
  const sub = await mqtt.connectAsync(url, { clientId: `bench-sub-${process.pid}` });
  let got = 0;
  let done;
  const all = new Promise((r) => (done = r));
  sub.on('message', () => {
    if (++got === n) done();
  });
  await sub.subscribeAsync('bench/raw', { qos: 1 });
  const pub = await mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}` });
  const payload = Buffer.alloc(400, 0x61); // one reading's size
  const t0 = performance.now();
  const inflight = [];
  for (let i = 0; i < n; i++) {
    inflight.push(pub.publishAsync('bench/raw', payload, { qos: 1 }));
    if (inflight.length >= window) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  await all;
  const s = (performance.now() - t0) / 1000;
  await pub.endAsync();
  await sub.endAsync();
  return n / s;
}

/** CPU µs per unit spent by this process (`local`) and by the cloud child (`cloud`) while `fn` runs. */
async function withCpu(cloud, units, fn) {
  const c0 = process.cpuUsage();
  const k0 = cloud.cpuSeconds();
  const result = await fn();
  const c = process.cpuUsage(c0);
  const k = cloud.cpuSeconds() - k0;
  const u = typeof units === 'function' ? units(result) : units;
  return { result, localUs: (c.user + c.system) / u, cloudUs: (k * 1e6) / u };
}

function gatewayConfig(id, sync = {}) {
  return resolveGatewayConfig({
    sync,
    gatewayId: id,
    mode: 'home',
    homePatientId: 'p1',
    timeZone: 'UTC',
    clockDriftToleranceMs: 10 * 365 * 86400_000,
    patients: [{ id: 'p1', family: 'BENCH', given: 'Patient' }],
    http: { port: 0 },
  });
}

async function until(cond) {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}

function round1(x) {
  return Number(x.toFixed(1));
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One gateway against `cloud`: hands `frames` frames in bursts of `burst` (1 = per frame). */
export async function throughputRun(cloud, dir, { id, frames, burst, base, sync }) {
  const gw = await startGateway({ config: gatewayConfig(id, sync), dataDir: join(dir, id), cloudUrl: cloud.mqttUrl, logger: silent });
  try {
    const expected = frames * 2; // BP panel + pulse per frame
    const t0 = performance.now();
    for (let i = 0; i < frames; i += burst) {
      const n = Math.min(burst, frames - i);
      if (burst === 1) gw.devices.handleFrame(bpFrame(base + i, Date.UTC(2026, 0, 1)));
      else gw.devices.handleFrames(Array.from({ length: n }, (_, k) => bpFrame(base + i + k, Date.UTC(2026, 0, 1))));
      // Let the sync and the cloud run between bursts, as frames arriving from a device would.
      await new Promise((r) => setImmediate(r));
    }
    const recordedS = (performance.now() - t0) / 1000;
    // Acked = the cloud committed them (the ack is sent after its transaction).
    await until(() => gw.sync.state().counters.readingsAcked >= expected);
    const totalS = (performance.now() - t0) / 1000;
    const c = gw.sync.state().counters;
    return {
      readings: expected,
      recordedPerS: Math.round(expected / recordedS),
      ackedPerS: Math.round(expected / totalS),
      wireBytesPerReading: Math.round(c.bytesSent / Math.max(1, c.readingsSent)),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
  } finally {
    await gw.stop();
  }
}

async function latencyRun(cloud, dir, { id, frames, intervalMs, base }) {
  const gw = await startGateway({ config: gatewayConfig(id), dataDir: join(dir, id), cloudUrl: cloud.mqttUrl, logger: silent });
  try {
    const handedAt = new Map();
    const lat = [];
    let current = 0;
    gw.devices.on('reading', (e) => handedAt.set(e.observation.seq, current));
    const off = cloud.onStored((gatewayId, seq, at) => {
      if (gatewayId !== id) return;
      const t = handedAt.get(seq);
      if (t !== undefined) lat.push(at - t);
    });
    await until(() => gw.sync.connected);
    for (let i = 0; i < frames; i++) {
      current = performance.timeOrigin + performance.now();
      gw.devices.handleFrame(bpFrame(base + i, Date.UTC(2026, 0, 1)));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await until(() => lat.length >= frames * 2);
    off();
    lat.sort((a, b) => a - b);
    return {
      readings: lat.length,
      p50Ms: Number(quantile(lat, 0.5).toFixed(1)),
      p99Ms: Number(quantile(lat, 0.99).toFixed(1)),
      maxMs: Number(lat.at(-1).toFixed(1)),
    };
  } finally {
    await gw.stop();
  }
}

export async function benchSliceThroughput({ perFrame = 1500, grouped = 20000, burst = 500, latencyFrames = 500, intervalMs = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-slice-'));
  const patients = [{ id: 'p1', family: 'BENCH', given: 'Patient', gateways: ['bench-frame', 'bench-group', 'bench-latency'] }];
  const cloud = await spawnCloud(join(dir, 'cloud'), { reportStored: true, patients });
  try {
    const raw0 = await withCpu(cloud, 10_000, () => rawQos1Rate(cloud.mqttUrl, 10_000));
    const a = await throughputRun(cloud, dir, { id: 'bench-frame', frames: perFrame, burst: 1, base: 0 });
    const b = await withCpu(
      cloud,
      (r) => r.readings,
      () => throughputRun(cloud, dir, { id: 'bench-group', frames: grouped, burst, base: 1_000_000 }),
    );
    // The baseline is taken before and after the throughput runs and the higher one kept: a
    // neighbour's burst during one of them must not flatter the ratio (it moves 9k–22k msg/s).
    const raw1 = await withCpu(cloud, 10_000, () => rawQos1Rate(cloud.mqttUrl, 10_000));
    const rawRun = raw1.result > raw0.result ? raw1 : raw0;
    const raw = rawRun.result;
    const stopAndWait = await rawQos1Rate(cloud.mqttUrl, 3_000, 1);
    const floor = storeFloor();
    const lat = await latencyRun(cloud, dir, { id: 'bench-latency', frames: latencyFrames, intervalMs, base: 2_000_000 });
    const rows = [
      { path: 'per-frame commits', ...a, rawQos1MsgPerS: Math.round(raw), ratioVsRawQos1: Number((a.ackedPerS / raw).toFixed(2)) },
      {
        path: `group commit (${burst} frames)`,
        ...b.result,
        rawQos1MsgPerS: Math.round(raw),
        ratioVsRawQos1: Number((b.result.ackedPerS / raw).toFixed(2)),
      },
    ];
    // Where the ratio comes from: CPU per reading on both sides against CPU per raw message on
    // both sides (the two processes share the machine's two cores). The rate ratio cannot exceed
    // the CPU ratio by much while both runs are CPU-bound, so ≥ 3x needs a reading to cost at
    // most a third of a raw message, summed over every process it crosses.
    const cpu = {
      rawMsgClientsUs: round1(rawRun.localUs),
      rawMsgBrokerUs: round1(rawRun.cloudUs),
      readingGatewayUs: round1(b.localUs),
      readingCloudUs: round1(b.cloudUs),
      cpuRatio: Number(((rawRun.localUs + rawRun.cloudUs) / (b.localUs + b.cloudUs)).toFixed(2)),
      // The store's SQLite floor alone (support/store-floor.mjs) and the ratio it caps.
      storeFloorUs: floor.floorUs,
      ceilingRatio: Number((1e6 / floor.floorUs / raw).toFixed(2)),
      stopAndWaitMsgPerS: Math.round(stopAndWait),
      ratioVsStopAndWait: Number((b.result.ackedPerS / stopAndWait).toFixed(2)),
    };
    return { throughput: rows, cpu, latency: { ...lat, rate: `${Math.round(2000 / intervalMs)} readings/s offered` } };
  } finally {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const r = await benchSliceThroughput();
  console.table(r.throughput);
  console.table([r.cpu]);
  console.table([r.latency]);
}
