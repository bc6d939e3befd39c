import mqtt from 'mqtt';
import { expect, test } from 'vitest';
import { startMosquitto } from './mosquitto.js';

test('mosquitto', async () => {
  const m = await startMosquitto();
  const c = await mqtt.connectAsync(m.url, { protocolVersion: 5 });
  await c.publishAsync('a/b', 'x', { qos: 1 });
  await c.endAsync();
  await m.restart();
  const c2 = await mqtt.connectAsync(m.url, { protocolVersion: 4 });
  await c2.endAsync();
  await m.stop();
  expect(m.pid()).toBe(null);
});
