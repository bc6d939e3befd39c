import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { encodePayload, expandSeqRanges, type Observation, topics } from '@telecart/protocol';
import { type Logger, pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { INGEST_LAYOUTS, startIngestIn } from '../testing/ingest-layouts.js';
import { batchOf, reading, statusOf } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';
import type { Ingest } from './ingest.js';

let dir: string;
let store: SqliteStore;
let broker: EmbeddedBroker;
let ingest: Ingest;
let gw: TestGateway;
let logLines: { msg: string; reason?: string; gatewayId?: string; topic?: string; firstBytes?: string; error?: string }[];
const stored: Observation[] = [];
let logger: Logger;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-ingest-'));
  store = new SqliteStore({ file: join(dir, 'cloud.db') });
  // The readings' patient, served by the test cart (the ingest stores only assigned patients).
  await store.upsertPatients([{ id: 'p-001', family: 'MARTIN', given: 'Jeanne', gateways: ['cart-1'] }]);
  logLines = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      cb();
    },
  });
  logger = pino({ level: 'warn' }, sink);
  broker = await startEmbeddedBroker({ port: 0, logger });
  stored.length = 0;
});

afterEach(async () => {
  await gw.close();
  await ingest.stop();
  await broker.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Over MQTT (an external broker's layout) and in the embedded broker's process: the same behaviour.
describe.each(INGEST_LAYOUTS)('ingest (%s)', (layout) => {
  beforeEach(async () => {
    ingest = await startIngestIn(layout, broker, broker.url, { store, logger });
    ingest.onObservation((o) => stored.push(o));
    gw = await TestGateway.connect(broker.url, 'cart-1');
  });

  it('stores a batch, then acks every seq of it', async () => {
    const batch = batchOf([reading('bp', { seq: 1 }), reading('pulse', { seq: 2 }), reading('spo2', { seq: 3 })]);
    const ack = await gw.send(batch);
    expect(ack).toMatchObject({ v: 1, batchId: batch.batchId, gatewayId: 'cart-1', stored: [[1, 3]], duplicates: 0, rejected: [] });
    // The ack promises durability: the rows are there when it arrives.
    expect(await store.countObservations({})).toBe(3);
    expect(stored.map((o) => o.seq)).toEqual([1, 2, 3]);
    expect(ingest.metrics()).toMatchObject({ batchesReceived: 1, observationsStored: 3, duplicates: 0, malformedTotal: 0 });
  });

  it('acks a redelivered batch again and stores it once', async () => {
    const batch = batchOf([reading('pulse', { seq: 1 }), reading('pulse', { seq: 2 })]);
    await gw.send(batch);
    gw.acks.length = 0;
    const again = await gw.send(batch);
    expect(again).toMatchObject({ stored: [[1, 2]], duplicates: 2, rejected: [] });
    expect(await store.countObservations({})).toBe(2);
    expect(stored).toHaveLength(2); // no live event for a duplicate
  });

  it('acks a re-read reading (same content key, new id and seq) as a duplicate, stored once', async () => {
    await gw.send(batchOf([reading('weight', { seq: 1, contentKey: 'ble:scale|rec:3' })]));
    const ack = await gw.send(batchOf([reading('weight', { seq: 2, contentKey: 'ble:scale|rec:3' })]));
    expect(ack).toMatchObject({ stored: [[2, 2]], duplicates: 1, rejected: [] });
    expect(await store.countObservations({})).toBe(1);
  });

  it('drops malformed payloads of every kind, counts them, and keeps acking good batches around them', async () => {
    const good = () => batchOf([reading('pulse', { seq: seq++ })]);
    let seq = 1;
    const acked: number[] = [];
    const sendGood = async () => {
      const ack = await gw.send(good());
      acked.push(...expandSeqRanges(ack.stored));
    };

    await sendGood();
    await gw.publishRaw('spot', Buffer.from([0xff, 0x00, 0x7b, 0x13])); // garbage bytes
    await gw.publishRaw('spot', Buffer.from([0xfe, 0x01])); // garbage again: counted, not logged twice
    await sendGood();
    await gw.publishRaw('spot', encodePayload({ v: 1, hello: 'world' })); // JSON, wrong schema
    await gw.publishRaw('alarm', encodePayload(batchOf([reading('pulse', { seq: 800 })]))); // lane in topic ≠ lane in payload
    await gw.publishRaw('spot', encodePayload(batchOf([reading('pulse', { seq: 900, gatewayId: 'cart-9' })]))); // another gateway's batch
    await gw.publishRaw('spot', Buffer.alloc(5 * 1024 * 1024, 0x20)); // oversize
    await sendGood();

    // One bad reading in a good batch: only that reading is rejected.
    const bad = reading('spo2', { seq: 11 }) as unknown as Record<string, unknown>;
    bad.value = { value: 'ninety-seven', unit: '%' };
    const noSeq = reading('pulse', { seq: 13 }) as unknown as Record<string, unknown>;
    delete noSeq.seq;
    const mixed = batchOf([
      reading('pulse', { seq: 10 }),
      bad as unknown as Observation,
      noSeq as unknown as Observation,
      reading('pulse', { seq: 12 }),
    ]);
    const mixedAck = await gw.send(mixed);
    expect(mixedAck.stored).toEqual([
      [10, 10],
      [12, 12],
    ]);
    expect(mixedAck.rejected).toEqual([{ seq: 11, reason: expect.stringMatching(/^invalid reading: \/value\/value/) }]);

    await sendGood();
    expect(acked).toEqual([1, 2, 3, 4]);
    expect(await store.countObservations({})).toBe(6);

    const m = ingest.metrics();
    expect(m.malformed).toEqual({ oversize: 1, 'not-json': 2, schema: 1, 'topic-mismatch': 2, 'unknown-topic': 0 });
    expect(m.malformedTotal).toBe(6);
    expect(m.readingsRejected).toBe(1);
    expect(m.readingsUnaddressable).toBe(1);
    expect(logLines.filter((l) => l.reason === 'invalid-reading' || l.reason === 'unaddressable-reading')).toHaveLength(2);
    expect(m.batchesReceived).toBe(11);

    const drops = logLines.filter((l) => l.msg.startsWith('dropped a message'));
    expect(drops.map((l) => l.reason)).toEqual(['not-json', 'schema', 'topic-mismatch', 'oversize']);
    expect(drops[0]).toMatchObject({
      gatewayId: 'cart-1',
      topic: topics.uplink('cart-1', 'spot'),
      error: expect.stringMatching(/^not JSON/),
    });
    expect(drops[0]?.firstBytes).toContain('ÿ');
  });

  it('rejects a reading claiming another gateway inside a batch', async () => {
    const ack = await gw.send(
      batchOf([reading('pulse', { seq: 1 }), reading('pulse', { seq: 2, gatewayId: 'cart-2' })], { gatewayId: 'cart-1' }),
    );
    expect(ack.stored).toEqual([[1, 1]]);
    expect(ack.rejected).toEqual([{ seq: 2, reason: 'reading belongs to gateway cart-2, batch to cart-1' }]);
  });

  it('rejects the same seq under a new id loudly, acking the rest', async () => {
    await gw.send(batchOf([reading('pulse', { seq: 1 })]));
    const ack = await gw.send(batchOf([reading('pulse', { seq: 1 }), reading('pulse', { seq: 2 })]));
    expect(ack.stored).toEqual([[2, 2]]);
    expect(ack.rejected).toEqual([{ seq: 1, reason: expect.stringMatching(/already stored under another id/) }]);
    expect(logLines.filter((l) => l.msg === 'ingest: reading rejected by the store')).toHaveLength(1);
  });

  it('records gateway statuses, retained ones included, and drops a status on another gateway’s topic', async () => {
    const status = statusOf('cart-1', true, 40);
    await gw.client.publishAsync(topics.status('cart-1'), encodePayload(status), { qos: 1, retain: true });
    await gw.client.publishAsync(topics.status('cart-2'), encodePayload(status), { qos: 1 });
    await gw.send(batchOf([reading('pulse', { seq: 1 })])); // handled after both statuses (one ordered intake)
    expect(await store.listGateways()).toEqual([
      expect.objectContaining({ gatewayId: 'cart-1', online: true, backlog: expect.objectContaining({ readings: 40 }) }),
    ]);
    expect(ingest.metrics().malformed['topic-mismatch']).toBe(1);

    // A restarted ingest gets the retained status from the broker.
    await ingest.stop();
    await store.upsertGatewayStatus(statusOf('cart-1', false));
    ingest = await startIngestIn(layout, broker, broker.url, { store, logger: pino({ level: 'silent' }) });
    await gw.send(batchOf([reading('pulse', { seq: 2 })]));
    expect((await store.listGateways())[0]?.online).toBe(true);
  });
});
