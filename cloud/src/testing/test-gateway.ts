/**
 * A minimal gateway for tests: a real mqtt.js client that publishes batches (or any bytes)
 * on uplink topics and collects the acks the cloud sends back.
 */
import { type BatchAck, decodeAck, encodePayload, type GatewayStatus, type Lane, type ObservationBatch, topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';

export class TestGateway {
  readonly acks: BatchAck[] = [];
  private waiters: { batchId: string; resolve: (a: BatchAck) => void }[] = [];

  private constructor(
    readonly gatewayId: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (_topic, payload) => {
      const r = decodeAck(payload);
      if (!r.ok) throw new Error(`cloud sent an invalid ack: ${r.error}`);
      this.acks.push(r.value);
      for (const w of this.waiters.filter((x) => x.batchId === r.value.batchId)) w.resolve(r.value);
      this.waiters = this.waiters.filter((x) => x.batchId !== r.value.batchId);
    });
  }

  static async connect(brokerUrl: string, gatewayId: string): Promise<TestGateway> {
    const client = await mqtt.connectAsync(brokerUrl, {
      clientId: `test-${gatewayId}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 0,
    });
    const gw = new TestGateway(gatewayId, client);
    await client.subscribeAsync(topics.ack(gatewayId), { qos: 1 });
    return gw;
  }

  /** Resolves with the ack of `batchId` (already received or still to come). */
  ackFor(batchId: string): Promise<BatchAck> {
    const have = this.acks.find((a) => a.batchId === batchId);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ batchId, resolve }));
  }

  async publishRaw(lane: Lane, payload: Buffer | string, gatewayId = this.gatewayId): Promise<void> {
    await this.client.publishAsync(topics.uplink(gatewayId, lane), payload, { qos: 1 });
  }

  /** Publishes this gateway's status (QoS 1, retained, as a gateway does on connecting). */
  async publishStatus(status: GatewayStatus): Promise<void> {
    await this.client.publishAsync(topics.status(this.gatewayId), encodePayload(status), { qos: 1, retain: true });
  }

  /** Publishes the batch and waits for its ack. */
  async send(batch: ObservationBatch): Promise<BatchAck> {
    const ack = this.ackFor(batch.batchId);
    await this.publishRaw(batch.lane, encodePayload(batch));
    return ack;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
