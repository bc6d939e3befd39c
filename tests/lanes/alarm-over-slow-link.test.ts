/**
 * Contract 3 (docs/architecture.md) on a real slow link: a waveform backlog drains over 1 Mbit/s (tc tbf in a network
 * namespace), a critical SpO2 is measured, and it must reach the cloud store ahead of the
 * backlog. Asserted as ordering, not time: when the alarm is stored, most of the backlog is still
 * on the gateway, and at most one waveform batch (the one already on the wire) got in ahead of
 * it. `npm run bench` measures the latency itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import { type Gateway, ReadingStore, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlowLink } from '../../bench/support/slow-link.mjs';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { criticalSpo2, ecgSegment, HOME_CONFIG } from './lane-fixtures.js';

const BACKLOG = 400;

type SlowLink = Awaited<ReturnType<typeof startSlowLink>>;
/** Without root (no netns/tc): the userspace throttling relay. */
const userspace = async (port: number, bytesPerS: number) => {
  const p = await startTcpProxy({ host: '127.0.0.1', port }, { rateBytesPerS: bytesPerS });
  return { url: p.url('mqtt'), close: () => p.close() };
};
const silent = pino({ level: 'silent' });

async function alarmOverBacklog(cloud: Cloud, link: SlowLink, dataDir: string, gatewayId: string, gateways: Gateway[]) {
  const config = resolveGatewayConfig({ ...HOME_CONFIG, gatewayId, sync: { ackTimeoutMs: 120_000 } });
  // The backlog exists before the gateway starts, as after a night offline.
  const pre = new ReadingStore({ dataDir, gatewayId: config.gatewayId });
  pre.recordMany(Array.from({ length: BACKLOG }, (_, i) => ecgSegment(i)));
  pre.close();

  const arrivals: string[] = [];
  let pendingWhenAlarmStored = -1;
  let gateway: Gateway | undefined;
  const unsubscribe = cloud.ingest.onObservation((o) => {
    if (o.gatewayId !== config.gatewayId) return;
    arrivals.push(o.lane);
    if (o.lane === 'alarm' && gateway) pendingWhenAlarmStored = gateway.store.stats().lanes.waveform.pending;
  });
  try {
    gateway = await startGateway({ config, dataDir, cloudUrl: link.url, logger: silent });
    gateways.push(gateway);
    let largestWaveformBatch = 0;
    gateway.sync.on('sent', (b) => {
      if (b.lane === 'waveform') largestWaveformBatch = Math.max(largestWaveformBatch, b.seqs.length);
    });

    await waitFor(() => arrivals.length >= 10, { what: 'the backlog to start draining', timeoutMs: 60_000, intervalMs: 5 });
    const r = gateway.store.record(criticalSpo2());
    expect(!r.duplicate && r.observation.lane).toBe('alarm');
    const before = arrivals.length;
    await waitFor(() => arrivals.includes('alarm'), { what: 'the alarm in the cloud', timeoutMs: 60_000, intervalMs: 5 });

    const overtaking = arrivals.indexOf('alarm') - before;
    expect(largestWaveformBatch).toBeGreaterThan(0);
    // At most the one waveform batch already unacked when the alarm was committed.
    expect(overtaking).toBeLessThanOrEqual(largestWaveformBatch);
    // Most of the backlog was still waiting on the gateway.
    expect(pendingWhenAlarmStored).toBeGreaterThanOrEqual(BACKLOG / 2);
    await gateway.stop();
  } finally {
    unsubscribe();
  }
}

describe('alarm over a 1 Mbit/s link with a waveform backlog draining', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-lanes-'));
  let cloud: Cloud;
  const gateways: Gateway[] = [];
  const links: SlowLink[] = [];

  beforeAll(async () => {
    // The cloud stores readings only for patients it assigns to the sending gateway.
    const patients = HOME_CONFIG.patients.map((p) => ({ ...p, gateways: ['lanes-tbf', 'lanes-proxy'] }));
    cloud = await startCloud({ dataDir: join(dir, 'cloud'), mqttPort: 0, httpPort: 0, patients, logger: silent });
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop();
    for (const l of links) await l.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('over tc tbf in a network namespace (userspace throttle when not root): alarm stored ahead of the backlog', async () => {
    const link = await startSlowLink(Number(new URL(cloud.mqttUrl).port), 1000, { fallback: userspace });
    links.push(link);
    await alarmOverBacklog(cloud, link, join(dir, 'gw-a'), 'lanes-tbf', gateways);
    expect(await cloud.store.countObservations({ loinc: '2708-6' })).toBe(1);
  });

  it('over the userspace throttling relay: same ordering', async () => {
    const link = await startSlowLink(Number(new URL(cloud.mqttUrl).port), 1000, { userspace: true, fallback: userspace });
    links.push(link);
    expect(link.kind).toBe('userspace-proxy');
    await alarmOverBacklog(cloud, link, join(dir, 'gw-b'), 'lanes-proxy', gateways);
    expect(await cloud.store.countObservations({ loinc: '2708-6' })).toBe(2);
  });
});
