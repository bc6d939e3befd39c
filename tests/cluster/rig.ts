/**
 * The cluster rig: a RabbitMQ cluster (cloud/src/testing/rabbitmq.ts), one PostgreSQL, several cloud
 * instances on that store, each with its ingest on the broker list (starting at a different node),
 * and real home-kit gateways, gateway i starting at node i. Used by the short test in the suite and
 * the long run in `npm run chaos`.
 *
 * RabbitMQ 3.10 speaks MQTT 3.1.1 and has no shared subscriptions: every cloud instance subscribes
 * to every uplink, so each batch reaches every instance; the store's idempotency ((gateway, seq),
 * content keys) makes one of them insert it and the others count a duplicate, and each one acks it.
 */
import { type Cloud, startCloud } from '@telecart/cloud';
import { startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { type RabbitCluster, startRabbitCluster } from '../../cloud/src/testing/rabbitmq.js';
import { type HomeGateway, homeGateway, quiet, servedPatients, tempDir } from '../security/support.js';
import { waitFor } from '../support/wait.js';

export interface ClusterRig {
  /** The RabbitMQ cluster; undefined when the rig runs on one Mosquitto (the comparison). */
  rabbit: RabbitCluster | undefined;
  /** Each broker node's URL. */
  brokerUrls: string[];
  postgres: Postgres;
  clouds: Cloud[];
  gateways: HomeGateway[];
  /** How long each part took to start (ms): the broker cluster, PostgreSQL, the cloud instances, the gateways. */
  startMs: { broker: number; postgres: number; clouds: number; gateways: number };
  /** Readings recorded per gateway so far (frames fed). */
  produced: number[];
  /** Feeds one reading to every gateway. */
  measureAll(): void;
  /** Waits until the store holds every produced reading and every gateway's backlog is empty. */
  drained(timeoutMs?: number): Promise<void>;
  /** Per gateway: stored readings, distinct seqs (equal when none is twice), and the seqs missing. */
  check(): Promise<{ gatewayId: string; produced: number; rows: number; distinctSeqs: number; missing: number[] }[]>;
  stop(): Promise<void>;
}

/** The broker list rotated to start at node `start`: each client's first node differs. */
export function rotated(urls: string, start: number): string {
  const list = urls.split(',');
  const k = start % list.length;
  return [...list.slice(k), ...list.slice(0, k)].join(',');
}

/** `loadGateways`: ids of protocol-level gateways whose readings (the builders' patient p-001) the cloud stores too. */
export async function startClusterRig(o: {
  nodes: number;
  clouds: number;
  gateways: number;
  loadGateways?: string[];
  /** Default 'rabbitmq'; 'mosquitto': one Mosquitto node instead, to compare what the cluster costs. */
  broker?: 'rabbitmq' | 'mosquitto';
}): Promise<ClusterRig> {
  const dir = tempDir('telecart-cluster-');
  const stops: (() => Promise<void>)[] = [];
  // Each part gets 15 s to stop (a client still reconnecting to a dead node may never finish), so
  // PostgreSQL and the broker nodes, stopped last, are always stopped.
  const stop = async () => {
    for (const s of stops.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([s().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
    }
    dir.remove();
  };
  try {
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = Math.round(now - t);
      t = now;
      return ms;
    };
    let rabbit: RabbitCluster | undefined;
    let urls: string;
    if (o.broker === 'mosquitto') {
      const mosquitto = await startMosquitto();
      stops.push(() => mosquitto.stop());
      urls = mosquitto.url;
    } else {
      const cluster = await startRabbitCluster({ nodes: o.nodes });
      stops.push(() => cluster.stop());
      rabbit = cluster;
      urls = cluster.urls;
    }
    const brokerMs = lap();
    const postgres = await startPostgres();
    stops.push(() => postgres.stop());
    const postgresMs = lap();
    const ids = Array.from({ length: o.gateways }, (_, i) => `cluster-gw-${i}`);
    const clouds: Cloud[] = [];
    // One after the other: the first runs the migrations, the next ones find them done.
    for (let c = 0; c < o.clouds; c++) {
      const cloud = await startCloud({
        dataDir: `${dir.path}/cloud-${c}`,
        db: postgres.url,
        externalBrokerUrl: rotated(urls, c),
        mqttVersion: 4,
        httpPort: 0,
        patients: servedPatients(ids, o.loadGateways ?? []),
        logger: quiet(),
      });
      clouds.push(cloud);
      stops.push(() => cloud.stop());
    }
    const cloudsMs = lap();
    const gateways: HomeGateway[] = [];
    for (let g = 0; g < o.gateways; g++) {
      const gw = await homeGateway({
        gatewayId: ids[g] as string,
        cloudUrl: rotated(urls, g),
        dataDir: `${dir.path}/gw-${g}`,
        mqttVersion: 4,
      });
      gateways.push(gw);
      stops.push(() => gw.stop());
    }
    await waitFor(() => gateways.every((g) => g.gateway.sync.connected), { what: 'every gateway to connect', timeoutMs: 30_000 });
    const startMs = { broker: brokerMs, postgres: postgresMs, clouds: cloudsMs, gateways: lap() };
    const produced = gateways.map(() => 0);
    const store = clouds[0]?.store;
    if (store === undefined) throw new Error('the rig needs at least one cloud instance');
    return {
      rabbit,
      brokerUrls: urls.split(','),
      postgres,
      startMs,
      clouds,
      gateways,
      produced,
      measureAll() {
        gateways.forEach((g, i) => {
          g.measure(1);
          produced[i] = (produced[i] ?? 0) + 1;
        });
      },
      async drained(timeoutMs = 60_000) {
        const total = () => produced.reduce((a, b) => a + b, 0);
        await waitFor(
          async () => (await store.countObservations({})) >= total() && gateways.every((g) => g.gateway.store.stats().pending === 0),
          { what: `${total()} readings in the store and every gateway drained`, timeoutMs },
        );
      },
      async check() {
        const rows = await store.getObservations({ limit: 1_000_000 });
        return ids.map((gatewayId, i) => {
          const mine = rows.filter((r) => r.gatewayId === gatewayId);
          const seqs = new Set(mine.map((r) => r.seq));
          const n = produced[i] ?? 0;
          const missing = Array.from({ length: n }, (_, k) => k + 1).filter((s) => !seqs.has(s));
          return { gatewayId, produced: n, rows: mine.length, distinctSeqs: seqs.size, missing };
        });
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
