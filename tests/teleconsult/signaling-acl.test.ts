/**
 * The signaling topics under mutual TLS (embedded broker): the relay connects with its own
 * certificate (CN telecart-cloud:signaling); gateway B cannot publish a call or signaling on A's
 * rtc/up (refused, disconnected, nothing reaches the relay) nor read A's rtc/down; A can.
 */
import { randomUUID } from 'node:crypto';
import { credentialPaths, enrollGateway, loadGatewayCredentials } from '@telecart/gateway';
import { topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConsultCloud, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
const creds: Record<string, { key: string; cert: string; ca: string }> = {};

beforeAll(async () => {
  c = await startConsultCloud({ tls: { enabled: true, enrollPort: 0 } });
  for (const id of ['cart-a', 'cart-b']) {
    const t = c.cloud.security!.createToken(id, 60_000);
    const paths = credentialPaths(`${c.dir}/${id}`);
    await enrollGateway({
      url: c.cloud.enrollUrl!,
      token: t.token,
      caFingerprint: c.cloud.security!.caFingerprint(),
      gatewayId: id,
      paths,
    });
    creds[id] = loadGatewayCredentials(paths, id);
  }
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

it('the relay is connected over mutual TLS with its own identity; A calls, B cannot speak or listen as A', async () => {
  expect(c.cloud.teleconsult.relay.isConnected()).toBe(true);
  const a = await TestCart.connect(c.cloud.mqttUrl, 'cart-a', creds['cart-a']);
  const sid = randomUUID();
  await a.call(sid);
  await a.status(sid, 'waiting');

  const b = await mqtt.connectAsync(c.cloud.mqttUrl, { ...creds['cart-b'], clientId: 'cart-b', reconnectPeriod: 0 });
  await expect(b.subscribeAsync(topics.rtcDown('cart-a'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
  await expect(b.subscribeAsync('telecart/v1/gw/+/rtc/up', { qos: 1 })).rejects.toThrow(/Subscribe error/);
  const gone = new Promise<void>((resolve) => b.once('close', () => resolve()));
  b.publish(topics.rtcUp('cart-a'), JSON.stringify({ v: 1, type: 'call-cancel', sessionId: sid }), { qos: 1 });
  await gone;
  // B's own topic works.
  const bOwn = await TestCart.connect(c.cloud.mqttUrl, 'cart-b', creds['cart-b']);
  const sidB = randomUUID();
  await bOwn.call(sidB);
  await bOwn.status(sidB, 'waiting');
  // A's act was not touched by B's attempt.
  await c.cloud.teleconsult.relay.flush();
  expect((await c.cloud.store.getTeleconsultation(sid))?.status).toBe('waiting');
  expect(c.cloud.teleconsult.relay.metrics().malformed.mqtt['wrong-gateway']).toBe(0);
  await Promise.all([a.close(), bOwn.close()]);
});
