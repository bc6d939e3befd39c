/**
 * Beyond one machine: a 3-node RabbitMQ cluster, two cloud instances on one PostgreSQL, three real
 * gateways (gateway i starts at node i, every client has the whole broker list). Node 1 is SIGKILLed
 * while the gateways keep recording: the clients on it move to another node, and at the end every
 * reading is in the store exactly once and every gateway's backlog is empty. The long version, with
 * every node killed in turn and restarted, is tests/cluster/cluster-run.chaos.ts (`npm run chaos`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ClusterRig, startClusterRig } from './rig.js';

let rig: ClusterRig | undefined;

beforeAll(async () => {
  rig = await startClusterRig({ nodes: 3, clouds: 2, gateways: 3 });
  console.info('cluster rig started in (ms):', rig.startMs);
}, 180_000);

afterAll(async () => {
  await rig?.stop();
}, 150_000);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a broker node SIGKILLed mid-run: nothing lost, nothing twice, backlogs drained', { timeout: 180_000 }, async () => {
  const r = rig as ClusterRig;
  // Before the fault: everything flows through the cluster.
  for (let i = 0; i < 20; i++) {
    r.measureAll();
    await pause(20);
  }
  const killed = r.rabbit?.nodes[0];
  if (killed === undefined) throw new Error('no node');
  const killing = killed.kill('SIGKILL');
  // Readings go on being recorded while the node dies and its clients find another one.
  for (let i = 0; i < 40; i++) {
    r.measureAll();
    await pause(20);
  }
  await killing;
  expect(killed.pid()).toBeNull();
  await r.drained(90_000);
  // A late duplicate would land after the drain: give it a moment before counting.
  await pause(500);
  const result = await r.check();
  for (const g of result) {
    expect(g.missing, `${g.gatewayId}: readings lost`).toEqual([]);
    expect(g.rows, `${g.gatewayId}: rows stored`).toBe(g.produced);
    expect(g.distinctSeqs, `${g.gatewayId}: distinct seqs`).toBe(g.produced);
  }
  // The gateway that started on the dead node now speaks through another one.
  expect(r.gateways[0]?.gateway.sync.connected).toBe(true);
  // Every batch reached both instances (no shared subscriptions in RabbitMQ 3.10): one stored it, the other counted a duplicate.
  const stored = r.clouds.reduce((s, c) => s + c.ingest.metrics().observationsStored, 0);
  expect(stored).toBe(result.reduce((s, g) => s + g.produced, 0));
});
