// Alarm latency on a slow link (contract 3, docs/architecture.md): a waveform backlog drains over 1 Mbit/s (tc tbf
// in a network namespace, bench/support/slow-link.mjs; needs root), then critical SpO2 readings
// are measured one after another; each one's time from record() to the cloud's commit.
// Scenarios: the defaults (small waveform batches, one unacked); the same link without a
// link budget (large waveform batches, several unacked, as before this design) for contrast;
// and a 1 MiB stethoscope attachment on the wire, the documented worst case.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadingStore, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import { attachmentInput, ecgSegmentInput } from './support/readings.mjs';
import { startSlowLink } from './support/slow-link.mjs';
import { spawnCloud } from './support/spawn-cloud.mjs';

const now = () => performance.timeOrigin + performance.now();

function spo2(at) {
  const iso = new Date(at).toISOString();
  return {
    code: { loinc: '2708-6', display: 'Oxygen saturation in Arterial blood', mdc: 150456 },
    value: { value: 84, unit: '%' },
    status: 'final',
    flags: [],
    patient: { id: 'p-001', assignment: 'nurse-selected' },
    device: { id: 'ble:C0:FF:EE:00:00:03', transport: 'ble' },
    time: { effective: iso, device: null, received: iso, correctionMs: 0, source: 'gateway' },
    lane: 'spot',
  };
}

const gatewayIdOf = (name) => `bench-alarm-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 60);
const SCENARIOS = [
  'defaults (16 KiB waveform batches, 1 unacked)',
  'no link budget (1 MiB batches, 3 unacked)',
  '1 MiB stethoscope attachment on the wire',
];

async function scenario(cloud, link, dir, { name, sync, backlog, alarms = 5, gapMs = 700 }) {
  const id = gatewayIdOf(name);
  const dataDir = join(dir, id);
  const pre = new ReadingStore({ dataDir, gatewayId: id });
  pre.recordMany(backlog);
  pre.close();
  const config = resolveGatewayConfig({
    gatewayId: id,
    mode: 'cart',
    timeZone: 'UTC',
    patients: [{ id: 'p-001', family: 'BENCH', given: 'Patient' }],
    http: { port: 0 },
    sync: { ackTimeoutMs: 300_000, ...sync },
  });
  const recordedAt = new Map();
  const lat = [];
  const off = cloud.onStored((gw, seq, at) => {
    if (gw === id && recordedAt.has(seq)) lat.push(at - recordedAt.get(seq));
  });
  const gw = await startGateway({ config, dataDir, cloudUrl: link.url, logger: pino({ level: 'silent' }) });
  try {
    while (gw.sync.state().counters.batchesSent === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500)); // the drain is under way
    for (let i = 0; i < alarms; i++) {
      const t = now();
      const r = gw.store.record(spo2(Date.now()));
      if (!r.duplicate) recordedAt.set(r.observation.seq, t);
      await new Promise((res) => setTimeout(res, gapMs));
    }
    const deadline = Date.now() + 60_000;
    while (lat.length < alarms && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const waveformLeft = gw.store.stats().lanes.waveform.pending;
    lat.sort((a, b) => a - b);
    return {
      scenario: name,
      link: link.kind,
      alarms: lat.length,
      medianMs: Math.round(lat[Math.floor(lat.length / 2)] ?? Number.NaN),
      maxMs: Math.round(lat.at(-1) ?? Number.NaN),
      waveformStillPending: waveformLeft,
    };
  } finally {
    off();
    await gw.stop();
  }
}

export async function benchAlarmLatency() {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-alarm-'));
  const patients = [{ id: 'p-001', family: 'BENCH', given: 'Patient', gateways: SCENARIOS.map(gatewayIdOf) }];
  const cloud = await spawnCloud(join(dir, 'cloud'), { reportStored: true, patients });
  let link;
  try {
    link = await startSlowLink(Number(new URL(cloud.mqttUrl).port), 1000);
  } catch (e) {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
    return [{ scenario: 'skipped', reason: `no slow link here (${e.message}); run as root for ip netns + tc` }];
  }
  try {
    const ecg = Array.from({ length: 800 }, (_, i) => ecgSegmentInput(i));
    return [
      await scenario(cloud, link, dir, { name: 'defaults (16 KiB waveform batches, 1 unacked)', sync: {}, backlog: ecg }),
      await scenario(cloud, link, dir, {
        name: 'no link budget (1 MiB batches, 3 unacked)',
        sync: {
          waveformBatchMaxBytes: 1024 * 1024,
          waveformInFlight: 3,
          maxBufferedBytes: 64 * 1024 * 1024,
          maxUnackedBytes: 64 * 1024 * 1024,
        },
        backlog: ecg,
      }),
      await scenario(cloud, link, dir, {
        name: '1 MiB stethoscope attachment on the wire',
        sync: {},
        backlog: [attachmentInput(0, 768 * 1024), attachmentInput(1, 768 * 1024)],
        alarms: 1,
      }),
    ];
  } finally {
    await link.close();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.table(await benchAlarmLatency());
}
