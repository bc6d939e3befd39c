// Time to drain a large backlog (default 1,000,000 spot readings, as after days offline) from
// the gateway store to the cloud store, over loopback, cloud in its own process. The backlog is
// generated fast with a bulk SQL insert into the gateway's schema (valid observations, a
// template with its id, seq and times changed), not through record(). Stops at `capS` seconds
// and extrapolates if the drain is not done by then, so `npm run bench` stays a few minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadingStore, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { asObservation, spotInput } from './support/readings.mjs';
import { spawnCloud } from './support/spawn-cloud.mjs';

const GW = 'bench-drain';

function bulkBacklog(dataDir, readings) {
  new ReadingStore({ dataDir, gatewayId: GW }).close(); // the schema, owned by the store
  const db = new Database(join(dataDir, 'gateway.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const ins = db.prepare(
    `INSERT INTO readings (seq, id, content_key, lane, lane_rank, state, observation, bytes, created_at) VALUES (?, ?, NULL, 'spot', 1, 'pending', ?, ?, ?)`,
  );
  const templates = Array.from({ length: 5 }, (_, k) => {
    const { contentKey: _c, ...input } = spotInput(k);
    return input;
  });
  const now = Date.now();
  const t0 = performance.now();
  const chunk = db.transaction((from, to) => {
    for (let seq = from; seq <= to; seq++) {
      const o = asObservation(templates[seq % 5], seq, GW);
      const json = JSON.stringify(o);
      ins.run(seq, o.id, json, Buffer.byteLength(json), now);
    }
  });
  for (let from = 1; from <= readings; from += 50_000) chunk(from, Math.min(readings, from + 49_999));
  db.prepare(`UPDATE meta SET value = ? WHERE key = 'last_seq'`).run(String(readings));
  db.close();
  return readings / ((performance.now() - t0) / 1000);
}

export async function benchDrainBacklog({ readings = Number(process.env.BENCH_DRAIN_READINGS ?? 1_000_000), capS = 150, sync = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-drain-'));
  const cloud = await spawnCloud(join(dir, 'cloud'), { patients: [{ id: 'p-001', family: 'BENCH', given: 'Patient', gateways: [GW] }] });
  try {
    const insertPerS = bulkBacklog(join(dir, 'gw'), readings);
    const config = resolveGatewayConfig({
      gatewayId: GW,
      mode: 'home',
      homePatientId: 'p-001',
      timeZone: 'UTC',
      patients: [{ id: 'p-001', family: 'BENCH', given: 'Patient' }],
      http: { port: 0 },
      sync,
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const cloudCpu0 = cloud.cpuSeconds();
    const gw = await startGateway({ config, dataDir: join(dir, 'gw'), cloudUrl: cloud.mqttUrl, logger: pino({ level: 'silent' }) });
    let peakRss = 0;
    try {
      for (;;) {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const acked = gw.sync.state().counters.readingsAcked;
        if (acked >= readings || (performance.now() - t0) / 1000 > capS) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const gatewayCpuS = (cpu.user + cpu.system) / 1e6;
      const cloudCpuS = cloud.cpuSeconds() - cloudCpu0;
      const c = gw.sync.state().counters;
      const rate = c.readingsAcked / s;
      return {
        backlog: readings,
        bulkInsertPerS: Math.round(insertPerS),
        drained: c.readingsAcked,
        seconds: Number(s.toFixed(1)),
        ackedPerS: Math.round(rate),
        drainAllS: c.readingsAcked >= readings ? Number(s.toFixed(1)) : Number((readings / rate).toFixed(0)),
        extrapolated: c.readingsAcked < readings,
        wireBytesPerReading: Math.round(c.bytesSent / Math.max(1, c.readingsSent)),
        gatewayPeakRssMiB: Math.round(peakRss / 2 ** 20),
        // CPU µs per reading on each side: which one bounds the drain.
        gatewayCpuUsPerReading: Math.round((gatewayCpuS * 1e6) / Math.max(1, c.readingsAcked)),
        cloudCpuUsPerReading: Math.round((cloudCpuS * 1e6) / Math.max(1, c.readingsAcked)),
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.table([await benchDrainBacklog()]);
}
