/**
 * Alert evaluation survives a crash of the cloud: the built CLI runs the cloud as a child process
 * that SIGKILLs itself (test hook TELECART_TEST_KILL_AT, cloud/src/alerts/kill-point.ts) right
 * after a batch of weights committed and before the alert engine judged them, or right after it
 * judged them. Restarted without the hook, the cloud must have raised the weight-gain alert
 * exactly once, and the gateway's resend of the batch (a duplicate) must change nothing.
 * Both stores: the SQLite file, and PostgreSQL (a database per test in one local server).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObservationBatch } from '@telecart/protocol';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cloud/src/testing/mosquitto.js';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { type ServiceChild, startServiceChild } from '../support/service-child.js';

const CLI_MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const DAY = 86_400_000;

interface AlertList {
  total: number;
  alerts: { rule: string; count: number; lastObservationIds: string[] }[];
}

describe('alert evaluation across a cloud crash', () => {
  let dir: string | undefined;
  let cloud: ServiceChild | undefined;
  let gw: TestGateway | undefined;
  let server: Postgres | undefined;
  let databases = 0;

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** A new empty PostgreSQL database; its URL. */
  async function freshDatabase(): Promise<string> {
    const url = (server as Postgres).url;
    const name = `alerts_crash_${process.pid}_${++databases}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  }

  afterEach(async () => {
    await gw?.close();
    await cloud?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    gw = cloud = dir = undefined;
  });

  /** +2.1 kg over 3 days: one hf-weight-gain-3d alert, raised by the last weight. */
  function weights(): ObservationBatch {
    const start = Date.now() - 3 * DAY - 60_000;
    const kgs = [68.0, 68.7, 69.4, 70.1];
    return batchOf(
      kgs.map((value, i) =>
        reading('weight', { seq: i + 1, gatewayId: 'home-7', patientId: 'hf-7', at: new Date(start + i * DAY).toISOString(), value }),
      ),
      { gatewayId: 'home-7' },
    );
  }

  async function start(ports: { http: number; mqtt: number }, killAt?: string): Promise<ServiceChild> {
    const d = dir as string;
    return startServiceChild(
      'cloud',
      ['cloud', '--config', join(d, 'cloud.json'), '--data-dir', join(d, 'cloud'), '--http-port', String(ports.http)],
      {
        main: CLI_MAIN,
        logFile: join(d, 'cloud.log'),
        env: { TELECART_LOG_LEVEL: 'info', TELECART_TEST_KILL_AT: killAt ?? '' },
      },
    );
  }

  async function openAlerts(httpUrl: string): Promise<AlertList> {
    const res = await fetch(`${httpUrl}/api/alerts?status=open&patient=hf-7`);
    expect(res.status).toBe(200);
    return (await res.json()) as AlertList;
  }

  for (const [storeKind, killAt] of [
    ['sqlite', 'alert-evaluation'],
    ['sqlite', 'alert-judged'],
    ['postgres', 'alert-evaluation'],
    ['postgres', 'alert-judged'],
  ] as const) {
    it(`raises the alert once when killed at ${killAt} (${storeKind})`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'telecart-alerts-crash-'));
      const ports = { http: await freePort(), mqtt: await freePort() };
      writeFileSync(
        join(dir, 'cloud.json'),
        JSON.stringify({
          mqttPort: ports.mqtt,
          dataAccess: 'open',
          ...(storeKind === 'postgres' ? { db: await freshDatabase() } : {}),
          patients: [
            {
              id: 'hf-7',
              family: 'Martin',
              given: 'Jeanne',
              gateways: ['home-7'],
              telemonitoring: { programme: 'heart-failure', since: new Date(Date.now() - 10 * DAY).toISOString() },
            },
          ],
        }),
      );
      cloud = await start(ports, killAt);
      const first = cloud;
      const died = new Promise<NodeJS.Signals | null>((resolve) => first.proc.once('exit', (_code, signal) => resolve(signal)));
      gw = await TestGateway.connect(String(first.info.mqttUrl), 'home-7');
      const batch = weights();
      // The ack may or may not leave before the kill: the gateway resends either way.
      void gw.send(batch).catch(() => undefined);
      expect(await died).toBe('SIGKILL');
      await gw.close();

      cloud = await start(ports);
      gw = await TestGateway.connect(String(cloud.info.mqttUrl), 'home-7');
      const ack = await gw.send(batch);
      expect(ack.duplicates).toBe(4);

      const open = await openAlerts(String(cloud.info.httpUrl));
      expect(open.total).toBe(1);
      expect(open.alerts[0]).toMatchObject({ rule: 'hf-weight-gain-3d', count: 1 });
      expect(open.alerts[0]?.lastObservationIds).toContain(batch.observations[3]?.id);
    });
  }
});
