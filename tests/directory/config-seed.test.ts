/**
 * A patient from the configuration that the directory then moved stays where the directory put it
 * across a cloud restart: the configuration's `gateways` no longer re-seeds it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, type StartCloudOptions, startCloud } from '@telecart/cloud';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'telecart-config-seed-'));
let cloud: Cloud | undefined;
afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const options: StartCloudOptions = {
  dataDir: dir,
  mqttPort: 0,
  httpPort: 0,
  logger: pino({ level: 'silent' }),
  patients: [
    { id: 'p-cfg', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-1'], localId: 'r12' },
    { id: 'p-other', family: 'Durand', given: 'Paul', gateways: ['cart-1'] },
  ],
};

it('a restart keeps a directory transfer of a configured patient; other configured patients are seeded as before', async () => {
  cloud = await startCloud(options);
  expect(await cloud.store.patientGateways('p-cfg')).toEqual(['cart-1']);
  const r = await cloud.store.admitPatient({
    patientId: 'p-cfg',
    gatewayId: 'cart-2',
    siteId: null,
    localId: 'r12',
    by: 'dr-roux',
    at: new Date().toISOString(),
  });
  expect(r.ok).toBe(true);
  await cloud.stop();
  cloud = await startCloud(options);
  expect(await cloud.store.patientGateways('p-cfg')).toEqual(['cart-2']);
  expect(await cloud.store.servedPatients('cart-2', ['r12'])).toEqual(new Map([['r12', 'p-cfg']]));
  expect(await cloud.store.patientGateways('p-other')).toEqual(['cart-1']);
});
