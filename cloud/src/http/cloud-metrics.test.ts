/**
 * GET /metrics: the cloud's Prometheus text, scraped and parsed, on a whole cloud (embedded aedes,
 * SQLite, fastify, real sockets) after a cart sent readings, one of them for a patient it does not
 * serve, a duplicate batch and a message that is not JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../cloud.js';
import { batchOf, reading } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';

let dir: string;
let cloud: Cloud;

/** Samples of the Prometheus text format: `name{a="x",b="y"} value` → key `name{a="x",b="y"}`. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

async function scrape(): Promise<{ type: string | null; samples: Map<string, number> }> {
  const res = await fetch(`${cloud.httpUrl}/metrics`);
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), samples: parse(await res.text()) };
}

async function ingestJson(): Promise<Record<string, number>> {
  return (await (await fetch(`${cloud.httpUrl}/api/metrics/ingest`)).json()) as Record<string, number>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-metrics-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [{ id: 'p-a', family: 'ALPHA', given: 'Anne', gateways: ['cart-a1'] }],
  });
  const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-a1');
  const batch = batchOf(
    [
      { ...reading('pulse', { seq: 1, patientId: 'p-a', value: 71 }), gatewayId: 'cart-a1' },
      { ...reading('pulse', { seq: 2, patientId: 'p-a', value: 72 }), gatewayId: 'cart-a1' },
      { ...reading('pulse', { seq: 3, patientId: 'p-other', value: 90 }), gatewayId: 'cart-a1' },
    ],
    { gatewayId: 'cart-a1' },
  );
  await gw.send(batch);
  await gw.send(batch);
  await gw.publishRaw('spot', 'this is not JSON');
  // The broken message has no ack: wait until the ingest has counted it, and acked both batches (the second
  // send() returned on the first one's ack, same batch id; its duplicates are counted once its round committed).
  for (let i = 0; ; i++) {
    const m = await ingestJson();
    if (m.malformedTotal === 1 && m.batchesAcked === 2) break;
    if (i > 200) throw new Error('the malformed message or the second ack was never counted');
    await new Promise((r) => setTimeout(r, 25));
  }
  await gw.close();
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /metrics', () => {
  it('serves Prometheus text, without a login', async () => {
    const { type } = await scrape();
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts what the ingest stored, refused and dropped, as the JSON metrics do', async () => {
    const { samples } = await scrape();
    const json = await ingestJson();
    const pulse = reading('pulse', { seq: 1, patientId: 'p-a', value: 71 }).code.loinc;
    expect(samples.get(`telecart_cloud_observations_stored_total{loinc="${pulse}"}`)).toBe(2);
    // The message that is not JSON came on the batch topic too.
    expect(samples.get('telecart_cloud_ingest_batches_received_total')).toBe(3);
    expect(samples.get('telecart_cloud_ingest_readings_duplicate_total')).toBe(2);
    expect(samples.get('telecart_cloud_ingest_readings_not_served_total')).toBe(2);
    expect(samples.get('telecart_cloud_ingest_malformed_total{reason="not-json"}')).toBe(1);
    expect(samples.get('telecart_cloud_ingest_malformed_total{reason="schema"}')).toBe(0);
    for (const [field, name] of [
      ['batchesReceived', 'batches_received'],
      ['batchesAcked', 'batches_acked'],
      ['readingsRejected', 'readings_rejected'],
      ['readingsNotServed', 'readings_not_served'],
      ['storeErrors', 'store_errors'],
    ] as const)
      expect(samples.get(`telecart_cloud_ingest_${name}_total`), field).toBe(json[field]);
    expect(samples.get('telecart_cloud_mqtt_connected')).toBe(1);
    expect(samples.get('telecart_cloud_store_unreadable_rows_total{table="observations"}')).toBe(0);
  });
});
