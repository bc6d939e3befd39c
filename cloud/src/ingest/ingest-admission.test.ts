/**
 * Admission at the store's pace (broker/uplink-credit.ts, docs/region.md « Admitting at the store's
 * pace »): against the real embedded broker, a real ingest and a SQLite store held mid-commit, a
 * gateway that connects while the uplinks in flight fill the credit is held unread (or refused when
 * the queue is full: CONNACK 3, the gateway backs off), and admitted once the ingest has acked;
 * every reading is stored once and acked once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, type ObservationBatch } from '@telecart/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { INGEST_LAYOUTS, startIngestIn } from '../testing/ingest-layouts.js';
import { batchOf, reading } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';
import type { Ingest } from './ingest.js';

let dir: string;
let store: SqliteStore;
let broker: EmbeddedBroker | undefined;
let ingest: Ingest | undefined;
const gws: TestGateway[] = [];
const logger = pino({ level: 'silent' });
const GATEWAYS = ['cart-1', 'cart-2', 'cart-3'];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-ingest-admission-'));
  store = new SqliteStore({ file: join(dir, 'cloud.db') });
  await store.upsertPatients(GATEWAYS.map((g, i) => ({ id: `p-${i}`, family: 'ADMIT', given: g, gateways: [g], localId: 'p-001' })));
});

afterEach(async () => {
  for (const g of gws.splice(0)) await g.close();
  await ingest?.stop();
  ingest = undefined;
  await broker?.stop();
  broker = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function batchesOf(gatewayId: string, n: number, from = 1): ObservationBatch[] {
  return Array.from({ length: n }, (_, i) => batchOf([reading('pulse', { seq: from + i, gatewayId })], { gatewayId }));
}

// The ingest over the internal listener (its acks counted by connection) and in the broker's process (counted as it publishes).
describe.each(INGEST_LAYOUTS)('admission at the store pace, the ingest %s', (layout) => {
  it('holds, or refuses, gateways while the uplinks in flight fill the credit, and admits them once the ingest acked: each reading stored once', async () => {
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      connectRate: { perSecond: 1000, burst: 1000, maxQueued: 1, maxWaitMs: 60_000 },
      uplinkCredit: { maxInFlight: 2 },
    });
    // The store's commits wait until released: the ingest is saturated.
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const real = store.storeIntake.bind(store);
    store.storeIntake = async (batches, statuses) => {
      await released;
      return real(batches, statuses);
    };
    ingest = await startIngestIn(layout, broker, broker.internalUrl, { store, logger });
    const b = broker;

    const g1 = await TestGateway.connect(b.url, 'cart-1');
    gws.push(g1);
    const first = batchesOf('cart-1', 2);
    const firstAcks = Promise.all(first.map((x) => g1.ackFor(x.batchId)));
    for (const x of first) await g1.publishRaw('spot', encodePayload(x));
    await expect.poll(() => b.uplinksInFlight()).toBe(2);

    // Full: the next gateway waits unread, the one after finds the queue full and is refused.
    let heldUp = false;
    const g2Connecting = TestGateway.connect(b.url, 'cart-2').then((g) => {
      heldUp = true;
      gws.push(g);
      return g;
    });
    await expect.poll(() => b.waitingConnections()).toBe(1);
    await expect(TestGateway.connect(b.url, 'cart-3')).rejects.toThrow(/Server unavailable/);
    expect(b.shedConnections()).toBe(1);
    expect(heldUp).toBe(false);

    // The store clears: the acks return the credit, the held gateway is admitted, the refused one's retry too.
    release();
    expect((await firstAcks).map((a) => a.stored)).toEqual([[[1, 1]], [[2, 2]]]);
    const g2 = await g2Connecting;
    expect(b.uplinksInFlight()).toBe(0);
    const g3 = await TestGateway.connect(b.url, 'cart-3');
    gws.push(g3);
    const later = [...batchesOf('cart-2', 1).map((x) => g2.send(x)), ...batchesOf('cart-3', 1).map((x) => g3.send(x))];
    expect((await Promise.all(later)).map((a) => [a.gatewayId, a.stored, a.duplicates])).toEqual([
      ['cart-2', [[1, 1]], 0],
      ['cart-3', [[1, 1]], 0],
    ]);
    expect(await store.countObservations({})).toBe(4);
    expect([g1.acks.length, g2.acks.length, g3.acks.length]).toEqual([2, 1, 1]);
    expect(b.shedConnections()).toBe(1);
  });

  it('with awaitIngest, admits no gateway before the ingest subscribed to the uplinks (a restarting cloud), then admits the one held', async () => {
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      connectRate: { perSecond: 1000, burst: 1000, maxQueued: 10, maxWaitMs: 60_000 },
      uplinkCredit: { maxInFlight: 10, awaitIngest: true },
    });
    const b = broker;
    let admitted = false;
    const connecting = TestGateway.connect(b.url, 'cart-1').then((g) => {
      admitted = true;
      gws.push(g);
      return g;
    });
    await expect.poll(() => b.waitingConnections()).toBe(1);
    expect(admitted).toBe(false);
    ingest = await startIngestIn(layout, b, b.internalUrl, { store, logger });
    const g1 = await connecting;
    const [x] = batchesOf('cart-1', 1) as [ObservationBatch];
    expect((await g1.send(x)).stored).toEqual([[1, 1]]);
    expect(await store.countObservations({})).toBe(1);
    expect(b.shedConnections()).toBe(0);
  });
});
