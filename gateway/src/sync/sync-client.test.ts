import { decodeStatus, type GatewayStatus, type Lane, topics } from '@telecart/protocol';
import { connect } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadingStore } from '../store/reading-store.js';
import { AckingCloud, startBroker, type TestBroker } from '../testing/acking-cloud.mjs';
import { type TempDir, tempDir, waitUntil, weightInput } from '../testing/fixtures.js';
import { type SentBatch, SyncClient, type SyncClientOptions } from './sync-client.js';

const GW = 'cart-1';

describe('SyncClient', () => {
  let dir: TempDir;
  let broker: TestBroker;
  let cloud: AckingCloud;
  let store: ReadingStore;
  const stops: (() => Promise<void> | void)[] = [];

  beforeEach(async () => {
    dir = tempDir();
    broker = await startBroker();
    cloud = await AckingCloud.start(broker.url);
    store = new ReadingStore({ dataDir: dir.path, gatewayId: GW });
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await cloud.stop();
    await broker.stop();
    store.close();
    dir.remove();
  });

  function startSync(over: Partial<SyncClientOptions> = {}): SyncClient {
    const sync = new SyncClient({
      gatewayId: GW,
      url: broker.url,
      store,
      batchMaxCount: 50,
      batchMaxBytes: 64 * 1024,
      ackTimeoutMs: 10_000,
      inFlight: 3,
      reconnectPeriodMs: 50,
      reconnectMaxMs: 200,
      ...over,
    });
    stops.push(() => sync.stop());
    sync.start();
    return sync;
  }

  it('delivers every reading, each stored once in the cloud, and empties the store', async () => {
    const lanes: Lane[] = ['spot', 'alarm', 'waveform'];
    for (let i = 0; i < 120; i++) store.record(weightInput(i, { lane: lanes[i % 3] }));
    const sync = startSync();
    await waitUntil(() => store.stats().pending === 0, 'the store to empty');
    // Readings recorded while connected go at once too.
    for (let i = 120; i < 250; i++) store.record(weightInput(i, { lane: lanes[i % 3] }));
    await waitUntil(() => store.stats().pending === 0 && cloud.stored.size === 250, 'all 250 readings in the cloud');

    expect([...cloud.stored.values()].map((o) => o.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(cloud.duplicates).toBe(0);
    expect(sync.state().counters).toMatchObject({ readingsAcked: 250, batchesTimedOut: 0, acksIgnored: 0 });
    expect(sync.state().counters.batchesAcked).toBe(sync.state().counters.batchesSent);
    expect(store.stats()).toMatchObject({ pending: 0, held: 0, rejected: 0, bytes: 0 });
  });

  it('sends the alarm lane first, then spot, then waveform', async () => {
    for (let i = 0; i < 4; i++) store.record(weightInput(i, { lane: 'waveform' }));
    for (let i = 4; i < 7; i++) store.record(weightInput(i, { lane: 'spot' }));
    store.record(weightInput(7, { lane: 'alarm' }));
    const sent: SentBatch[] = [];
    const sync = startSync({ inFlight: 1 });
    sync.on('sent', (b) => sent.push(b));
    await waitUntil(() => store.stats().pending === 0, 'the store to empty');
    expect(sent.map((b) => [b.lane, b.seqs])).toEqual([
      ['alarm', [8]],
      ['spot', [5, 6, 7]],
      ['waveform', [1, 2, 3, 4]],
    ]);
  });

  it('keeps at most one waveform batch unacked, small, while alarm and spot readings go alongside', async () => {
    cloud.acking = false;
    // ~600-byte readings: a 2 KiB waveform budget holds 3.
    for (let i = 0; i < 10; i++) store.record(weightInput(i, { lane: 'waveform' }));
    const sent: SentBatch[] = [];
    // No resend may blur the window: the acks are held longer than the default 10 s timeout on a loaded machine.
    const sync = startSync({ inFlight: 3, batchMaxCount: 50, waveformBatchMaxBytes: 2048, ackTimeoutMs: 120_000 });
    sync.on('sent', (b) => sent.push(b));
    await waitUntil(() => sent.length === 1, 'one waveform batch');
    const wf = store.nextBatch(50, 2048, { lanes: ['waveform'] });
    expect(sent[0]?.seqs).toEqual(wf?.seqs);
    expect(sent[0]?.seqs.length).toBeGreaterThan(1);
    expect(sent[0]?.seqs.length).toBeLessThan(10);
    store.record(weightInput(99, { lane: 'alarm' }));
    store.record(weightInput(100, { lane: 'spot' }));
    await waitUntil(() => sent.length === 3, 'the alarm and the spot batch');
    // Had the waveform window allowed more, the first pass would have sent them before the alarm existed.
    expect(sent.map((b) => b.lane)).toEqual(['waveform', 'alarm', 'spot']);
    expect(sync.state().inFlight).toBe(3);
    cloud.acking = true;
    await waitUntil(() => store.stats().pending === 0, 'the rest after acks resume');
    const waveformBatches = sent.filter((b) => b.lane === 'waveform');
    expect(waveformBatches.flatMap((b) => b.seqs).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('sends a single waveform reading larger than the batch budget alone instead of stalling the lane', async () => {
    for (let i = 0; i < 4; i++) store.record(weightInput(i, { lane: 'waveform' }));
    const sent: SentBatch[] = [];
    const sync = startSync({ waveformBatchMaxBytes: 100 });
    sync.on('sent', (b) => sent.push(b));
    await waitUntil(() => store.stats().pending === 0, 'all waveform readings sent and acked');
    expect(sent.map((b) => b.seqs)).toEqual([[1], [2], [3], [4]]);
    expect(sync.state().counters.bytesSent).toBeGreaterThan(0);
  });

  it('deletes nothing while the cloud does not ack, resends after the timeout, then drains once acks come', async () => {
    cloud.acking = false;
    for (let i = 0; i < 5; i++) store.record(weightInput(i));
    const timeouts: SentBatch[] = [];
    const sync = startSync({ ackTimeoutMs: 150, inFlight: 1 });
    sync.on('timeout', (b) => timeouts.push(b));
    await waitUntil(() => timeouts.length >= 2 && cloud.batches >= 3, 'two timeouts and a third delivery');
    expect(store.stats().pending).toBe(5);
    expect(timeouts.every((b) => b.seqs.join() === '1,2,3,4,5')).toBe(true);
    expect(cloud.duplicates).toBeGreaterThanOrEqual(10);

    cloud.acking = true;
    await waitUntil(() => store.stats().pending === 0, 'the store to empty once acked');
    expect(cloud.stored.size).toBe(5);
  });

  it('loses nothing when the broker is killed and restarted mid-way', async () => {
    const sync = startSync({ ackTimeoutMs: 300, batchMaxCount: 10 });
    for (let i = 0; i < 60; i++) store.record(weightInput(i));
    await waitUntil(() => sync.state().counters.readingsAcked > 0, 'a first ack');

    const port = broker.port;
    await broker.stop();
    await waitUntil(() => !sync.connected, 'the gateway to notice');
    for (let i = 60; i < 120; i++) store.record(weightInput(i));
    expect(store.stats().pending).toBeGreaterThanOrEqual(60);

    broker = await startBroker(port);
    await waitUntil(() => store.stats().pending === 0 && cloud.stored.size === 120, 'all 120 readings in the cloud', 30_000);
    expect(new Set([...cloud.stored.values()].map((o) => o.seq)).size).toBe(120);
  });

  it('ignores malformed acks, acks for another gateway or an unknown batch, and never applies an ack beyond its batch', async () => {
    cloud.acking = false;
    for (let i = 0; i < 3; i++) store.record(weightInput(i));
    const sent: SentBatch[] = [];
    const ignored: string[] = [];
    const sync = startSync({ batchMaxCount: 2, inFlight: 1 });
    sync.on('sent', (b) => sent.push(b));
    sync.on('ignored', (i) => ignored.push(i.reason));
    await waitUntil(() => sent.length === 1, 'a batch');
    const batchId = sent[0]!.batchId;
    const ack = (over: object) =>
      JSON.stringify({
        v: 1,
        batchId,
        gatewayId: GW,
        stored: [[1, 3]],
        duplicates: 0,
        rejected: [],
        storedAt: new Date().toISOString(),
        ...over,
      });

    await cloud.publishRaw(topics.ack(GW), 'not json');
    await cloud.publishRaw(topics.ack(GW), JSON.stringify({ v: 1, batchId }));
    await cloud.publishRaw(topics.ack(GW), ack({ gatewayId: 'cart-2' }));
    await cloud.publishRaw(topics.ack(GW), ack({ batchId: '0190a0b0-0000-7000-8000-000000000000' }));
    await waitUntil(() => ignored.length === 4, 'four ignored acks');
    expect(ignored).toEqual(['malformed', 'malformed', 'other-gateway', 'unknown-batch']);
    expect(store.stats().pending).toBe(3);

    // Claims seqs 1..3 but the batch carried 1 and 2: seq 3 must stay.
    await cloud.publishRaw(topics.ack(GW), ack({}));
    await waitUntil(() => sync.state().counters.batchesAcked === 1, 'the ack');
    expect(store.list('pending').map((r) => r.seq)).toEqual([3]);
  });

  it('quarantines readings the cloud rejects', async () => {
    cloud.reject = (o) => (o.seq === 2 ? 'unit not allowed' : undefined);
    for (let i = 0; i < 3; i++) store.record(weightInput(i));
    const sync = startSync();
    await waitUntil(() => store.stats().pending === 0, 'the store to empty');
    expect(store.stats()).toMatchObject({ pending: 0, rejected: 1 });
    expect(store.list('rejected')[0]).toMatchObject({ seq: 2, rejectReason: 'unit not allowed' });
    expect(sync.state().counters).toMatchObject({ readingsAcked: 2, readingsRejected: 1 });
  });

  it('publishes a retained online status with the backlog, an offline last will, and offline on stop', async () => {
    cloud.acking = false;
    store.record(weightInput(1));
    store.record(weightInput(2, { patient: null }));
    const statuses: GatewayStatus[] = [];
    const observer = connect(broker.url, { clientId: 'status-observer', reconnectPeriod: 0 });
    stops.push(() => observer.endAsync(true));
    observer.on('message', (_t, payload) => {
      const s = decodeStatus(payload);
      if (s.ok) statuses.push(s.value);
    });
    await new Promise<void>((r) => observer.once('connect', () => r()));
    await observer.subscribeAsync(topics.status(GW), { qos: 1 });

    const sync = startSync({ version: '0.1.0' });
    await waitUntil(() => statuses.some((s) => s.online), 'an online status');
    expect(statuses.find((s) => s.online)).toMatchObject({
      gatewayId: GW,
      online: true,
      version: '0.1.0',
      backlog: { readings: 1, held: 1 },
    });

    broker.dropClient(GW);
    await waitUntil(() => statuses.some((s) => !s.online), 'the last will');
    const n = statuses.length;
    await waitUntil(() => statuses.length > n && statuses.at(-1)?.online === true, 'online again after reconnecting');

    await sync.stop();
    await waitUntil(() => statuses.at(-1)?.online === false, 'offline on stop');
  });
});
