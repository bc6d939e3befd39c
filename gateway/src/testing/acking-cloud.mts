/**
 * Test-only: a real MQTT broker (aedes on a loopback port) and a minimal "acking cloud" that
 * stores observations by id (idempotently) and answers each batch with a BatchAck, as the real
 * cloud does. `.mts` keeps this file out of the gateway build (its tsconfig includes
 * src/**\/*.ts), because aedes is a cloud dependency, not a gateway one.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  type BatchAck,
  decodeBatch,
  encodePayload,
  type Observation,
  type ObservationBatch,
  topics,
  toSeqRanges,
} from '@telecart/protocol';
import { Aedes } from 'aedes';
import { connect, type MqttClient } from 'mqtt';

export interface TestBroker {
  url: string;
  port: number;
  /** Cuts one client's connection without a DISCONNECT (its last will is published). */
  dropClient(clientId: string): void;
  stop(): Promise<void>;
}

/** An aedes broker on 127.0.0.1 (port 0 = any free port). stop() drops every client abruptly. */
export async function startBroker(port = 0): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const byClient = new Map<string, net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    const client = broker.handle(s);
    client.on('connected', () => byClient.set(client.id, s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    dropClient(clientId) {
      byClient.get(clientId)?.destroy();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

export interface AckingCloudEvents {
  batch: [ObservationBatch];
}

export class AckingCloud extends EventEmitter<AckingCloudEvents> {
  /** Observations by id: a redelivered one is counted in `duplicates`, not stored twice. */
  readonly stored = new Map<string, Observation>();
  duplicates = 0;
  batches = 0;
  acksSent = 0;
  malformedBatches = 0;
  /** When false, batches are received and stored but never acked (a cloud that is down behind the broker). */
  acking = true;
  /** Returns a reason to reject an observation instead of storing it. */
  reject: (o: Observation) => string | undefined = () => undefined;

  private constructor(private readonly client: MqttClient) {
    super();
  }

  static async start(url: string): Promise<AckingCloud> {
    const client = connect(url, { clientId: `test-cloud-${process.pid}-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 50 });
    const cloud = new AckingCloud(client);
    client.on('connect', () => client.subscribe(topics.allUplinks(), { qos: 1 }));
    client.on('message', (_topic, payload) => cloud.onBatch(payload));
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(topics.allUplinks(), { qos: 1 });
    return cloud;
  }

  /** Publishes anything on any topic (malformed acks, acks for other gateways…). */
  async publishRaw(topic: string, payload: string | Buffer): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async stop(): Promise<void> {
    await this.client.endAsync(true);
  }

  private onBatch(payload: Buffer): void {
    const decoded = decodeBatch(payload);
    if (!decoded.ok) {
      this.malformedBatches++;
      return;
    }
    const batch = decoded.value;
    this.batches++;
    const stored: number[] = [];
    const rejected: BatchAck['rejected'] = [];
    let duplicates = 0;
    for (const o of batch.observations) {
      const reason = this.reject(o);
      if (reason !== undefined) {
        rejected.push({ seq: o.seq, reason });
        continue;
      }
      if (this.stored.has(o.id)) duplicates++;
      else this.stored.set(o.id, o);
      stored.push(o.seq);
    }
    this.duplicates += duplicates;
    this.emit('batch', batch);
    if (!this.acking) return;
    const ack: BatchAck = {
      v: 1,
      batchId: batch.batchId,
      gatewayId: batch.gatewayId,
      stored: toSeqRanges(stored),
      duplicates,
      rejected,
      storedAt: new Date().toISOString(),
    };
    this.acksSent++;
    this.client.publish(topics.ack(batch.gatewayId), encodePayload(ack), { qos: 1 });
  }
}
