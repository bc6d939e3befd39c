/**
 * The cloud's own MQTT clients (ingest, relay, publishers) reach the embedded broker on its internal
 * listener, outside the connect rate that sheds gateways: a cloud restarting into a reconnect storm
 * must start, and store what the gateways it admits send. Before the internal listener, the cloud's
 * own connections were shed like a gateway's and the start failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from './cloud.js';
import { batchOf, reading } from './testing/observations.js';
import { TestGateway } from './testing/test-gateway.js';

describe('the cloud under its own connect rate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-rate-'));
  let cloud: Cloud | undefined;
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts although the broker admits one gateway connection, and stores that gateway’s readings; the next gateway is shed', async () => {
    // One token, refilled once in ~17 minutes: the five clients of the cloud itself would exhaust it.
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      brokerConnectRate: { perSecond: 0.001, burst: 1 },
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', gateways: ['cart-1'] }],
    });
    const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-1');
    const ack = await gw.send(batchOf([reading('pulse', { seq: 1, at: '2026-12-01T08:00:00Z', value: 72 })]));
    expect(ack.stored).toEqual([[1, 1]]);
    expect(ack.rejected).toEqual([]);
    await expect(mqtt.connectAsync(cloud.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow(/Server unavailable/);
    await gw.close();
  });
});
