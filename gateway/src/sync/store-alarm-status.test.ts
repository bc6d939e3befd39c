/**
 * The store-full alarm reaches the cloud: when the store passes its soft cap (waveforms refused) the
 * gateway's retained status says so at once — not at the next periodic status — and says `ok` again
 * once the cloud's acks have drained it. Nothing is deleted to make room.
 */
import { decodeStatus, type GatewayStatus, topics } from '@telecart/protocol';
import { connect } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadingStore, StoreFullError } from '../store/index.js';
import { AckingCloud, startBroker, type TestBroker } from '../testing/acking-cloud.mjs';
import { type TempDir, tempDir, waitUntil, weightInput } from '../testing/fixtures.js';
import { SyncClient } from './sync-client.js';

const GW = 'cart-full';

describe('store capacity in the gateway status', () => {
  let dir: TempDir;
  let broker: TestBroker;
  let cloud: AckingCloud;
  let store: ReadingStore;
  let sync: SyncClient;

  beforeEach(async () => {
    dir = tempDir();
    broker = await startBroker();
    cloud = await AckingCloud.start(broker.url);
    store = new ReadingStore({ dataDir: dir.path, gatewayId: GW, maxBytes: 40_000, waveformStopRatio: 0.5 });
  });
  afterEach(async () => {
    await sync?.stop();
    await cloud.stop();
    await broker.stop();
    store.close();
    dir.remove();
  });

  it('announces near-full at once, refuses waveforms, keeps every reading, and clears when drained', async () => {
    const statuses: GatewayStatus[] = [];
    const listener = connect(broker.url, { reconnectPeriod: 0 });
    await new Promise<void>((r) => listener.once('connect', () => r()));
    await listener.subscribeAsync(topics.status(GW));
    listener.on('message', (_t, payload) => {
      const s = decodeStatus(payload);
      if (s.ok) statuses.push(s.value);
    });

    cloud.acking = false;
    // A long status interval: only the capacity change can make the next status go out.
    sync = new SyncClient({
      gatewayId: GW,
      url: broker.url,
      store,
      batchMaxCount: 50,
      batchMaxBytes: 64 * 1024,
      ackTimeoutMs: 1500,
      inFlight: 1,
      statusIntervalMs: 600_000,
      reconnectPeriodMs: 50,
      reconnectMaxMs: 200,
    });
    sync.start();
    await waitUntil(() => sync.connected, 'the sync to connect');
    await waitUntil(() => statuses.some((s) => s.online && s.backlog?.capacity?.level === 'ok'), 'the first status');

    let n = 0;
    while (store.capacity().level === 'ok') store.record(weightInput(n++));
    const recorded = n;
    await waitUntil(() => statuses.at(-1)?.backlog?.capacity?.level === 'near-full', 'a near-full status');
    expect(statuses.at(-1)?.backlog?.capacity).toMatchObject({ level: 'near-full', maxBytes: 40_000 });
    expect(() => store.record(weightInput(n++, { lane: 'waveform' }))).toThrow(StoreFullError);
    // Spot readings are still taken below the hard cap.
    store.record(weightInput(n++));

    cloud.acking = true;
    await waitUntil(() => store.stats().pending === 0, 'the backlog to drain', 20_000);
    await waitUntil(() => statuses.at(-1)?.backlog?.capacity?.level === 'ok', 'an ok status after the drain');
    // Every spot reading reached the cloud; the refused waveform never existed.
    expect(cloud.stored.size).toBe(recorded + 1);
    await listener.endAsync();
  });
});
