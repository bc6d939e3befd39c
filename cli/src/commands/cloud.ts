/** `telecart cloud`: the telemonitoring service alone, from a config file and/or options. */
import { resolve } from 'node:path';
import { type CloudConfig, CloudConfig as CloudConfigSchema, startCloud } from '@telecart/cloud';
import { ConfigError, loadConfigFile, parseConfigText } from '../config/load-config.js';
import { createLogger } from '../runtime/logger.js';
import { runService } from '../runtime/service.js';

export interface CloudCommandOptions {
  config?: string;
  dataDir?: string;
  mqttPort?: number;
  httpPort?: number;
  host?: string;
  broker?: string;
  /** postgres://… for the store (default SQLite in the data directory). */
  db?: string;
}

export function resolveCloudConfig(o: CloudCommandOptions): CloudConfig {
  const base = o.config ? loadConfigFile(CloudConfigSchema, o.config) : parseConfigText(CloudConfigSchema, '{}', '(defaults)');
  return {
    ...base,
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    ...(o.mqttPort !== undefined ? { mqttPort: o.mqttPort } : {}),
    ...(o.httpPort !== undefined ? { httpPort: o.httpPort } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.broker !== undefined ? { externalBrokerUrl: o.broker } : {}),
    ...(o.db !== undefined ? { db: o.db } : {}),
  };
}

export async function runCloudCommand(o: CloudCommandOptions): Promise<void> {
  let config: CloudConfig;
  try {
    config = resolveCloudConfig(o);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger('cloud');
  await runService(
    'cloud',
    () => startCloud({ ...config, dataDir: resolve(config.dataDir), logger }),
    (c) => ({ httpUrl: c.httpUrl, mqttUrl: c.mqttUrl, dashboardUrl: `${c.httpUrl}/` }),
    (info) => {
      const plain = !String(info.mqttUrl).startsWith('mqtts');
      process.stdout.write(
        `telecart cloud: dashboard ${String(info.dashboardUrl)}  MQTT ${String(info.mqttUrl)}\n` +
          (plain ? 'telecart cloud: WARNING: MQTT without TLS; use only on loopback or a trusted network\n' : ''),
      );
    },
  );
}
