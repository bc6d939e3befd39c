/**
 * One ingest worker process: its own store connection and its own MQTT client in the shared
 * subscription group, so N workers split the uplinks (each batch goes to one of them; a
 * redelivery that lands on another worker is a duplicate the store already absorbs). It reports
 * to the parent over IPC: each newly stored observation (live dashboard) and its counters.
 */
import { join } from 'node:path';
import type { Observation } from '@telecart/protocol';
import type { Logger } from 'pino';
import { CLOUD_DB_FILE } from '../cloud.js';
import { openCloudStore } from '../store/open-store.js';
import { type Ingest, startIngest } from './ingest.js';
import type { IngestMetrics } from './ingest-metrics.js';

export interface IngestWorkerOptions {
  index: number;
  brokerUrl: string;
  dataDir: string;
  /** postgres://… when the cloud store is PostgreSQL. */
  db?: string;
  mqttVersion?: 4 | 5;
  /** Security directory holding ingest-N.key/crt and ca.crt, when the broker wants mutual TLS. */
  tlsDir?: string;
  /** The cloud instance's name in the certificates' CNs (tls.instance). */
  tlsInstance?: string;
  logger: Logger;
  /** Where reports go (process.send in a forked worker). */
  send: (msg: WorkerMessage) => void;
  metricsIntervalMs?: number;
}

export type WorkerMessage =
  | { type: 'observation'; observation: Observation }
  | { type: 'metrics'; metrics: IngestMetrics; connected: boolean };

export interface RunningIngestWorker {
  ingest: Ingest;
  stop(): Promise<void>;
}

export async function runIngestWorker(o: IngestWorkerOptions): Promise<RunningIngestWorker> {
  const store = await openCloudStore({ db: o.db, sqliteFile: join(o.dataDir, CLOUD_DB_FILE) });
  let ingest: Ingest;
  try {
    // Imported only with TLS: the security module loads x509.
    const creds = o.tlsDir
      ? (await import('../security/cloud-security.js')).readIngestCredentials(o.tlsDir, o.index, o.tlsInstance)
      : undefined;
    ingest = await startIngest({
      brokerUrl: o.brokerUrl,
      store,
      logger: o.logger,
      shared: true,
      ...(o.mqttVersion ? { mqttVersion: o.mqttVersion } : {}),
      ...(creds ? { mqttOptions: { key: creds.key, cert: creds.cert, ca: creds.ca, rejectUnauthorized: true } } : {}),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  ingest.onObservation((observation) => o.send({ type: 'observation', observation }));
  const report = () => o.send({ type: 'metrics', metrics: ingest.metrics(), connected: ingest.isConnected() });
  report();
  const timer = setInterval(report, o.metricsIntervalMs ?? 500);
  timer.unref();
  return {
    ingest,
    async stop() {
      clearInterval(timer);
      await ingest.stop();
      report();
      await store.close();
    },
  };
}
