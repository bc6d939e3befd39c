/**
 * The cloud of the built CLI as a child process, for the tests that crash it and start it again
 * (alerts-crash, notify-crash, relay-restart, multi-instance): a folder of its own with its
 * cloud.json, the ports kept across restarts, an optional kill point (TELECART_TEST_KILL_AT,
 * cloud/src/alerts/kill-point.ts), and a new database per test on the file's PostgreSQL server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../cloud/src/testing/mosquitto.js';
import { type ServiceChild, startServiceChild } from './service-child.js';

export const CLI_MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

export interface CloudPorts {
  http: number;
  mqtt: number;
}

export interface CloudChildDir {
  readonly dir: string;
  /** Chosen once: a restarted cloud listens where the first one did, so clients reconnect to it. */
  readonly ports: CloudPorts;
  /** Writes cloud.json; the embedded broker's port is the folder's. */
  configure(config: Record<string, unknown>): void;
  /** The cloud on this folder's configuration, store and ports; `killAt` arms its kill point. */
  start(opts?: { killAt?: string }): Promise<ServiceChild>;
  remove(): void;
}

export async function cloudChildDir(prefix: string): Promise<CloudChildDir> {
  const dir = mkdtempSync(join(tmpdir(), `telecart-${prefix}-`));
  const ports = { http: await freePort(), mqtt: await freePort() };
  return {
    dir,
    ports,
    configure(config) {
      writeFileSync(join(dir, 'cloud.json'), JSON.stringify({ ...config, mqttPort: ports.mqtt }));
    },
    start(opts = {}) {
      const args = ['cloud', '--config', join(dir, 'cloud.json'), '--data-dir', join(dir, 'cloud'), '--http-port', String(ports.http)];
      return startServiceChild('cloud', args, {
        main: CLI_MAIN,
        logFile: join(dir, 'cloud.log'),
        env: { TELECART_LOG_LEVEL: 'info', TELECART_TEST_KILL_AT: opts.killAt ?? '' },
      });
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The signal the child ends with: taken before the child can reach its kill point. */
export function exitSignal(child: ServiceChild): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => child.proc.once('exit', (_code, signal) => resolve(signal)));
}

/** A new empty database on the server at `serverUrl`; its URL. */
export async function freshDatabase(serverUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
