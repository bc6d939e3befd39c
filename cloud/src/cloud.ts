/**
 * Starts the whole cloud in one process: SQLite store, embedded MQTT broker (unless an external
 * one is given), ingest, and the HTTP API + dashboard. `stop()` undoes it in reverse order.
 */
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { type BrokerAuthorizer, type EmbeddedBroker, startEmbeddedBroker } from './broker/embedded-broker.js';
import { buildHttpApp } from './http/app.js';
import { type Ingest, startIngest } from './ingest/ingest.js';
import type { CloudStore, PatientSeed } from './store/cloud-store.js';
import { SqliteStore } from './store/sqlite-store.js';

export interface StartCloudOptions {
  dataDir: string;
  /** Embedded broker port (default 1883; 0 = any free port). Ignored with externalBrokerUrl. */
  mqttPort?: number;
  /** HTTP port (default 8080; 0 = any free port). */
  httpPort?: number;
  /** Listen address of the broker and the HTTP server (default 127.0.0.1). */
  host?: string;
  patients?: PatientSeed[];
  logger?: Logger;
  externalBrokerUrl?: string;
  /** With an external broker: share the uplinks with other cloud instances ($share). */
  ingestShared?: boolean;
  publicBaseUrl?: string;
  timeZone?: string;
  brokerAuthorizer?: BrokerAuthorizer;
}

export interface Cloud {
  mqttUrl: string;
  httpUrl: string;
  store: CloudStore;
  ingest: Ingest;
  stop(): Promise<void>;
}

export const CLOUD_DB_FILE = 'cloud.db';

/** A URL a client on this machine can use, also when listening on every interface. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startCloud(opts: StartCloudOptions): Promise<Cloud> {
  const logger = opts.logger ?? pino({ name: 'telecart-cloud' });
  const host = opts.host ?? '127.0.0.1';
  const undo: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (e) {
        logger.error({ err: e }, 'cloud: error while stopping');
      }
    }
    undo.length = 0;
  };

  try {
    const store = new SqliteStore({ file: join(opts.dataDir, CLOUD_DB_FILE) });
    undo.push(() => store.close());
    if (opts.patients?.length) await store.upsertPatients(opts.patients);

    let broker: EmbeddedBroker | undefined;
    if (opts.externalBrokerUrl === undefined) {
      broker = await startEmbeddedBroker({
        host,
        port: opts.mqttPort ?? 1883,
        logger: logger.child({ part: 'broker' }),
        authorizer: opts.brokerAuthorizer,
      });
      const b = broker;
      undo.push(() => b.stop());
    }
    const brokerUrl = opts.externalBrokerUrl ?? broker?.url;
    if (brokerUrl === undefined) throw new Error('no MQTT broker');

    // aedes has no shared subscriptions: a $share filter would silently match nothing.
    if (broker && opts.ingestShared) logger.warn('cloud: ingestShared ignored with the embedded broker');
    const shared = broker === undefined && (opts.ingestShared ?? false);
    const ingest = await startIngest({ brokerUrl, store, logger: logger.child({ part: 'ingest' }), shared });
    undo.push(() => ingest.stop());

    const app = buildHttpApp({
      store,
      ingest,
      logger: logger.child({ part: 'http' }),
      publicBaseUrl: opts.publicBaseUrl,
      timeZone: opts.timeZone,
    });
    undo.push(() => app.close());
    await app.listen({ host, port: opts.httpPort ?? 8080 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('HTTP server did not bind a TCP port');
    const httpUrl = `http://${urlHost(host)}:${addr.port}`;
    const mqttUrl = broker ? `mqtt://${urlHost(host)}:${broker.port}` : brokerUrl;
    logger.info({ httpUrl, mqttUrl }, 'cloud: started');

    let stopping: Promise<void> | undefined;
    return {
      mqttUrl,
      httpUrl,
      store,
      ingest,
      stop() {
        stopping ??= unwind();
        return stopping;
      },
    };
  } catch (e) {
    await unwind();
    throw e;
  }
}
