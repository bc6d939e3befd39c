/**
 * `telecart cloud --broker … --ingest-workers 3` (the built CLI) on a real Mosquitto: several
 * gateways send many batches; the three worker processes split them through the shared
 * subscription, every reading is stored exactly once, and more than one worker did work.
 * Needs the build (npx tsc -b): the workers are forked from cli/dist/main.js.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startChild, stopChildren } from '../../cli/src/runtime/children.js';
import { startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { waitFor } from '../support/wait.js';
import { tempDir } from './support.js';

const MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

interface IngestMetricsBody {
  observationsStored: number;
  duplicates: number;
  batchesAcked: number;
  observationsInStore: number;
  workers: { index: number; pid: number; connected: boolean; batchesReceived: number; observationsStored: number }[];
}

it('3 ingest workers share the uplinks: each reading stored once, load spread', { timeout: 90_000 }, async () => {
  const dir = tempDir();
  const mosquitto = await startMosquitto();
  // The readings' patient (the builders' p-001), served by the four test carts: the cloud stores assigned patients only.
  const config = `${dir.path}/cloud.yaml`;
  writeFileSync(config, 'patients: [{ id: p-001, family: MARTIN, given: Jeanne, gateways: [cart-0, cart-1, cart-2, cart-3] }]\n');
  const cloud = await startChild(
    'cloud',
    [
      'cloud',
      '--config',
      config,
      '--broker',
      mosquitto.url,
      '--ingest-workers',
      '3',
      '--mqtt-version',
      '5',
      '--data-dir',
      dir.path,
      '--http-port',
      '0',
    ],
    { logFile: `${dir.path}/cloud.log`, main: MAIN, timeoutMs: 60_000 },
  );
  const gateways: TestGateway[] = [];
  try {
    const httpUrl = String(cloud.info.httpUrl);
    const metrics = async () => (await (await fetch(`${httpUrl}/api/metrics/ingest`)).json()) as IngestMetricsBody;
    expect((await metrics()).workers.map((w) => w.connected)).toEqual([true, true, true]);

    const GATEWAYS = 4;
    const BATCHES = 25;
    const PER_BATCH = 4;
    for (let g = 0; g < GATEWAYS; g++) gateways.push(await TestGateway.connect(mosquitto.url, `cart-${g}`));
    await Promise.all(
      gateways.map(async (gw) => {
        let seq = 1;
        const sends: Promise<unknown>[] = [];
        for (let b = 0; b < BATCHES; b++) {
          const obs = Array.from({ length: PER_BATCH }, () => reading('pulse', { seq: seq++, gatewayId: gw.gatewayId }));
          sends.push(gw.send(batchOf(obs)));
        }
        await Promise.all(sends);
      }),
    );
    const total = GATEWAYS * BATCHES * PER_BATCH;
    const m = await waitFor(
      async () => {
        const x = await metrics();
        return x.observationsStored === total && x.workers.reduce((s, w) => s + w.observationsStored, 0) === total ? x : null;
      },
      { what: 'the workers to report every reading' },
    );
    expect(m.observationsInStore).toBe(total);
    expect(m.duplicates).toBe(0);
    const busy = m.workers.filter((w) => w.batchesReceived > 0);
    expect(busy.length).toBeGreaterThan(1);
    expect(m.workers.reduce((s, w) => s + w.batchesReceived, 0)).toBe(GATEWAYS * BATCHES);
    expect(new Set(m.workers.map((w) => w.pid)).size).toBe(3);
  } finally {
    for (const g of gateways) await g.close();
    await stopChildren([cloud]);
    await mosquitto.stop();
    dir.remove();
  }
});
