// Where the gateway's CPU goes on the burst path, per part, robust to a loaded machine: CPU
// (process.cpuUsage) of each handleFrames() burst of 500 frames (decode, pipeline, validation,
// SQLite insert, commit), of each ack (store.markStored), of each batch read (store.nextBatch) and
// of each batch's envelope + deflate + publish (the sync's send), per reading; the minimum and the
// median over the run's calls (a neighbour's burst inflates some calls, not all), then the whole
// process and the cloud child per acked reading as slice-throughput.mjs counts them.
//   node bench/burst-parts.mjs [checkout=this one] [frames=20000] [--json]
// Another built checkout's gateway can be measured by the same script (alternate them: only ratios
// taken in one sitting mean something on a shared machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';

const json = process.argv.includes('--json'); // one JSON line instead of the tables (gateway-footprint.mjs --compare-flags)
const args = process.argv.slice(2).filter((a) => a !== '--json');
const root = pathToFileURL(`${resolve(args[0] ?? new URL('..', import.meta.url).pathname)}/`);
const frames = Number(args[1] ?? 20_000);
const { bpFrame } = await import(new URL('bench/slice-throughput.mjs', root).href);
const { spawnCloud } = await import(new URL('bench/support/spawn-cloud.mjs', root).href);
const { resolveGatewayConfig, startGateway } = await import(new URL('gateway/dist/index.js', root).href);

const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return { minUs: Number(s[0].toFixed(1)), medianUs: Number(s[Math.floor(s.length / 2)].toFixed(1)) };
};

const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-parts-'));
const id = 'bench-parts';
const cloud = await spawnCloud(join(dir, 'cloud'), { patients: [{ id: 'p1', family: 'BENCH', given: 'Patient', gateways: [id] }] });
try {
  const config = resolveGatewayConfig({
    gatewayId: id,
    mode: 'home',
    homePatientId: 'p1',
    timeZone: 'UTC',
    clockDriftToleranceMs: 10 * 365 * 86400_000,
    patients: [{ id: 'p1', family: 'BENCH', given: 'Patient' }],
    http: { port: 0 },
  });
  const gw = await startGateway({ config, dataDir: join(dir, id), cloudUrl: cloud.mqttUrl, logger: pino({ level: 'silent' }) });
  const parts = { record: [], ack: [], nextBatch: [], send: [] };
  // Timing wrappers on this instance only (the bench's business, not the gateway's).
  const markStored = gw.store.markStored.bind(gw.store);
  gw.store.markStored = (ranges) => {
    const c0 = cpu();
    const n = markStored(ranges);
    if (n > 0) parts.ack.push((cpu() - c0) / n);
    return n;
  };
  const nextBatch = gw.store.nextBatch.bind(gw.store);
  gw.store.nextBatch = (...args) => {
    const c0 = cpu();
    const b = nextBatch(...args);
    if (b) parts.nextBatch.push((cpu() - c0) / b.seqs.length);
    return b;
  };
  const send = Object.getPrototypeOf(gw.sync).send;
  gw.sync.send = function (client, lane, seqs, json) {
    const c0 = cpu();
    send.call(this, client, lane, seqs, json);
    parts.send.push((cpu() - c0) / seqs.length);
  };
  const burst = 500;
  const c0 = cpu();
  const k0 = cloud.cpuSeconds();
  for (let i = 0; i < frames; i += burst) {
    const batch = Array.from({ length: burst }, (_, k) => bpFrame(1_000_000 + i + k, Date.UTC(2026, 0, 1)));
    const t = cpu();
    gw.devices.handleFrames(batch);
    parts.record.push((cpu() - t) / (burst * 2)); // BP panel + pulse per frame
    await new Promise((r) => setImmediate(r));
  }
  while (gw.sync.state().counters.readingsAcked < frames * 2) await new Promise((r) => setTimeout(r, 10));
  const gatewayUs = Number(((cpu() - c0) / (frames * 2)).toFixed(1));
  const cloudUs = Number((((cloud.cpuSeconds() - k0) * 1e6) / (frames * 2)).toFixed(1));
  await gw.stop();
  const rows = Object.entries(parts).map(([part, a]) => ({ part, calls: a.length, ...stats(a) }));
  if (json) console.log(JSON.stringify({ parts: rows, readings: frames * 2, gatewayUs, cloudUs, loadAverage: loadavg()[0] }));
  else {
    console.table(rows);
    console.table([{ readings: frames * 2, gatewayUs, cloudUs, loadAverage: loadavg()[0] }]);
  }
} finally {
  await cloud.stop();
  rmSync(dir, { recursive: true, force: true });
}
