/**
 * `telecart cloud … --ingest-workers N` and its hidden worker, `telecart cloud ingest-worker`.
 *
 * The cloud process keeps the HTTP API, the dashboard and the security state; N worker processes
 * each run an ingest client in the broker's shared subscription group ($share/telecart-ingest/…)
 * and write to the same store. Forked from this very CLI, stopped with it.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type CloudConfig, runIngestWorker, securityDir, startCloud, startIngestWorkerPool, validateCloudConfig } from '@telecart/cloud';
import { formatConfigIssue } from '@telecart/protocol';
import { ConfigError } from '../config/load-config.js';
import { MAIN_JS } from '../runtime/children.js';
import { createLogger } from '../runtime/logger.js';
import { runService } from '../runtime/service.js';
import { type CloudCommandOptions, resolveCloudConfig } from './cloud.js';

export interface ScaledCloudOptions extends CloudCommandOptions {
  ingestWorkers?: number;
  mqttVersion?: 4 | 5;
  tls?: boolean;
}

function fail(message: string): never {
  process.stderr.write(`telecart cloud: ${message}\n`);
  process.exit(1);
}

/** `base`: the file and the common options already resolved (`telecart cloud` read the file once). */
export function resolveScaledConfig(o: ScaledCloudOptions, base: CloudConfig = resolveCloudConfig(o)): CloudConfig {
  const merged = {
    ...base,
    ...(o.ingestWorkers !== undefined ? { ingestWorkers: o.ingestWorkers } : {}),
    ...(o.mqttVersion !== undefined ? { mqttVersion: o.mqttVersion } : {}),
    ...(o.tls ? { tls: { ...base.tls, enabled: true } } : {}),
  };
  // The options change cross-field rules (MQTT 5 or workers need a broker): validated again, together.
  const r = validateCloudConfig(merged);
  if (!r.ok) throw new ConfigError(o.config ?? '(command line)', r.issues.map(formatConfigIssue));
  return r.value;
}

/** The cloud with its extra options; used by `telecart cloud` when --ingest-workers, --mqtt-version or --tls is given. */
export async function runScaledCloud(o: ScaledCloudOptions, base?: CloudConfig): Promise<void> {
  let config: CloudConfig;
  try {
    config = resolveScaledConfig(o, base);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const workers = config.ingestWorkers ?? 1;
  if (workers > 1 && config.externalBrokerUrl === undefined)
    fail('--ingest-workers needs --broker <url>: the embedded broker has no shared subscriptions');
  const dataDir = resolve(config.dataDir);
  const logger = createLogger('cloud');
  const tlsDir = config.tls.enabled ? securityDir(dataDir, config.tls) : undefined;

  await runService(
    'cloud',
    () =>
      startCloud({
        ...config,
        dataDir,
        logger,
        ...(workers > 1
          ? {
              ingestFactory: async (ingestOpts) =>
                startIngestWorkerPool({
                  count: workers,
                  logger: logger.child({ part: 'ingest-pool' }),
                  fork: (index) =>
                    spawn(
                      process.execPath,
                      [
                        MAIN_JS,
                        'cloud',
                        'ingest-worker',
                        '--index',
                        String(index),
                        '--broker',
                        ingestOpts.brokerUrl,
                        '--data-dir',
                        dataDir,
                        ...(config.db ? ['--db', config.db] : []),
                        ...(config.mqttVersion ? ['--mqtt-version', String(config.mqttVersion)] : []),
                        ...(tlsDir ? ['--tls-dir', tlsDir] : []),
                        ...(tlsDir && config.tls.instance ? ['--tls-instance', config.tls.instance] : []),
                      ],
                      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
                    ),
                }),
            }
          : {}),
      }),
    (c) => ({
      httpUrl: c.httpUrl,
      mqttUrl: c.mqttUrl,
      dashboardUrl: `${c.httpUrl}/`,
      enrollUrl: c.enrollUrl ?? null,
      ingestWorkers: workers,
    }),
    (info) => {
      const plain = !String(info.mqttUrl).startsWith('mqtts');
      process.stdout.write(
        `telecart cloud: dashboard ${String(info.dashboardUrl)}  MQTT ${String(info.mqttUrl)}  ingest workers ${workers}\n` +
          (info.enrollUrl ? `telecart cloud: gateway enrollment ${String(info.enrollUrl)}\n` : '') +
          (plain ? 'telecart cloud: WARNING: MQTT without TLS; use only on loopback or a trusted network\n' : ''),
      );
    },
  );
}

export interface IngestWorkerCommandOptions {
  index: number;
  broker: string;
  dataDir: string;
  db?: string;
  mqttVersion?: 4 | 5;
  tlsDir?: string;
  tlsInstance?: string;
}

export async function runIngestWorkerCommand(o: IngestWorkerCommandOptions): Promise<void> {
  if (!process.send) fail('ingest-worker is started by `telecart cloud --ingest-workers N`, not by hand');
  const send = process.send.bind(process);
  const logger = createLogger(`ingest-${o.index}`);
  await runService(
    `ingest-worker-${o.index}`,
    () =>
      runIngestWorker({
        index: o.index,
        brokerUrl: o.broker,
        dataDir: o.dataDir,
        ...(o.db ? { db: o.db } : {}),
        ...(o.mqttVersion ? { mqttVersion: o.mqttVersion } : {}),
        ...(o.tlsDir ? { tlsDir: o.tlsDir } : {}),
        ...(o.tlsInstance ? { tlsInstance: o.tlsInstance } : {}),
        logger,
        send: (m) => {
          send(m);
        },
      }),
    () => ({ index: o.index, pid: process.pid }),
    () => undefined,
  );
}
