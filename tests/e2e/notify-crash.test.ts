/**
 * An alert's e-mail across a crash of the cloud: the built CLI runs the cloud as a child process
 * that SIGKILLs itself (TELECART_TEST_KILL_AT, cloud/src/alerts/kill-point.ts) between the alert
 * and the send: right after the alert (and its escalation row) committed, or right after its
 * notifications were committed to the outbox. Restarted without the hook, exactly one e-mail
 * reaches the real SMTP server the test started. Killed after the server accepted the message but
 * before the outbox recorded it, the restarted cloud sends it again with the same Message-ID: the
 * at-least-once window docs/notifications.md describes, checked here so the docs stay true.
 */
import { join } from 'node:path';
import type { ObservationBatch } from '@telecart/protocol';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { type SmtpSink, startSmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { type CloudChildDir, cloudChildDir, exitSignal, freshDatabase } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';

const DAY = 86_400_000;

describe('alert e-mail across a cloud crash', () => {
  let dir: CloudChildDir | undefined;
  let cloud: ServiceChild | undefined;
  let gw: TestGateway | undefined;
  let sink: SmtpSink | undefined;
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
    await sink?.close();
    dir?.remove();
    gw = cloud = dir = sink = undefined;
  });

  /** +2.1 kg over 3 days: one hf-weight-gain-3d alert (a warning), raised by the last weight. */
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

  /** The outbox rows, read from the store once the cloud is stopped. */
  async function outboxRows(db: string | undefined): Promise<{ status: string; recipient: string; attempts: number }[]> {
    const q = 'SELECT status, recipient, attempts FROM outbox ORDER BY recipient';
    if (db === undefined) {
      const raw = new Database(join((dir as CloudChildDir).dir, 'cloud', 'cloud.db'), { readonly: true });
      try {
        return raw.prepare(q).all() as { status: string; recipient: string; attempts: number }[];
      } finally {
        raw.close();
      }
    }
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try {
      return (await c.query<{ status: string; recipient: string; attempts: number }>(q)).rows;
    } finally {
      await c.end();
    }
  }

  for (const [storeKind, killAt, copies] of [
    ['sqlite', 'alert-judged', 1],
    ['sqlite', 'outbox-enqueued', 1],
    ['postgres', 'alert-judged', 1],
    ['postgres', 'outbox-enqueued', 1],
    ['sqlite', 'outbox-sent', 2],
  ] as const) {
    it(`${copies === 1 ? 'exactly one e-mail' : 'the same message again (same Message-ID)'} when killed at ${killAt} (${storeKind})`, async () => {
      dir = await cloudChildDir('notify-crash');
      const d = dir;
      sink = await startSmtpSink();
      const mailSink = sink;
      const db = storeKind === 'postgres' ? await freshDatabase((server as Postgres).url, 'notify_crash') : undefined;
      d.configure({
        dataAccess: 'open',
        ...(db ? { db } : {}),
        patients: [
          {
            id: 'hf-7',
            family: 'Martin',
            given: 'Jeanne',
            gateways: ['home-7'],
            // Followed since yesterday: no non-transmission alert (2 days) to tell of besides the weight gain.
            telemonitoring: { programme: 'heart-failure', since: new Date(Date.now() - DAY).toISOString() },
          },
        ],
        outbox: {
          email: { host: '127.0.0.1', port: mailSink.port, tls: 'none', from: 'alertes@telecart.example' },
          everySeconds: 1,
          leaseSeconds: 5,
        },
        alertNotifications: {
          dashboardUrl: 'https://cloud.example',
          teams: [
            {
              id: 'ic',
              programmes: ['heart-failure'],
              levels: [{ contacts: [{ name: 'IDE de garde', email: 'ide@example.org' }] }],
            },
          ],
        },
      });
      cloud = await d.start({ killAt });
      const first = cloud;
      const died = exitSignal(first);
      gw = await TestGateway.connect(String(first.info.mqttUrl), 'home-7');
      const batch = weights();
      void gw.send(batch).catch(() => undefined);
      expect(await died).toBe('SIGKILL');
      await gw.close();
      expect(mailSink.received).toHaveLength(copies - 1);

      cloud = await d.start();
      gw = await TestGateway.connect(String(cloud.info.mqttUrl), 'home-7');
      expect((await gw.send(batch)).duplicates).toBe(4);
      const mails = await mailSink.waitFor(copies);
      // Settled: the row says sent, after which nothing can send it again; then count what arrived.
      await gw.close();
      gw = undefined;
      await waitSent(String(cloud.info.httpUrl));
      await cloud.stop();
      cloud = undefined;
      expect(mails).toHaveLength(copies);
      expect(new Set(mails.map((m) => m.messageId)).size).toBe(1);
      expect(mails[0]?.subject).toMatch(/^\[Telecart\] Alerte .* : prise de poids sur 3 jours \(J\. M\.\)$/);
      expect(await outboxRows(db)).toEqual([{ status: 'sent', recipient: 'ide@example.org', attempts: copies }]);
    });
  }
});

/** Until the cloud's outbox has no pending message (its /metrics gauge, updated after each round). */
async function waitSent(httpUrl: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const sent = /telecart_cloud_outbox_messages_total\{channel="email",outcome="sent"\} (\d+)/.exec(text);
    if (/^telecart_cloud_outbox_pending 0$/m.test(text) && sent && Number(sent[1]) >= 1) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the outbox did not settle');
}
