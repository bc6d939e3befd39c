/**
 * protocol's endMqttClient with the real mqtt.js client (protocol itself does not depend on mqtt),
 * against a loopback server that speaks just enough MQTT 3.1.1 to play a broker that acknowledges,
 * one that never does, and one that drops the connection with a publish in flight.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { endMqttClient } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';

type Behaviour = 'ack' | 'ignore' | 'drop';
interface FakeBroker {
  url: string;
  /** Packet types received, by name, in order. */
  received: string[];
  closed: Promise<void>;
  server: Server;
}

const TYPES: Record<number, string> = { 1: 'connect', 3: 'publish', 12: 'pingreq', 14: 'disconnect' };

async function fakeBroker(behaviour: Behaviour): Promise<FakeBroker> {
  const received: string[] = [];
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => {
    closedResolve = r;
  });
  let first = true;
  const server = createServer((socket: Socket) => {
    if (!first) return void socket.destroy(); // one session: a reconnection is refused
    first = false;
    socket.on('close', () => closedResolve());
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        // Fixed header: type, then the remaining length as a base-128 varint.
        let len = 0;
        let mul = 1;
        let i = 1;
        for (; i < buf.length; i++) {
          const b = buf[i] as number;
          len += (b & 0x7f) * mul;
          mul *= 128;
          if ((b & 0x80) === 0) break;
        }
        if (i >= buf.length || buf.length < i + 1 + len) return;
        const type = (buf[0] as number) >> 4;
        const body = buf.subarray(i + 1, i + 1 + len);
        buf = buf.subarray(i + 1 + len);
        received.push(TYPES[type] ?? `type-${type}`);
        if (type === 1) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        if (type === 12) socket.write(Buffer.from([0xd0, 0x00]));
        if (type === 3) {
          const topicLen = body.readUInt16BE(0);
          const packetId = body.subarray(2 + topicLen, 4 + topicLen);
          if (behaviour === 'ack') socket.write(Buffer.concat([Buffer.from([0x40, 0x02]), packetId]));
          if (behaviour === 'drop') socket.destroy();
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return { url: `mqtt://127.0.0.1:${port}`, received, closed, server };
}

const open: { client: MqttClient; broker: FakeBroker }[] = [];
afterEach(async () => {
  for (const { client, broker } of open.splice(0)) {
    client.end(true);
    await new Promise<void>((r) => broker.server.close(() => r()));
  }
});

async function connected(behaviour: Behaviour): Promise<{ client: MqttClient; broker: FakeBroker }> {
  const broker = await fakeBroker(behaviour);
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 100, clean: false, clientId: 'c1' });
  client.on('error', () => undefined);
  const pair = { client, broker };
  open.push(pair);
  return pair;
}

it('acknowledged publishes: ends with a DISCONNECT, so the broker drops the will', async () => {
  const { client, broker } = await connected('ack');
  await client.publishAsync('t', 'x', { qos: 1 });
  await endMqttClient(client, 60_000);
  await broker.closed;
  expect(broker.received).toEqual(['connect', 'publish', 'disconnect']);
});

it('waits for a publish in flight to be acknowledged before disconnecting', async () => {
  const { client, broker } = await connected('ack');
  const acked = client.publishAsync('t', 'x', { qos: 1 });
  await endMqttClient(client, 60_000);
  await expect(acked).resolves.toBeDefined();
  expect(broker.received.at(-1)).toBe('disconnect');
});

it('a broker that never acknowledges: gives up after the grace and closes the connection', async () => {
  const { client, broker } = await connected('ignore');
  client.publish('t', 'x', { qos: 1 });
  await endMqttClient(client, 200);
  await broker.closed;
  expect(client.connected).toBe(false);
  // Not a clean DISCONNECT: the publish was not acknowledged, so the session keeps it for the next start.
  expect(broker.received).toEqual(['connect', 'publish']);
});

it('a connection lost with a publish in flight: ends at once, where mqtt.js’s own end() waits forever', async () => {
  const { client, broker } = await connected('drop');
  client.publish('t', 'x', { qos: 1 });
  await broker.closed;
  await new Promise<void>((r) => (client.connected ? client.once('offline', () => r()) : r()));
  expect(Object.keys(client.outgoing)).toHaveLength(1);
  // Long grace: only waiting on the outgoing publish could make this slow, and it does not wait.
  await endMqttClient(client, 60_000);
  expect(client.connected).toBe(false);
});
