/** `telecart cloud`: the telemonitoring service alone, from a config file and/or options. */
import { resolve } from 'node:path';
import { type CloudConfig, startCloud, validateCloudConfig } from '@telecart/cloud';
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

/** The file (or the defaults) with the command-line options over it, validated together as `config check` does. */
export function resolveCloudConfig(o: CloudCommandOptions): CloudConfig {
  const overrides = {
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    ...(o.mqttPort !== undefined ? { mqttPort: o.mqttPort } : {}),
    ...(o.httpPort !== undefined ? { httpPort: o.httpPort } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.broker !== undefined ? { externalBrokerUrl: o.broker } : {}),
    ...(o.db !== undefined ? { db: o.db } : {}),
  };
  return o.config
    ? loadConfigFile(validateCloudConfig, o.config, overrides)
    : parseConfigText(validateCloudConfig, '{}', '(defaults)', overrides);
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
  // Workers, TLS or MQTT 5 set in the file (not only on the command line) take the scaled path too.
  if ((config.ingestWorkers ?? 1) > 1 || config.tls.enabled || config.mqttVersion === 5) {
    const { runScaledCloud } = await import('./ingest-workers.js');
    await runScaledCloud(o, config);
    return;
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

/** `telecart cloud hash-password`: reads a password on stdin, prints the scrypt hash for teleconsult.specialists[].passwordHash. */
export async function hashPasswordCommand(): Promise<void> {
  const { hashPassword } = await import('@telecart/cloud');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  try {
    process.stdout.write(`${await hashPassword(password)}\n`);
  } catch (e) {
    process.stderr.write(`telecart cloud hash-password: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

/** `telecart cloud specialist-token`: a new API token (shown once) and its SHA-256 for teleconsult.specialists[].tokenSha256. */
export async function specialistTokenCommand(): Promise<void> {
  const { newToken } = await import('@telecart/cloud');
  const t = newToken();
  process.stdout.write(`token:       ${t.token}\ntokenSha256: ${t.tokenSha256}\n`);
}

/** `telecart cloud totp-enroll <id> --key-file f`: a new TOTP secret, shown once, and its encrypted form for the config. */
export async function totpEnrollCommand(id: string, keyFile: string): Promise<void> {
  const { enrollTotp, readTotpKey } = await import('@telecart/cloud');
  try {
    const e = enrollTotp(id, readTotpKey(keyFile));
    process.stdout.write(`uri:    ${e.uri}\nsecret: ${e.secret}\ntotp:   ${e.encrypted}\n`);
  } catch (e) {
    process.stderr.write(`telecart cloud totp-enroll: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
