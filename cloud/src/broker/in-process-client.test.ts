/**
 * The broker's in-process client (in-process-client.ts), against the real embedded broker and real
 * mqtt.js clients on loopback: what the ingest in the broker's process relies on — a QoS 1 message it
 * publishes waits in a persistent session for its gateway, retained messages come at subscribe, and
 * after `end()` nothing more is handed to it.
 */
import { topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from './embedded-broker.js';
import type { InProcessClient } from './in-process-client.js';

let broker: EmbeddedBroker;
let local: InProcessClient;
const clients: MqttClient[] = [];
const logger = pino({ level: 'silent' });

beforeEach(async () => {
  broker = await startEmbeddedBroker({ port: 0, logger, connectRate: false });
  local = broker.inProcessClient();
});

afterEach(async () => {
  await local.end();
  for (const c of clients.splice(0)) await c.endAsync(true);
  await broker.stop();
});

async function connect(clientId: string, clean = true): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { clientId, clean, reconnectPeriod: 0 });
  clients.push(c);
  return c;
}

const publish = (topic: string, payload: string) =>
  new Promise<void>((resolve, reject) => local.publish(topic, payload, 1, (err) => (err ? reject(err) : resolve())));

describe('the embedded broker’s in-process client', () => {
  it('publishes at QoS 1 into a persistent session: a gateway away when its ack was published gets it on reconnecting', async () => {
    const gw = await connect('gw-1', false);
    await gw.subscribeAsync(topics.ack('cart-1'), { qos: 1 });
    await gw.endAsync();
    await publish(topics.ack('cart-1'), '{"ack":1}');

    const back = mqtt.connect(broker.url, { clientId: 'gw-1', clean: false, reconnectPeriod: 0 });
    clients.push(back);
    const got = await new Promise<{ topic: string; payload: string; qos: number }>((resolve) =>
      back.on('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), qos: packet.qos })),
    );
    expect(got).toEqual({ topic: topics.ack('cart-1'), payload: '{"ack":1}', qos: 1 });
  });

  it('hands over the retained messages at subscribe, then the live ones, in order', async () => {
    const gw = await connect('gw-2');
    await gw.publishAsync(topics.status('cart-2'), 'retained', { qos: 1, retain: true });
    const seen: string[] = [];
    await local.subscribe([topics.allUplinks(false), topics.allStatuses()], (topic, payload, done) => {
      seen.push(`${topic} ${payload.toString()}`);
      done();
    });
    await gw.publishAsync(topics.uplink('cart-2', 'spot'), 'one', { qos: 1 });
    await gw.publishAsync(topics.uplink('cart-2', 'spot'), 'two', { qos: 1 });
    expect(seen).toEqual([
      `${topics.status('cart-2')} retained`,
      `${topics.uplink('cart-2', 'spot')} one`,
      `${topics.uplink('cart-2', 'spot')} two`,
    ]);
  });

  it('routes while the handler holds done (aedes acks a QoS 1 PUBLISH before routing it), and hands nothing over once ended', async () => {
    const held: (() => void)[] = [];
    let handed = 0;
    await local.subscribe([topics.allUplinks(false)], (_topic, _payload, done) => {
      handed++;
      held.push(done);
    });
    const gw = await connect('gw-3');
    await gw.publishAsync(topics.uplink('cart-3', 'spot'), 'x', { qos: 1 });
    await gw.publishAsync(topics.uplink('cart-3', 'spot'), 'x2', { qos: 1 });
    await expect.poll(() => handed).toBe(2);
    for (const d of held.splice(0)) d();

    await local.end();
    expect(local.connected()).toBe(false);
    await gw.publishAsync(topics.uplink('cart-3', 'spot'), 'after', { qos: 1 });
    expect(handed).toBe(2);
  });
});
