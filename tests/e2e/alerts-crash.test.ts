/**
 * Alert evaluation survives a crash of the cloud: the built CLI runs the cloud as a child process
 * that SIGKILLs itself (test hook TELECART_TEST_KILL_AT, cloud/src/alerts/kill-point.ts) right
 * after a batch of weights committed and before the alert engine judged them, or right after it
 * judged them. Restarted without the hook, the cloud must have raised the weight-gain alert
 * exactly once, and the gateway's resend of the batch (a duplicate) must change nothing.
 * Both stores: the SQLite file, and PostgreSQL (a database per test in one local server).
 */
import type { ObservationBatch } from '@telecart/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { type CloudChildDir, cloudChildDir, exitSignal, freshDatabase } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';

const DAY = 86_400_000;

interface AlertList {
  total: number;
  alerts: { rule: string; count: number; lastObservationIds: string[] }[];
}

describe('alert evaluation across a cloud crash', () => {
  let dir: CloudChildDir | undefined;
  let cloud: ServiceChild | undefined;
  let gw: TestGateway | undefined;
  let server: Postgres | undefined;

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  afterEach(async () => {
    await gw?.close();
    await cloud?.stop();
    dir?.remove();
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
      dir = await cloudChildDir('alerts-crash');
      const d = dir;
      d.configure({
        dataAccess: 'open',
        ...(storeKind === 'postgres' ? { db: await freshDatabase((server as Postgres).url, 'alerts_crash') } : {}),
        patients: [
          {
            id: 'hf-7',
            family: 'Martin',
            given: 'Jeanne',
            gateways: ['home-7'],
            telemonitoring: { programme: 'heart-failure', since: new Date(Date.now() - 10 * DAY).toISOString() },
          },
        ],
      });
      cloud = await d.start({ killAt });
      const first = cloud;
      const died = exitSignal(first);
      gw = await TestGateway.connect(String(first.info.mqttUrl), 'home-7');
      const batch = weights();
      // The ack may or may not leave before the kill: the gateway resends either way.
      void gw.send(batch).catch(() => undefined);
      expect(await died).toBe('SIGKILL');
      await gw.close();

      cloud = await d.start();
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
