/**
 * The cloud the fleet simulator runs against when no --cloud is given: `telecart cloud --tls` in a
 * child process (embedded broker with mutual TLS + enrollment + SQLite) in a temporary directory,
 * its patients one per gateway. It can be restarted on the same ports (the reconnect storm).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectRateOptions } from '@telecart/cloud';
import { type StartedChild, startChild, stopChildren } from '../../runtime/children.js';

export interface FleetCloud {
  dataDir: string;
  mqttUrl: string;
  enrollUrl: string;
  pid(): number;
  /** Stops the cloud (SIGTERM: it closes the broker and the store cleanly). */
  stop(): Promise<void>;
  /** Starts it again on the same MQTT port and data directory; resolves when it is ready. */
  start(): Promise<void>;
}

export interface FleetPatient {
  id: string;
  family: string;
  given: string;
  gateways: string[];
}

/**
 * `securityDir`: keep the CA and the certificate registry there instead of in `dataDir` (reused identities).
 * `cpuProfileDir`: run the cloud under `node --cpu-prof`, one profile per start written there when it stops.
 * `settings`: more of the cloud's configuration (e.g. `sqliteIntakeThread: false`, `brokerUplinkCredit: false`,
 * `embeddedIngest: 'mqtt'`: the before of a comparison).
 */
export async function startFleetCloud(
  dataDir: string,
  patients: FleetPatient[],
  securityDir?: string,
  cpuProfileDir?: string,
  settings: {
    sqliteIntakeThread?: boolean;
    brokerUplinkCredit?: false;
    embeddedIngest?: 'mqtt';
    brokerConnectRate?: ConnectRateOptions;
  } = {},
): Promise<FleetCloud> {
  const configFile = join(dataDir, 'cloud.json');
  const tls = { enabled: true, enrollPort: 0, ...(securityDir ? { dir: securityDir } : {}) };
  writeFileSync(configFile, JSON.stringify({ dataDir, host: '127.0.0.1', httpPort: 0, tls, patients, ...settings }));
  const logFile = join(dataDir, 'cloud.log');
  let mqttPort = 0;
  let child: StartedChild | undefined;
  let urls = { mqttUrl: '', enrollUrl: '' };
  const start = async () => {
    child = await startChild('cloud', ['cloud', '--config', configFile, '--mqtt-port', String(mqttPort)], {
      logFile,
      timeoutMs: 120_000,
      // Quiet logs: a storm would otherwise write a line per gateway.
      env: { TELECART_LOG_LEVEL: 'warn' },
      ...(cpuProfileDir ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] } : {}),
    });
    const mqttUrl = String(child.info.mqttUrl);
    const enrollUrl = String(child.info.enrollUrl ?? '');
    if (!mqttUrl.startsWith('mqtts://') || !enrollUrl.startsWith('https://'))
      throw new Error(`the cloud did not start with TLS and enrollment (${JSON.stringify(child.info)}); log ${logFile}`);
    mqttPort = Number(new URL(mqttUrl).port);
    urls = { mqttUrl, enrollUrl: urls.enrollUrl || enrollUrl };
  };
  await start();
  return {
    dataDir,
    get mqttUrl() {
      return urls.mqttUrl;
    },
    get enrollUrl() {
      return urls.enrollUrl;
    },
    pid: () => child?.proc.pid ?? 0,
    async stop() {
      if (child) await stopChildren([child]);
      child = undefined;
    },
    start,
  };
}
