/**
 * The ingest's group commit (ingest.ts): batches waiting while a round is stored go together in
 * the next transaction, each acked as if alone; a round the store refuses whole is stored message
 * by message, so one bad batch does not hold up the others; the intake queue's bound pauses the
 * broker's flow instead of growing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, type ObservationBatch, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { INGEST_LAYOUTS, type IngestLayout, startIngestIn } from '../testing/ingest-layouts.js';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';
import type { Ingest, IngestSettings } from './ingest.js';

let dir: string;
let store: SqliteStore;
let broker: EmbeddedBroker;
let ingest: Ingest | undefined;
let gws: TestGateway[];
const logger = pino({ level: 'silent' });
const GATEWAYS = ['cart-1', 'cart-2', 'cart-3', 'cart-4'];
let layout: IngestLayout = 'mqtt';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-ingest-group-'));
  store = new SqliteStore({ file: join(dir, 'cloud.db') });
  await store.upsertPatients(GATEWAYS.map((g, i) => ({ id: `p-${i}`, family: 'GROUP', given: g, gateways: [g], localId: 'p-001' })));
  broker = await startEmbeddedBroker({ port: 0, logger });
  gws = await Promise.all(GATEWAYS.map((g) => TestGateway.connect(broker.url, g)));
});

afterEach(async () => {
  for (const g of gws) await g.close();
  await ingest?.stop();
  ingest = undefined;
  await broker.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(opts: Partial<IngestSettings> = {}): Promise<Ingest> {
  ingest = await startIngestIn(layout, broker, broker.url, { store, logger, ...opts });
  return ingest;
}

function batchesOf(gatewayId: string, n: number): ObservationBatch[] {
  return Array.from({ length: n }, (_, i) => batchOf([reading('pulse', { seq: i + 1, gatewayId })], { gatewayId }));
}

// Over MQTT and in the embedded broker's process (where the queue's bound holds the broker's routing, not a socket).
describe.each(INGEST_LAYOUTS)('ingest group commit (%s)', (l) => {
  beforeEach(() => {
    layout = l;
  });

  it('stores batches that arrive together in fewer transactions than batches, and acks each with its own seqs', async () => {
    // Hold the store while the batches pile up: they must then go in one or a few rounds.
    const ing = await start();
    const perGateway = 25;
    const all = GATEWAYS.map((g) => batchesOf(g, perGateway));
    const acks = await Promise.all(gws.flatMap((gw, k) => (all[k] ?? []).map((b) => gw.send(b))));
    for (const [k, g] of GATEWAYS.entries())
      for (const [i, b] of (all[k] ?? []).entries()) {
        const ack = acks[k * perGateway + i];
        expect(ack).toMatchObject({ batchId: b.batchId, gatewayId: g, stored: [[i + 1, i + 1]], duplicates: 0, rejected: [] });
      }
    expect(await store.countObservations({})).toBe(GATEWAYS.length * perGateway);
    const m = ing.metrics();
    expect(m.batchesReceived).toBe(100);
    expect(m.observationsStored).toBe(100);
    // Published without waiting for each other's acks: rounds of several batches.
    expect(m.storeCommits).toBeGreaterThan(0);
    expect(m.storeCommits).toBeLessThan(m.batchesReceived);
  });

  it("stores a connecting gateway's status and first batches, sent together, in one commit", async () => {
    // A wait longer than the default: three messages of one client on a loaded test host.
    const ing = await start({ roundLingerMs: 50 });
    const [g1] = gws as [TestGateway];
    const [b1, b2] = batchesOf('cart-1', 2) as [ObservationBatch, ObservationBatch];
    // What a gateway does on connecting: its status, then what its window allows, without waiting.
    const acks = Promise.all([g1.ackFor(b1.batchId), g1.ackFor(b2.batchId)]);
    await Promise.all([
      g1.publishStatus(statusOf('cart-1', true, 2)),
      g1.publishRaw('spot', encodePayload(b1)),
      g1.publishRaw('spot', encodePayload(b2)),
    ]);
    expect((await acks).map((a) => a.stored)).toEqual([[[1, 1]], [[2, 2]]]);
    const m = ing.metrics();
    expect(m.statusesReceived).toBe(1);
    // Stored as they came (roundLingerMs: 0), the status took a commit of its own.
    expect(m.storeCommits).toBe(1);
  });

  it("reads a gateway's attribution once per round: its second batch asks the store only for patients the first did not name", async () => {
    const real = store.servedPatients.bind(store);
    const asked: [string, string[]][] = [];
    store.servedPatients = async (gatewayId, ids) => {
      asked.push([gatewayId, [...ids]]);
      return real(gatewayId, ids);
    };
    // A wait long enough that the three messages, published together, make one round on a loaded host.
    const ing = await start({ roundLingerMs: 200 });
    const [g1] = gws as [TestGateway];
    const [b1, b2] = batchesOf('cart-1', 2) as [ObservationBatch, ObservationBatch];
    const b3 = batchOf([reading('pulse', { seq: 3, gatewayId: 'cart-1', patientId: 'p-elsewhere' })], { gatewayId: 'cart-1' });
    const acks = Promise.all([g1.ackFor(b1.batchId), g1.ackFor(b2.batchId), g1.ackFor(b3.batchId)]);
    await Promise.all([b1, b2, b3].map((b) => g1.publishRaw('spot', encodePayload(b))));
    const [a1, a2, a3] = await acks;
    expect(ing.metrics().storeCommits).toBe(1);
    expect(asked).toEqual([
      ['cart-1', ['p-001']],
      ['cart-1', ['p-elsewhere']],
    ]);
    expect([a1?.stored, a2?.stored, a3?.stored]).toEqual([[[1, 1]], [[2, 2]], []]);
    // Still refused, from what the round read: the patient the configuration gives this gateway is the only one served.
    expect(a3?.rejected).toEqual([{ seq: 3, reason: expect.stringMatching(/^patient-not-served: /) }]);
    expect(await store.countObservations({})).toBe(2);
  });

  it('stores a round the store refuses whole message by message: the good batches are acked, the bad one is not', async () => {
    const real = store.storeIntake.bind(store);
    let calls = 0;
    let refusedMixed = 0;
    // A store that fails any transaction holding cart-3's batch (as a constraint error would); its
    // first transaction is slow (a busy disk), so the batches sent meanwhile make one round.
    store.storeIntake = async (batches, statuses) => {
      if (calls++ === 0) await new Promise((r) => setTimeout(r, 500));
      if (batches.some((b) => b.gatewayId === 'cart-3')) {
        if (batches.some((b) => b.gatewayId !== 'cart-3')) refusedMixed++;
        throw new Error('constraint failed');
      }
      return real(batches, statuses);
    };
    const realOne = store.storeBatch.bind(store);
    store.storeBatch = async (b) => {
      if (b.gatewayId === 'cart-3') throw new Error('constraint failed');
      return realOne(b);
    };
    const ing = await start();
    const [g1, g2, g3] = gws as [TestGateway, TestGateway, TestGateway];
    const bad = batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-3' })], { gatewayId: 'cart-3' });
    const good = [...batchesOf('cart-1', 11).slice(1), ...batchesOf('cart-2', 10)];
    const first = g1.send(batchesOf('cart-1', 1)[0] as ObservationBatch);
    await expect.poll(() => calls).toBe(1);
    void g3.publishRaw('spot', encodePayload(bad));
    const acks = await Promise.all([first, ...good.map((b) => (b.gatewayId === 'cart-1' ? g1 : g2).send(b))]);
    expect(acks.every((a) => a.rejected.length === 0 && a.stored.length === 1)).toBe(true);
    await expect.poll(() => ing.metrics().storeErrors).toBe(1);
    // The bad batch shared a round with good ones: that round fell back to one transaction each.
    expect(refusedMixed).toBeGreaterThan(0);
    expect(g3.acks.find((a) => a.batchId === bad.batchId)).toBeUndefined();
    expect(await store.countObservations({})).toBe(21);
  });

  it('prepares the next round while one commits, hands it to the store only after that commit, and acks each after its own', async () => {
    const real = store.storeIntake.bind(store);
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const commits: string[][] = [];
    store.storeIntake = async (batches, statuses) => {
      const n = commits.push(batches.map((b) => b.batchId));
      if (n === 1) await released;
      return real(batches, statuses);
    };
    const realServed = store.servedPatients.bind(store);
    const attributed: string[] = [];
    store.servedPatients = async (gatewayId, ids) => {
      attributed.push(gatewayId);
      return realServed(gatewayId, ids);
    };
    await start({ roundLingerMs: 0 });
    const [g1, g2] = gws as [TestGateway, TestGateway];
    const [b1] = batchesOf('cart-1', 1) as [ObservationBatch];
    const [b2] = batchesOf('cart-2', 1) as [ObservationBatch];
    const ack1 = g1.send(b1);
    await expect.poll(() => commits.length).toBe(1);
    const ack2 = g2.send(b2);
    // Round 2 checked and attributed while round 1's commit is held, not yet handed to the store.
    await expect.poll(() => attributed).toEqual(['cart-1', 'cart-2']);
    expect(commits).toEqual([[b1.batchId]]);
    expect([g1.acks.length, g2.acks.length]).toEqual([0, 0]);
    release();
    expect((await ack1).stored).toEqual([[1, 1]]);
    expect((await ack2).stored).toEqual([[1, 1]]);
    expect(commits).toEqual([[b1.batchId], [b2.batchId]]);
    expect(await store.countObservations({})).toBe(2);
  });

  it('keeps only the last status of a gateway in a round, and stores statuses with the batches', async () => {
    const ing = await start();
    const [g1] = gws as [TestGateway];
    const c = await mqtt.connectAsync(broker.url, { clientId: 'status-sender', reconnectPeriod: 0 });
    try {
      await Promise.all(
        ['1.0.0', '1.0.1', '1.0.2'].map((version) =>
          c.publishAsync(topics.status('cart-1'), encodePayload({ ...statusOf('cart-1', true), version }), { qos: 1 }),
        ),
      );
    } finally {
      await c.endAsync();
    }
    await g1.send(batchesOf('cart-1', 1)[0] as ObservationBatch);
    await expect.poll(async () => (await store.listGateways()).find((g) => g.gatewayId === 'cart-1')?.version).toBe('1.0.2');
    const m = ing.metrics();
    expect(m.statusesReceived).toBeGreaterThanOrEqual(1);
    expect(m.statusesReceived).toBeLessThanOrEqual(3);
  });

  it('pauses the broker flow at the queue bound and resumes it: every batch is still stored and acked', async () => {
    const ing = await start({ maxQueued: 2, maxRound: 1 });
    const [g1] = gws as [TestGateway];
    const batches = batchesOf('cart-1', 30);
    const acks = await Promise.all(batches.map((b) => g1.send(b)));
    expect(acks.map((a) => a.stored)).toEqual(batches.map((_, i) => [[i + 1, i + 1]]));
    expect(ing.metrics().storeCommits).toBe(30);
  });
});
