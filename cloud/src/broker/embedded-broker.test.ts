import { connect as netConnect } from 'node:net';
import { connectEnd, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateAuthority, createCa } from '../security/pki.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './embedded-broker.js';

/** A CA, a loopback server certificate and one client certificate (CN `clientCn`) from it. */
async function tlsMaterial(clientCn: string) {
  const caPair = await createCa('test CA');
  const ca = await CertificateAuthority.load(caPair);
  const server = await ca.issueWithNewKey('localhost', 'server', { altNames: ['127.0.0.1', 'localhost'] });
  const client = await ca.issueWithNewKey(clientCn, 'client');
  return { caPair, server, client };
}

const logger = pino({ level: 'silent' });
let broker: EmbeddedBroker | undefined;

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

function nextMessage(client: mqtt.MqttClient): Promise<{ topic: string; payload: string; retain: boolean }> {
  return new Promise((resolve) =>
    client.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), retain: packet.retain })),
  );
}

describe('embedded broker', () => {
  it('listens on a free loopback port and keeps retained messages', async () => {
    broker = await startEmbeddedBroker({ port: 0, logger });
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await pub.publishAsync(topics.status('cart-1'), 'online', { qos: 1, retain: true });
    const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const got = nextMessage(sub);
    await sub.subscribeAsync(topics.allStatuses(), { qos: 1 });
    expect(await got).toEqual({ topic: topics.status('cart-1'), payload: 'online', retain: true });
    await pub.endAsync();
    await sub.endAsync();
  });

  it('gives a subscriber to an exact topic its retained message, and none once cleared (indexed lookup)', async () => {
    broker = await startEmbeddedBroker({ port: 0, logger });
    const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    for (const id of ['cart-a', 'cart-b', 'cart-c']) await pub.publishAsync(topics.status(id), `on ${id}`, { qos: 1, retain: true });
    const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const got = nextMessage(sub);
    await sub.subscribeAsync(topics.status('cart-b'), { qos: 1 });
    expect(await got).toEqual({ topic: topics.status('cart-b'), payload: 'on cart-b', retain: true });
    // Cleared (empty retained payload): a new subscriber gets nothing, the wildcard scan neither.
    await pub.publishAsync(topics.status('cart-b'), '', { qos: 1, retain: true });
    const late = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const seen: string[] = [];
    late.on('message', (topic, payload) => seen.push(`${topic}=${payload.toString()}`));
    await late.subscribeAsync(topics.status('cart-b'), { qos: 1 });
    await late.subscribeAsync(topics.allStatuses(), { qos: 1 });
    // A round trip after the subscriptions: retained messages are delivered before its answer.
    await late.subscribeAsync(topics.status('cart-a'), { qos: 1 });
    await late.publishAsync('probe', 'x', { qos: 1 });
    expect(seen.filter((m) => m.includes('cart-b'))).toEqual([]);
    expect(seen).toContain(`${topics.status('cart-a')}=on cart-a`);
    for (const c of [pub, sub, late]) await c.endAsync();
  });

  it('publishes the last will when a client vanishes', async () => {
    broker = await startEmbeddedBroker({ port: 0, logger });
    const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await watcher.subscribeAsync(topics.status('cart-2'), { qos: 1 });
    const gateway = await mqtt.connectAsync(broker.url, {
      reconnectPeriod: 0,
      will: { topic: topics.status('cart-2'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    const will = nextMessage(watcher);
    gateway.stream.destroy(); // no DISCONNECT: the broker must send the will
    expect(await will).toMatchObject({ topic: topics.status('cart-2'), payload: 'offline' });
    gateway.end(true);
    await watcher.endAsync();
  });

  it('asks the authorizer before publishes and subscriptions', async () => {
    const own = (clientId: string, topic: string) => topic.startsWith(`telecart/v1/gw/${clientId}/`);
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      authorizer: { authorizePublish: (c, t) => own(c.clientId, t), authorizeSubscribe: async (c, t) => own(c.clientId, t) },
    });
    const gw = await mqtt.connectAsync(broker.url, { clientId: 'cart-3', reconnectPeriod: 0 });
    expect((await gw.subscribeAsync(topics.ack('cart-3'), { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    await expect(gw.subscribeAsync(topics.ack('cart-4'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await gw.publishAsync(topics.uplink('cart-3', 'spot'), 'x', { qos: 1 });
    const closed = new Promise<void>((r) => gw.once('close', () => r()));
    gw.publish(topics.uplink('cart-4', 'spot'), 'x', { qos: 1 });
    await closed; // refused publish: MQTT 3.1.1 can only disconnect
    gw.end(true);
  });

  it('sheds connections beyond its connect rate with CONNACK 3 (server unavailable), then admits again', async () => {
    let now = 1_000_000;
    broker = await startEmbeddedBroker({ port: 0, logger, connectRate: { perSecond: 1, burst: 2 }, now: () => now });
    const opts = { reconnectPeriod: 0, connectTimeout: 5000 };
    const a = await mqtt.connectAsync(broker.url, opts);
    const b = await mqtt.connectAsync(broker.url, opts);
    const shed: unknown = await mqtt.connectAsync(broker.url, opts).catch((e: unknown) => e);
    expect(shed).toBeInstanceOf(Error);
    expect(String(shed)).toMatch(/Server unavailable/);
    // The gateways' reconnect policy reads it as a shed (a longer first backoff).
    expect(connectEnd(shed as Error)).toBe('shed');
    expect(broker.shedConnections()).toBe(1);
    // The admitted ones still work while the door is shut.
    await a.publishAsync(topics.status('cart-9'), 'online', { qos: 1 });
    now += 1000; // one more token
    const c = await mqtt.connectAsync(broker.url, opts);
    expect(c.connected).toBe(true);
    for (const x of [a, b, c]) await x.endAsync();
  });

  it('with mutual TLS, closes the connections over its rate before their handshake', async () => {
    const { caPair, server, client } = await tlsMaterial('cart-7');
    let now = 1_000_000;
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      tls: { key: server.keyPem, cert: server.certPem, ca: caPair.certPem },
      connectRate: { perSecond: 1, burst: 1 },
      now: () => now,
    });
    const opts = {
      key: client.keyPem,
      cert: client.certPem,
      ca: caPair.certPem,
      clientId: 'cart-7',
      reconnectPeriod: 0,
      connectTimeout: 5000,
    };
    const a = await mqtt.connectAsync(broker.url, opts);
    const shed: unknown = await mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-8' }).catch((e: unknown) => e);
    expect(shed).toBeInstanceOf(Error);
    // Closed before the handshake: what the gateways' reconnect policy reads as a shed.
    expect(connectEnd(shed as Error)).toBe('shed');
    expect(broker.shedConnections()).toBe(1);
    now += 1000;
    const b = await mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-8' });
    expect(b.connected).toBe(true);
    for (const x of [a, b]) await x.endAsync();
  });

  it('admits the cloud’s own clients on its internal listener while the public one sheds, with the same mutual TLS', async () => {
    const { caPair, server, client: relay } = await tlsMaterial('cloud-relay');
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      tls: { key: server.keyPem, cert: server.certPem, ca: caPair.certPem },
      connectRate: { perSecond: 0.001, burst: 1 },
    });
    expect(broker.internalUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.internalUrl).not.toBe(broker.url);
    const opts = { key: relay.keyPem, cert: relay.certPem, ca: caPair.certPem, reconnectPeriod: 0, connectTimeout: 5000 };
    const gateway = await mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-1' });
    await expect(mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-2' })).rejects.toThrow(/socket|closed|ECONNRESET|disconnect/i);
    const own = await Promise.all(
      ['ingest', 'relay', 'agenda'].map((id) => mqtt.connectAsync(broker?.internalUrl ?? '', { ...opts, clientId: id })),
    );
    expect(own.every((c) => c.connected)).toBe(true);
    // Not a way around authentication: without a certificate the internal listener refuses too.
    await expect(mqtt.connectAsync(broker.internalUrl, { ca: caPair.certPem, reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow();
    for (const c of [gateway, ...own]) await c.endAsync();
  });

  it('with mutual TLS, sheds while maxPending handshakes are unfinished, admits once one ends', async () => {
    const { caPair, server, client } = await tlsMaterial('cart-7');
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      tls: { key: server.keyPem, cert: server.certPem, ca: caPair.certPem },
      connectRate: { perSecond: 1000, burst: 1000, maxPending: 1 },
    });
    // A peer that opens TCP and never says ClientHello holds the one handshake slot.
    const stalled = netConnect(broker.port, '127.0.0.1');
    await new Promise<void>((r) => stalled.once('connect', () => r()));
    const opts = {
      key: client.keyPem,
      cert: client.certPem,
      ca: caPair.certPem,
      clientId: 'cart-7',
      reconnectPeriod: 0,
      connectTimeout: 5000,
    };
    await expect(mqtt.connectAsync(broker.url, opts)).rejects.toThrow(/socket|closed|ECONNRESET|disconnect/i);
    expect(broker.shedConnections()).toBe(1);
    const gone = new Promise<void>((r) => stalled.once('close', () => r()));
    stalled.destroy();
    await gone;
    // The slot is freed when the server sees the close: retry as a gateway would.
    let a: mqtt.MqttClient | undefined;
    for (let i = 0; i < 50 && !a; i++) a = await mqtt.connectAsync(broker.url, opts).catch(() => undefined);
    expect(a?.connected).toBe(true);
    // Its handshake finished: the slot is free again for the next one.
    const b = await mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-8' });
    expect(b.connected).toBe(true);
    for (const x of [a, b]) await x?.endAsync();
  });

  it('with mutual TLS, holds a connection while the handshake slot is taken and admits it when the slot frees, without a retry', async () => {
    const { caPair, server, client } = await tlsMaterial('cart-7');
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      tls: { key: server.keyPem, cert: server.certPem, ca: caPair.certPem },
      connectRate: { perSecond: 1000, burst: 1000, maxPending: 1, maxQueued: 1, maxWaitMs: 60_000 },
    });
    const stalled = netConnect(broker.port, '127.0.0.1');
    await new Promise<void>((r) => stalled.once('connect', () => r()));
    const opts = { key: client.keyPem, cert: client.certPem, ca: caPair.certPem, reconnectPeriod: 0, connectTimeout: 30_000 };
    let attempts = 0;
    const waiting = mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-7' }).finally(() => attempts++);
    await expect.poll(() => broker?.waitingConnections()).toBe(1);
    // The queue is full: the next one is refused before its handshake.
    await expect(mqtt.connectAsync(broker.url, { ...opts, clientId: 'cart-8' })).rejects.toThrow(/socket|closed|ECONNRESET|disconnect/i);
    expect(broker.shedConnections()).toBe(1);
    expect(attempts).toBe(0);
    stalled.destroy();
    const a = await waiting;
    expect(a.connected).toBe(true);
    expect(broker.waitingConnections()).toBe(0);
    expect(broker.shedConnections()).toBe(1);
    await a.endAsync();
  });

  it('refuses a held connection once it waited maxWaitMs', async () => {
    let now = 1_000_000;
    broker = await startEmbeddedBroker({
      port: 0,
      logger,
      connectRate: { perSecond: 0.001, burst: 1, maxQueued: 5, maxWaitMs: 1000 },
      now: () => now,
    });
    const opts = { reconnectPeriod: 0, connectTimeout: 30_000 };
    const a = await mqtt.connectAsync(broker.url, opts);
    const held = mqtt.connectAsync(broker.url, opts);
    await expect.poll(() => broker?.waitingConnections()).toBe(1);
    now += 1001; // no token back in that time at 0.001/s: its wait is over
    const shed: unknown = await held.catch((e: unknown) => e);
    expect(String(shed)).toMatch(/Server unavailable/);
    expect(connectEnd(shed as Error)).toBe('shed');
    expect(broker.shedConnections()).toBe(1);
    expect(broker.waitingConnections()).toBe(0);
    await a.endAsync();
  });

  it('has no limit with connectRate false', async () => {
    broker = await startEmbeddedBroker({ port: 0, logger, connectRate: false });
    const clients = await Promise.all(Array.from({ length: 20 }, () => mqtt.connectAsync(broker!.url, { reconnectPeriod: 0 })));
    expect(broker.shedConnections()).toBe(0);
    for (const x of clients) await x.endAsync();
  });

  it('closes client connections on stop', async () => {
    broker = await startEmbeddedBroker({ port: 0, logger });
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    await broker.stop();
    await closed;
    c.end(true);
  });
});
