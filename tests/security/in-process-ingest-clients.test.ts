/**
 * An outside check of the in-process ingest (docs/region.md, « The ingest in the broker's process »):
 * Mosquitto's own command-line clients (`mosquitto_pub`, `mosquitto_sub`, Debian's mosquitto-clients)
 * speak to the cloud's embedded broker over mutual TLS with an enrolled gateway's certificate; the
 * batch they publish is acked by the ingest in the broker's process, and the `sqlite3` command reads
 * the stored rows from the cloud's database file. A batch of a patient the cart does not serve is
 * refused in its ack and stored nowhere. In this layout the cloud issues no client certificate for
 * its ingest (it has no MQTT connection); the ingest over MQTT still gets one.
 *
 * The gateway's client id must be its certificate's CN, so the subscriber and the publisher take
 * turns on one persistent session (`-c`): the subscription is made first, the publisher connects and
 * leaves, and the ack waits in the session for the next subscriber. The store's commits are held
 * while the publisher is connected, so the ack cannot reach the publisher (which would take it).
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLOUD_DB_FILE, type Cloud, startCloud } from '@telecart/cloud';
import { credentialPaths } from '@telecart/gateway';
import { type BatchAck, encodePayload, type ObservationBatch, topics } from '@telecart/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { enrollWith, quiet, servedPatients, tempDir } from './support.js';

const run = promisify(execFile);
const GW = 'cart-outside';
const dir = tempDir('telecart-outside-ingest-');
let cloud: Cloud;
/** Resolved while the store may commit; replaced by a pending one while a publisher is connected. */
let commitsMay: Promise<void> = Promise.resolve();

/** The broker's address and the gateway's TLS files, as mosquitto's clients take them. */
function clientArgs(): string[] {
  const url = new URL(cloud.mqttUrl);
  const p = credentialPaths(join(dir.path, GW));
  return ['-h', url.hostname, '-p', url.port, '--cafile', p.ca, '--cert', p.cert, '--key', p.key, '-i', GW, '-c', '-q', '1'];
}

/** Publishes `batch` with mosquitto_pub, the store's commits held until the publisher has left. */
async function publishWhileHeld(batch: ObservationBatch, name: string): Promise<void> {
  let release: () => void = () => undefined;
  commitsMay = new Promise<void>((r) => {
    release = r;
  });
  const file = join(dir.path, `${name}.json`);
  writeFileSync(file, encodePayload(batch));
  try {
    await run('mosquitto_pub', [...clientArgs(), '-t', topics.uplink(GW, batch.lane), '-f', file], { timeout: 20_000 });
  } finally {
    release();
  }
}

/** The next message of the gateway's ack topic, read with mosquitto_sub from its persistent session. */
async function nextAck(): Promise<BatchAck> {
  const { stdout } = await run('mosquitto_sub', [...clientArgs(), '-t', topics.ack(GW), '-C', '1', '-W', '20'], { timeout: 25_000 });
  return JSON.parse(stdout) as BatchAck;
}

/** Rows of the cloud's database, read by the sqlite3 command (its own connection to the file). */
async function sqlite(query: string): Promise<string[][]> {
  const { stdout } = await run('sqlite3', ['-readonly', '-separator', '|', join(dir.path, CLOUD_DB_FILE), query], { timeout: 20_000 });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
}

beforeAll(async () => {
  cloud = await startCloud({
    dataDir: dir.path,
    mqttPort: 0,
    httpPort: 0,
    tls: { enabled: true, enrollPort: 0 },
    // p-001 (the builders' patient) is served by this cart; home-1 by another one.
    patients: servedPatients(['gw-home'], [GW]),
    logger: quiet(),
  });
  const store = cloud.store;
  const storeIntake = store.storeIntake.bind(store);
  store.storeIntake = async (batches, statuses) => {
    await commitsMay;
    return storeIntake(batches, statuses);
  };
  await enrollWith(cloud, dir.path, GW);
  // The session's subscription, made once: acks published while no client holds the session wait in it.
  await run('mosquitto_sub', [...clientArgs(), '-t', topics.ack(GW), '-E'], { timeout: 20_000 });
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
  dir.remove();
});

describe('the in-process ingest seen from outside', () => {
  it('a batch from mosquitto_pub is acked to mosquitto_sub and its rows are read back by sqlite3', async () => {
    const batch = batchOf([1, 2, 3].map((seq) => reading('pulse', { seq, gatewayId: GW, value: 60 + seq })));
    await publishWhileHeld(batch, 'served');
    const ack = await nextAck();
    expect(ack).toMatchObject({ batchId: batch.batchId, gatewayId: GW, stored: [[1, 3]], duplicates: 0, rejected: [] });
    const rows = await sqlite(`SELECT id, seq, patient_id FROM observations WHERE gateway_id = '${GW}' ORDER BY seq`);
    expect(rows).toEqual(batch.observations.map((o) => [o.id, String(o.seq), 'p-001']));
  });

  it('a batch of a patient the cart does not serve is refused in its ack and stored nowhere', async () => {
    const batch = batchOf([reading('pulse', { seq: 4, gatewayId: GW, patientId: 'home-1' })]);
    await publishWhileHeld(batch, 'not-served');
    const ack = await nextAck();
    expect(ack.batchId).toBe(batch.batchId);
    expect(ack.stored).toEqual([]);
    expect(ack.rejected).toEqual([{ seq: 4, reason: expect.stringMatching(/^patient-not-served: /) }]);
    expect(await sqlite(`SELECT seq FROM observations WHERE gateway_id = '${GW}' ORDER BY seq`)).toEqual([['1'], ['2'], ['3']]);
    expect(await sqlite(`SELECT count(*) FROM observations WHERE id = '${batch.observations[0]?.id}'`)).toEqual([['0']]);
  });

  it('no client certificate is issued for the in-process ingest; the ingest over MQTT still gets one', async () => {
    const security = join(dir.path, 'security');
    expect(existsSync(join(security, 'server.crt'))).toBe(true);
    expect(existsSync(join(security, 'ingest-0.crt'))).toBe(false);
    const other = tempDir('telecart-outside-ingest-mqtt-');
    const overMqtt = await startCloud({
      dataDir: other.path,
      mqttPort: 0,
      httpPort: 0,
      tls: { enabled: true, enrollPort: 0 },
      embeddedIngest: 'mqtt',
      patients: servedPatients([], [GW]),
      logger: quiet(),
    });
    try {
      expect(existsSync(join(other.path, 'security', 'ingest-0.crt'))).toBe(true);
    } finally {
      await overMqtt.stop();
      other.remove();
    }
  });
});
