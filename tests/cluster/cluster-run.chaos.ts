/**
 * `npm run chaos`, the cluster part: a 3-node RabbitMQ cluster, two cloud instances on one
 * PostgreSQL, four real gateways. CLUSTER_ROUNDS rounds (default 6): each SIGKILLs one node in turn
 * while the gateways record, restarts it (it rejoins the cluster), then checks that every reading is
 * stored exactly once and every backlog is empty. Then a throughput phase: CLUSTER_LOAD_GATEWAYS
 * protocol-level gateways (default 12, spread over the three nodes) send 16-reading batches, 4 in
 * flight each, for CLUSTER_LOAD_S seconds (default 15); the acked readings per second are printed
 * (figures for docs/region.md, not asserted: this is no benchmark harness).
 */

import { expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { type ClusterRig, startClusterRig } from './rig.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROUNDS = Number(process.env.CLUSTER_ROUNDS ?? 6);
const LOAD_GATEWAYS = Number(process.env.CLUSTER_LOAD_GATEWAYS ?? 12);
const LOAD_S = Number(process.env.CLUSTER_LOAD_S ?? 15);
const log = (line: string) => process.stdout.write(`${line}\n`);

async function killRounds(rig: ClusterRig): Promise<void> {
  const nodes = rig.rabbit?.nodes ?? [];
  for (let round = 0; round < ROUNDS; round++) {
    const node = nodes[round % nodes.length];
    if (node === undefined) throw new Error('no node');
    const t0 = performance.now();
    for (let i = 0; i < 15 + ((round * 7) % 20); i++) {
      rig.measureAll();
      await pause(20);
    }
    const killing = node.kill('SIGKILL');
    for (let i = 0; i < 40; i++) {
      rig.measureAll();
      await pause(20);
    }
    await killing;
    const restarting = node.start();
    for (let i = 0; i < 20; i++) {
      rig.measureAll();
      await pause(20);
    }
    await restarting;
    await rig.drained(120_000);
    await pause(500);
    const result = await rig.check();
    const produced = result.reduce((s, g) => s + g.produced, 0);
    const lost = result.reduce((s, g) => s + g.missing.length, 0);
    const twice = result.reduce((s, g) => s + (g.rows - g.distinctSeqs), 0);
    log(
      `cluster round ${round + 1}/${ROUNDS}: ${node.name} killed and restarted; ${produced} readings so far, ` +
        `lost ${lost}, twice ${twice}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const g of result) {
      expect(g.missing, `${g.gatewayId}: readings lost`).toEqual([]);
      expect(g.rows, `${g.gatewayId}: rows stored`).toBe(g.produced);
      expect(g.distinctSeqs, `${g.gatewayId}: distinct seqs`).toBe(g.produced);
    }
  }
}

async function throughput(rig: ClusterRig, label: string): Promise<void> {
  const nodes = rig.brokerUrls;
  const before = await rig.clouds[0]?.store.countObservations({});
  const gws: TestGateway[] = [];
  for (let g = 0; g < LOAD_GATEWAYS; g++) {
    gws.push(await TestGateway.connect(nodes[g % nodes.length] ?? '', `load-${g}`));
  }
  let acked = 0;
  let refused = 0;
  const until = performance.now() + LOAD_S * 1000;
  const t0 = performance.now();
  await Promise.all(
    gws.map(async (gw) => {
      let seq = 1;
      const lane = async () => {
        while (performance.now() < until) {
          const obs = Array.from({ length: 16 }, () => reading('pulse', { seq: seq++, gatewayId: gw.gatewayId }));
          const ack = await gw.send(batchOf(obs));
          acked += obs.length;
          refused += ack.rejected.length;
        }
      };
      await Promise.all([lane(), lane(), lane(), lane()]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const gw of gws) await gw.close();
  const after = await rig.clouds[0]?.store.countObservations({});
  log(
    `${label} throughput: ${LOAD_GATEWAYS} gateways over ${nodes.length} node(s), ${rig.clouds.length} cloud instance(s): ${acked} readings acked in ` +
      `${seconds.toFixed(1)} s = ${Math.round(acked / seconds)} readings/s (${refused} refused, ${Number(after) - Number(before)} stored)`,
  );
  for (const [i, c] of rig.clouds.entries()) {
    const m = c.ingest.metrics();
    log(
      `  instance ${i}: batches ${m.batchesReceived}, stored ${m.observationsStored}, duplicates ${m.duplicates}, ` +
        `store retries ${m.storeRetries}, store errors ${m.storeErrors}`,
    );
  }
}

it('broker nodes SIGKILLed in turn: nothing lost, nothing twice; then the throughput through the cluster', {
  timeout: 30 * 60_000,
}, async () => {
  const loadGateways = Array.from({ length: LOAD_GATEWAYS }, (_, g) => `load-${g}`);
  const rig = await startClusterRig({ nodes: 3, clouds: 2, gateways: 4, loadGateways });
  log(`cluster rig started in (ms): ${JSON.stringify(rig.startMs)}`);
  try {
    await killRounds(rig);
    await throughput(rig, 'RabbitMQ cluster');
  } finally {
    await rig.stop();
  }
  // The same load on one Mosquitto and the same two instances: what the cluster costs.
  if (process.env.CLUSTER_COMPARE === '0') return;
  const single = await startClusterRig({ nodes: 1, clouds: 2, gateways: 1, loadGateways, broker: 'mosquitto' });
  try {
    await throughput(single, 'one Mosquitto');
  } finally {
    await single.stop();
  }
});
