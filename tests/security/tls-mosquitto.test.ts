/**
 * The same security model on a real Mosquitto: mutual TLS with certificates from the cloud CA,
 * CN as username and client id, the generated pattern ACL, the CRL. The cloud's ingest (its own
 * client certificate) and an enrolled gateway talk MQTT 5 through it.
 */
import {
  type Cloud,
  ingestCommonName,
  mosquittoListenerConfig,
  SIGNALING_SERVICES,
  serverHostnames,
  signalingCommonName,
  startCloud,
} from '@telecart/cloud';
import { CloudSecurity } from '@telecart/cloud/security';
import type { GatewayCredentials } from '@telecart/gateway';
import { encodePayload, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Mosquitto, startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { waitFor } from '../support/wait.js';
import { enrollWith, type HomeGateway, homeGateway, quiet, refused, servedPatients, tempDir } from './support.js';

const dir = tempDir();
const secDir = `${dir.path}/security`;
let mosquitto: Mosquitto;
let cloud: Cloud;
let gwA: HomeGateway;
const creds: Record<string, GatewayCredentials> = {};

beforeAll(async () => {
  // The operator's steps: the cloud CA exists, Mosquitto gets its files, the cloud points at it.
  const sec = await CloudSecurity.open({ dir: secDir, hostnames: serverHostnames('127.0.0.1') });
  await sec.ingestCredentials(0);
  // Two cloud instances share this Mosquitto: the unnamed one, and one named 'b' (tls.instance).
  const files = sec.writeMosquittoFiles(`${dir.path}/mosquitto`, 1, [undefined, 'b']);
  sec.close();
  mosquitto = await startMosquitto({ tlsListener: (port, host) => mosquittoListenerConfig(files, port, host) });
  cloud = await startCloud({
    dataDir: dir.path,
    externalBrokerUrl: mosquitto.url,
    mqttVersion: 5,
    httpPort: 0,
    tls: { enabled: true, dir: secDir, enrollPort: 0 },
    patients: servedPatients(['gw-a'], ['gw-b']),
    logger: quiet(),
  });
  for (const id of ['gw-a', 'gw-b']) creds[id] = await enrollWith(cloud, dir.path, id);
  gwA = await homeGateway({ gatewayId: 'gw-a', cloudUrl: mosquitto.url, dataDir: `${dir.path}/gw-a`, mqttVersion: 5 });
  await waitFor(() => gwA.gateway.sync.connected, { what: 'A to connect to Mosquitto over mutual TLS' });
}, 60_000);

afterAll(async () => {
  await gwA?.stop();
  await cloud?.stop();
  await mosquitto?.stop();
  dir.remove();
});

it('each connection of each cloud instance has its own identity: none takes another one’s session over', async () => {
  // Mosquitto makes the CN the client id: connections sharing a certificate would replace each other in a loop.
  const second = await startCloud({
    dataDir: `${dir.path}/instance-b`,
    externalBrokerUrl: mosquitto.url,
    mqttVersion: 5,
    httpPort: 0,
    tls: { enabled: true, dir: secDir, enrollPort: 0, instance: 'b' },
    patients: servedPatients(['gw-a'], ['gw-b']),
    logger: quiet(),
  });
  try {
    const names = [
      ...SIGNALING_SERVICES.flatMap((s) => [signalingCommonName(s), signalingCommonName(s, 'b')]),
      ingestCommonName(0),
      ingestCommonName(0, 'b'),
    ];
    for (const name of names) await waitFor(() => mosquitto.log().includes(` as ${name} `), { what: `${name} connected` });
    await new Promise((r) => setTimeout(r, 1500));
    expect(mosquitto.log()).not.toMatch(/already connected, closing old connection/);
  } finally {
    await second.stop();
  }
});

it('an enrolled gateway syncs through Mosquitto; B can neither publish as A nor read its acks', async () => {
  gwA.measure(3);
  await waitFor(async () => (await cloud.store.countObservations({})) === 3 && gwA.gateway.store.stats().pending === 0, {
    what: 'A readings stored and acked',
  });

  const b = await mqtt.connectAsync(mosquitto.url, { ...creds['gw-b']!, protocolVersion: 5, reconnectPeriod: 0, clientId: 'ignored' });
  const seen: string[] = [];
  b.on('message', (t) => seen.push(t));
  await b.subscribeAsync([topics.ack('gw-a'), topics.command('gw-a'), 'telecart/#'], { qos: 1 });
  await expect(
    b.publishAsync(topics.uplink('gw-a', 'spot'), encodePayload(batchOf([reading('pulse', { seq: 7000, gatewayId: 'gw-a' })])), { qos: 1 }),
  ).rejects.toThrow(/Not authorized/);
  // A's next batch and its ack flow while B listens on everything it could name.
  gwA.measure(1);
  await waitFor(async () => (await cloud.store.countObservations({})) === 4 && gwA.gateway.store.stats().pending === 0, {
    what: 'A again',
  });
  await new Promise((r) => setTimeout(r, 200));
  // B may read its own retained agenda (its own subtree), nothing of A's.
  expect(seen.filter((t) => !t.startsWith('telecart/v1/gw/gw-b/'))).toEqual([]);
  // B's own uplink works, with its ack.
  const batch = batchOf([reading('pulse', { seq: 1, gatewayId: 'gw-b' })]);
  await b.subscribeAsync(topics.ack('gw-b'), { qos: 1 });
  await b.publishAsync(topics.uplink('gw-b', 'spot'), encodePayload(batch), { qos: 1 });
  await waitFor(() => seen.includes(topics.ack('gw-b')), { what: "B's ack" });
  await b.endAsync();
});

it('refuses clients without a certificate; a 5 MB publish is dropped by the ingest and good traffic continues', async () => {
  expect(await refused(mosquitto.url, { ca: creds['gw-a']!.ca, protocolVersion: 5 })).toBeTruthy();
  const b = await mqtt.connectAsync(mosquitto.url, { ...creds['gw-b']!, protocolVersion: 5, reconnectPeriod: 0 });
  await b.publishAsync(topics.uplink('gw-b', 'spot'), Buffer.alloc(5 * 1024 * 1024, 0x7b), { qos: 1 });
  await b.publishAsync(topics.uplink('gw-b', 'spot'), Buffer.from([0xff, 0x00, 0x13]), { qos: 1 });
  await b.endAsync();
  await waitFor(() => cloud.ingest.metrics().malformed.oversize === 1 && cloud.ingest.metrics().malformedTotal === 2, {
    what: 'both dropped',
  });
  const n = await cloud.store.countObservations({});
  gwA.measure(1);
  await waitFor(async () => (await cloud.store.countObservations({})) === n + 1, { what: 'A still syncing' });
});

it('revocation: the CRL refuses the reconnection, the ACL silences the open session', async () => {
  await cloud.security!.revoke('gw-a');
  cloud.security!.writeMosquittoFiles(`${dir.path}/mosquitto`, 1);
  await mosquitto.reload();
  expect(await refused(mosquitto.url, { ...creds['gw-a']!, clientId: 'gw-a', protocolVersion: 5 })).toMatch(/revoked|closed|alert/i);
  // Mosquitto keeps the open TLS session, but every topic is now denied to gw-a.
  const n = await cloud.store.countObservations({});
  gwA.measure(1);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await cloud.store.countObservations({})).toBe(n);
  expect(gwA.gateway.store.stats().pending).toBe(1);
});
