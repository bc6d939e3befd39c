/**
 * `telecart demo` (= `npm start`): the virtual cart. Starts a cloud, the device simulators and
 * a gateway as separate processes with the embedded defaults, plays the nurse who selects the
 * patient of each room in turn, prints the dashboard URL, and stops everything on Ctrl-C.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type StartedChild, startChild, stopChildren } from '../runtime/children.js';
import { preferPort } from '../runtime/ports.js';

export interface DemoOptions {
  dataDir?: string;
  temp?: boolean;
  config: string;
  httpPort: number;
  mqttPort: number;
  gatewayHttpPort: number;
  intervalMs: number;
  roomMinutes: number;
  seed: number;
}

interface Resident {
  id: string;
  family?: string;
  given?: string;
  room?: string;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const dataDir = o.temp ? mkdtempSync(join(tmpdir(), 'telecart-demo-')) : resolve(o.dataDir ?? 'data');
  const logs = join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const children: StartedChild[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write('\nstopping gateway, simulators and cloud…\n');
    await stopChildren(children);
    process.stdout.write('stopped.\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const [httpPort, mqttPort, gwPort] = await Promise.all([preferPort(o.httpPort), preferPort(o.mqttPort), preferPort(o.gatewayHttpPort)]);
    process.stdout.write('telecart demo: starting the cloud, the simulated devices and the gateway…\n');
    const cloud = await startChild(
      'cloud',
      [
        'cloud',
        '--data-dir',
        join(dataDir, 'cloud'),
        '--mqtt-port',
        String(mqttPort),
        '--http-port',
        String(httpPort),
        '--config',
        'configs/cloud.yaml',
      ],
      { logFile: join(logs, 'cloud.log') },
    );
    children.push(cloud);
    const sim = await startChild('sim', ['sim', '--interval', String(o.intervalMs), '--seed', String(o.seed)], {
      logFile: join(logs, 'sim.log'),
    });
    children.push(sim);
    const gateway = await startChild(
      'gateway',
      [
        'gateway',
        '--config',
        o.config,
        '--data-dir',
        join(dataDir, 'gateway'),
        '--cloud',
        String(cloud.info.mqttUrl),
        '--ble-bus',
        String(sim.info.busAddress),
        '--http-port',
        String(gwPort),
      ],
      { logFile: join(logs, 'gateway.log') },
    );
    children.push(gateway);

    const gwUrl = String(gateway.info.httpUrl);
    const residents = await json<Resident[]>(`${gwUrl}/api/patients`);
    const name = (r: Resident) => `${r.given ?? ''} ${r.family ?? r.id}`.trim() + (r.room ? ` (room ${r.room})` : '');

    process.stdout.write(
      [
        '',
        'telecart demo is running: plain MQTT and HTTP on loopback, no TLS (demonstration only).',
        `  clinician dashboard:  ${String(cloud.info.httpUrl)}/`,
        `  nurse UI (the cart):  ${gwUrl}/`,
        `  MQTT broker:          ${String(cloud.info.mqttUrl)}`,
        `  simulated BLE bus:    ${String(sim.info.busAddress)}`,
        `  data and logs:        ${dataDir}`,
        '',
      ].join('\n'),
    );

    // The virtual nurse: one room after the other, as on a morning round.
    let room = 0;
    const visit = async () => {
      const r = residents[room % residents.length];
      room++;
      if (!r) return;
      await json(`${gwUrl}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: r.id }) });
      process.stdout.write(`nurse: now with ${name(r)}; readings go to this patient\n`);
    };
    await visit();
    setInterval(() => void visit().catch((e: Error) => process.stdout.write(`nurse: ${e.message}\n`)), o.roomMinutes * 60_000).unref();

    let last = -1;
    setInterval(async () => {
      try {
        const m = await json<{ observationsStored?: number }>(`${String(cloud.info.httpUrl)}/api/metrics/ingest`);
        const n = m.observationsStored ?? 0;
        if (n !== last) process.stdout.write(`cloud: ${n} readings stored\n`);
        last = n;
      } catch {
        /* the cloud may be stopping */
      }
    }, 5_000).unref();
    process.stdout.write('Press Ctrl-C to stop.\n');

    for (const c of children) {
      c.proc.once('exit', (code, signal) => {
        if (!shuttingDown) {
          process.stderr.write(`${c.name} stopped unexpectedly (${signal ?? code}); see ${c.logFile}\n`);
          void shutdown(1);
        }
      });
    }
  } catch (e) {
    process.stderr.write(`telecart demo: ${(e as Error).message}\n`);
    await shutdown(1);
  }
}
