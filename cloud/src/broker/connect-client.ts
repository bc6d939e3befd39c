/**
 * The MQTT client of a cloud service that publishes to the carts (agenda, patient lists, nurses):
 * one way to connect, to a broker or a cluster's node list (protocol/broker-urls.ts), resolved once
 * connected; later errors are logged, mqtt.js reconnects.
 */
import { randomBytes } from 'node:crypto';
import { brokerConnectArgs } from '@telecart/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface CloudClientOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'> | undefined;
  /** Client id prefix, e.g. 'telecart-agenda' (a random suffix is added). */
  clientIdPrefix: string;
  logger: Logger;
  /** Names the service in its log lines, e.g. 'agenda'. */
  what: string;
}

export async function connectCloudClient(o: CloudClientOptions): Promise<MqttClient> {
  const target = brokerConnectArgs(o.brokerUrl);
  const client = mqtt.connect(target.url, {
    ...(target.servers ? { servers: target.servers } : {}),
    ...o.mqttOptions,
    clientId: `${o.clientIdPrefix}-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: o.mqttOptions?.reconnectPeriod ?? 1000,
  });
  client.on('error', (e) => o.logger.warn({ err: e }, `${o.what}: MQTT error`));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}
