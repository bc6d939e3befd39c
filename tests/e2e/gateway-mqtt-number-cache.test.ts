/**
 * The gateway's MQTT client does not let mqtt-packet build its number cache: a Buffer for each of
 * the 65,536 two-byte numbers, 6.6 MiB of heap held for the process's life (docs/footprint.md).
 * The cache is global to the process, so the broker is a separate one (Mosquitto; aedes in this
 * process would build it) and the test looks at mqtt-packet's own module, as mqtt.js loads it.
 */
import { createRequire } from 'node:module';
import { ReadingStore, SyncClient } from '@telecart/gateway';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Mosquitto, startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { type TempDir, tempDir, waitUntil } from '../../gateway/src/testing/fixtures.js';

const fromMqtt = createRequire(createRequire(import.meta.url).resolve('mqtt'));
const numbers = fromMqtt('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };
const packet = fromMqtt('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };

let broker: Mosquitto;
let dir: TempDir;
beforeAll(async () => {
  broker = await startMosquitto({ persistence: false });
  dir = tempDir();
});
afterAll(async () => {
  await broker.stop();
  dir.remove();
});

it('talks to the broker without the 65,536-Buffer number cache; another client would build it', async () => {
  const store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cache-1' });
  const sync = new SyncClient({
    gatewayId: 'cache-1',
    url: broker.url,
    store,
    batchMaxCount: 50,
    batchMaxBytes: 64 * 1024,
    ackTimeoutMs: 10_000,
    inFlight: 1,
    reconnectPeriodMs: 50,
  });
  try {
    sync.start();
    // Its CONNECT went out (mqtt-packet builds the cache at the first packet it writes).
    await waitUntil(() => sync.state().connected, 'connected');
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  } finally {
    await sync.stop();
    store.close();
  }
  // The check sees the cache: with mqtt-packet's default (the switch is process-wide and the
  // gateway's client turned it off) the next packet written builds it.
  packet.writeToStream.cacheNumbers = true;
  const other = await connectAsync(broker.url, { clientId: 'cache-default' });
  await other.endAsync();
  expect(Object.keys(numbers.cache)).toHaveLength(65_536);
});
