/**
 * Operator and gateway commands of the security model (docs/security.md):
 *   telecart cloud enroll-token --gateway ID [--ttl 24h]   one-time, expiring token
 *   telecart cloud revoke --gateway ID                     CRL + broker deny list; a running cloud drops it
 *   telecart cloud certs                                   what was issued and revoked
 *   telecart cloud mosquitto-files --out DIR               CA, server cert, CRL, ACL for an external Mosquitto
 *   telecart gateway enroll --cloud https://… --token T --ca-fingerprint sha256:…
 * They work on the data directory (the cloud may be running: the registry is a shared SQLite file).
 *
 * main.ts registers these for every `telecart` run, the gateway's included: the workspaces are
 * imported inside the actions, never at load (a static import of @telecart/cloud put the whole
 * cloud, ~96 MiB and 1.5 s, in the gateway process; docs/footprint.md).
 */
import { resolve } from 'node:path';
import type { CloudSecurity } from '@telecart/cloud';
import type { GatewayConfig } from '@telecart/gateway';
import { type Command, InvalidArgumentError, Option } from 'commander';

/**
 * --config, --data-dir, --cloud, --broker… are also the parent command's options, and commander
 * may hand them to the parent: every action reads the merged options.
 */
function merged<T>(cmd: Command): T {
  return cmd.optsWithGlobals() as T;
}

function need<T>(cmd: string, value: T | undefined, flag: string): T {
  if (value === undefined || value === '') fail(cmd, `${flag} is required`);
  return value;
}

import { ConfigError, loadConfigFile } from '../config/load-config.js';
import type { CloudCommandOptions } from './cloud.js';

function fail(cmd: string, message: string): never {
  process.stderr.write(`telecart ${cmd}: ${message}\n`);
  process.exit(1);
}

/** '90s', '15m', '24h', '7d' → milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration like 30m, 24h or 7d');
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

async function openSecurity(o: CloudCommandOptions): Promise<{ security: CloudSecurity; host: string; enrollPort: number }> {
  const { resolveCloudConfig } = await import('./cloud.js');
  const { securityDir, serverHostnames } = await import('@telecart/cloud');
  const { CloudSecurity } = await import('@telecart/cloud/security');
  let config: ReturnType<typeof resolveCloudConfig>;
  try {
    config = resolveCloudConfig(o);
  } catch (e) {
    if (e instanceof ConfigError) fail('cloud', e.message);
    throw e;
  }
  const dataDir = resolve(config.dataDir);
  const security = await CloudSecurity.open({
    dir: securityDir(dataDir, config.tls),
    hostnames: serverHostnames(config.host, config.tls.hostnames),
  });
  return { security, host: config.host, enrollPort: config.tls.enrollPort };
}

export function registerCloudSecurityCommands(cloud: Command): void {
  cloud
    .command('enroll-token')
    .description('create a one-time, expiring enrollment token for a gateway')
    .requiredOption('--gateway <id>', 'the gateway id (its certificate CN)')
    .addOption(
      new Option('--ttl <duration>', 'lifetime, e.g. 30m, 24h, 7d (at most 7d)').default(24 * 3_600_000, '24h').argParser(parseDuration),
    )
    .option('--config <file>', 'cloud configuration')
    .option('--data-dir <dir>', 'the cloud data directory')
    .option('--json', 'print JSON')
    .action(async (_o: unknown, cmd: Command) => {
      const o = merged<{ gateway: string; ttl: number; json?: boolean } & CloudCommandOptions>(cmd);
      const { security, host, enrollPort } = await openSecurity(o);
      try {
        const t = security.createToken(o.gateway, o.ttl);
        const fp = security.caFingerprint();
        const url = `https://${host === '0.0.0.0' || host === '::' ? '<cloud-host>' : host}:${enrollPort}`;
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ token: t.token, gatewayId: t.gatewayId, expiresAt: t.expiresAt.toISOString(), caFingerprint: fp })}\n`,
          );
        } else {
          process.stdout.write(
            `token          ${t.token}\ngateway        ${t.gatewayId}\nexpires        ${t.expiresAt.toISOString()} (single use)\nCA fingerprint ${fp}\n\n` +
              `on the gateway:\n  telecart gateway enroll --config <gateway.yaml> --cloud ${url} --token ${t.token} --ca-fingerprint ${fp}\n`,
          );
        }
      } catch (e) {
        fail('cloud enroll-token', (e as Error).message);
      } finally {
        security.close();
      }
    });

  cloud
    .command('revoke')
    .description('revoke every certificate of a gateway: refused by the broker at once, listed on the CRL')
    .requiredOption('--gateway <id>', 'the gateway id')
    .option('--config <file>', 'cloud configuration')
    .option('--data-dir <dir>', 'the cloud data directory')
    .action(async (_o: unknown, cmd: Command) => {
      const o = merged<{ gateway: string } & CloudCommandOptions>(cmd);
      const { security } = await openSecurity(o);
      try {
        const serials = await security.revoke(o.gateway);
        if (serials.length === 0) fail('cloud revoke', `gateway ${o.gateway} has no live certificate`);
        process.stdout.write(
          `revoked ${o.gateway}: ${serials.join(', ')}\nCRL ${security.crlFile()}\n` +
            'a running cloud drops it within a second; an external Mosquitto needs `telecart cloud mosquitto-files` and a reload\n',
        );
      } finally {
        security.close();
      }
    });

  cloud
    .command('certs')
    .description('list issued gateway certificates and their revocation')
    .option('--config <file>', 'cloud configuration')
    .option('--data-dir <dir>', 'the cloud data directory')
    .action(async (_o: unknown, cmd: Command) => {
      const o = merged<CloudCommandOptions>(cmd);
      const { security } = await openSecurity(o);
      try {
        for (const c of security.registry.certs())
          process.stdout.write(
            `${c.gatewayId}\t${c.serial}\tissued ${c.issuedAt}\tuntil ${c.notAfter}\t${c.revokedAt ? `REVOKED ${c.revokedAt}` : 'valid'}\n`,
          );
      } finally {
        security.close();
      }
    });

  cloud
    .command('mosquitto-files')
    .description('write CA, server certificate, CRL and ACL for an external Mosquitto, and print its listener lines')
    .requiredOption('--out <dir>', 'where to write them (readable by the mosquitto user)')
    .addOption(new Option('--port <port>', 'the TLS listener port').default(8883).argParser(Number))
    .addOption(new Option('--ingest-workers <n>', 'ingest identities to allow').default(1).argParser(Number))
    .option('--instances <names>', 'the names (tls.instance) of the cloud instances sharing this Mosquitto, comma-separated')
    .option('--config <file>', 'cloud configuration')
    .option('--data-dir <dir>', 'the cloud data directory')
    .action(async (_o: unknown, cmd: Command) => {
      const o = merged<{ out: string; port: number; ingestWorkers: number; instances?: string } & CloudCommandOptions>(cmd);
      const { security, host } = await openSecurity(o);
      const { mosquittoListenerConfig } = await import('@telecart/cloud');
      try {
        const instances = o.instances === undefined ? [undefined] : o.instances.split(',').map((s) => s.trim());
        const files = security.writeMosquittoFiles(resolve(o.out), o.ingestWorkers, instances);
        process.stdout.write(
          `${mosquittoListenerConfig(files, o.port, host)}\n# after a revocation: run this again, then reload Mosquitto (SIGHUP)\n`,
        );
      } finally {
        security.close();
      }
    });

  cloud
    .command('ingest-worker', { hidden: true })
    .description('one ingest worker process (started by `telecart cloud --ingest-workers N`)')
    .requiredOption('--index <n>', 'worker index', Number)
    .option('--broker <url>', 'MQTT broker')
    .option('--data-dir <dir>', 'cloud data directory')
    .option('--db <url>', 'PostgreSQL store')
    .addOption(new Option('--mqtt-version <v>', 'MQTT protocol').choices(['4', '5']).argParser((v) => Number(v) as 4 | 5))
    .option('--tls-dir <dir>', 'security directory with the ingest certificates')
    .option('--tls-instance <name>', "the cloud instance's name in the certificates (tls.instance)")
    .action(async (_o: unknown, cmd: Command) => {
      const o = merged<{
        index: number;
        broker?: string;
        dataDir?: string;
        db?: string;
        mqttVersion?: 4 | 5;
        tlsDir?: string;
        tlsInstance?: string;
      }>(cmd);
      const { runIngestWorkerCommand } = await import('./ingest-workers.js');
      await runIngestWorkerCommand({
        ...o,
        broker: need('cloud ingest-worker', o.broker, '--broker'),
        dataDir: need('cloud ingest-worker', o.dataDir, '--data-dir'),
      });
    });
}

export function registerGatewayEnrollCommand(gateway: Command): void {
  gateway
    .command('enroll')
    .description("exchange a one-time token for this gateway's certificate (key made here, stored 0600)")
    .option('--config <file>', 'gateway configuration (for its gateway id)')
    .option('--cloud <url>', 'the cloud enrollment endpoint, https://host:8443')
    .requiredOption('--token <token>', 'from `telecart cloud enroll-token`')
    .requiredOption('--ca-fingerprint <sha256>', 'from `telecart cloud enroll-token`: pins the cloud CA')
    .option('--data-dir <dir>', 'the gateway data directory (credentials go to <dir>/tls)')
    .option('--force', 'replace existing credentials')
    .action(async (_o: unknown, cmd: Command) => {
      const o = merged<{ config?: string; cloud?: string; token: string; caFingerprint: string; dataDir?: string; force?: boolean }>(cmd);
      const configFile = need('gateway enroll', o.config, '--config <file>');
      const cloudUrl = need('gateway enroll', o.cloud, '--cloud <https url>');
      const { credentialPaths, EnrollmentError, enrollGateway, validateGatewayConfig } = await import('@telecart/gateway');
      let config: GatewayConfig;
      try {
        config = loadConfigFile(validateGatewayConfig, configFile);
      } catch (e) {
        if (e instanceof ConfigError) fail('gateway enroll', e.message);
        throw e;
      }
      const dataDir = resolve(o.dataDir ?? `data/gateway-${config.gatewayId}`);
      try {
        const r = await enrollGateway({
          url: cloudUrl,
          token: o.token,
          caFingerprint: o.caFingerprint,
          gatewayId: config.gatewayId,
          paths: credentialPaths(dataDir, config.tls.dir),
          force: Boolean(o.force),
        });
        process.stdout.write(
          `enrolled ${config.gatewayId}: certificate ${r.serial} until ${r.notAfter.toISOString()}\n` +
            `key ${r.paths.key} (0600), certificate ${r.paths.cert}, CA ${r.paths.ca}\n` +
            `start it with: telecart gateway --config ${configFile} --data-dir ${dataDir} --cloud ${r.mqttUrl ?? 'mqtts://<cloud-host>:8883'}\n`,
        );
      } catch (e) {
        if (e instanceof EnrollmentError || (e as Error).name === 'GatewayCredentialsError') fail('gateway enroll', (e as Error).message);
        throw e;
      }
    });
}
