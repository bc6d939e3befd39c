/**
 * Alert notifications end to end inside one process: a real SQLite store, the real outbox sender
 * with its SMTP transport to a real SMTP server (smtp-server) and its SMS transport to a stand-in
 * of Brevo's API; the clock and the schedulers are the test's, so escalation, quiet hours and the
 * digest are driven by moving time, not by waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { brevoSmsSender } from '../../outbox/brevo-sms.js';
import { OutboxSender } from '../../outbox/sender.js';
import { smtpSender } from '../../outbox/smtp.js';
import type { AlertTrigger, CloudStore } from '../../store/cloud-store.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { type BrevoStandIn, startBrevoStandIn } from '../../testing/brevo-stand-in.js';
import { type SmtpSink, startSmtpSink } from '../../testing/smtp-sink.js';
import { enrollmentsOf } from '../config.js';
import type { NotifyTeam } from './config.js';
import { AlertNotifier } from './notifier.js';

const MIN = 60_000;
const silent = pino({ level: 'silent' });

const team = (over: Partial<NotifyTeam> = {}): NotifyTeam => ({
  id: 'ic-paris',
  programmes: ['heart-failure'],
  timeZone: 'Europe/Paris',
  lang: 'fr',
  levels: [
    { afterMinutes: 0, contacts: [{ name: 'IDE de garde', email: 'ide@example.org', phone: '+33612345678' }] },
    { afterMinutes: 15, contacts: [{ name: 'Cardiologue', email: 'cardio@example.org' }] },
    { afterMinutes: 30, contacts: [{ name: 'Chef de service', email: 'chef@example.org' }] },
  ],
  ...over,
});

const trigger = (severity: 'warning' | 'critical', at: number, rule = 'hf-weight-gain-3d'): AlertTrigger => ({
  patientId: 'hf-7',
  rule,
  severity,
  at: new Date(at),
  observationIds: ['o1'],
  textKey: rule,
  values: { gainKg: 2.1, fromKg: 68, toKg: 70.1 },
});

describe('AlertNotifier + OutboxSender (SQLite, SMTP server, Brevo stand-in, moved clock)', () => {
  let dir: string;
  let store: CloudStore;
  let sink: SmtpSink;
  let brevo: BrevoStandIn;
  let now: number;
  let sender: OutboxSender;
  let notifier: AlertNotifier;
  const manual = () => () => undefined;

  const open = (teams: NotifyTeam[], inSite?: (patientId: string, siteId: string) => Promise<boolean>) => {
    sender = new OutboxSender({
      store,
      email: smtpSender({ host: '127.0.0.1', port: sink.port, tls: 'none', from: 'alertes@telecart.example' }),
      sms: brevoSmsSender({ provider: 'brevo', apiKeyEnv: 'K', sender: 'Telecart', url: brevo.url, timeoutSeconds: 5 }, { K: 'key' }),
      policy: { maxAttempts: 3, retryMs: MIN, maxRetryMs: 10 * MIN, leaseMs: 2 * MIN, everyMs: 10_000 },
      logger: silent,
      now: () => now,
      schedule: manual,
    });
    notifier = new AlertNotifier({
      store,
      teams,
      enrollments: enrollmentsOf([{ id: 'hf-7', telemonitoring: { programme: 'heart-failure' } }]),
      dashboardUrl: 'https://cloud.example',
      ...(inSite ? { inSite } : {}),
      onEnqueued: () => void sender.wake(),
      everyMs: 30_000,
      logger: silent,
      now: () => now,
      schedule: manual,
    });
  };
  /** One notifier round, then the sender sends what became due. */
  const step = async () => {
    await notifier.wake();
    await sender.wake();
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-notify-'));
    store = new SqliteStore({ file: join(dir, 'cloud.db') });
    await store.upsertPatients([{ id: 'hf-7', family: 'Martin', given: 'Jeanne' }]);
    sink = await startSmtpSink();
    brevo = await startBrevoStandIn('key');
  });
  afterEach(async () => {
    await notifier?.stop();
    await sender?.stop();
    await store.close();
    await sink.close();
    await brevo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("tells a team with a site only of that site's patients", async () => {
    now = Date.parse('2026-12-07T10:00:00Z');
    const sites: Record<string, string> = { 'hf-7': 'home-a' };
    const one = (id: string, site: string, email: string) =>
      team({ id, site, levels: [{ afterMinutes: 0, contacts: [{ name: id, email }] }] });
    open([one('team-a', 'home-a', 'a@example.org'), one('team-b', 'home-b', 'b@example.org')], async (p, s) => sites[p] === s);
    await store.upsertOpenAlert(trigger('warning', now));
    await step();
    expect(sink.received.map((m) => (m.to && 'value' in m.to ? m.to.value[0]?.address : null))).toEqual(['a@example.org']);
  });

  it('tells level 1 by e-mail and SMS at once, without any measured value; escalates on the moved clock; an acknowledgement stops it', async () => {
    now = Date.parse('2026-12-07T10:00:00Z'); // 11:00 in Paris
    open([team()]);
    const { alert } = await store.upsertOpenAlert(trigger('warning', now));
    await step();
    expect(sink.received.map((m) => (m.to && 'value' in m.to ? m.to.value[0]?.address : null))).toEqual(['ide@example.org']);
    const mail = sink.received[0];
    expect(mail?.subject).toBe('[Telecart] Alerte à surveiller : prise de poids sur 3 jours (J. M.)');
    expect(mail?.text).toContain('https://cloud.example/patients/hf-7');
    expect(brevo.requests).toHaveLength(1);
    const sms = brevo.requests[0]?.body as { recipient: string; content: string; sender: string; type: string };
    expect(sms).toMatchObject({ recipient: '33612345678', sender: 'Telecart', type: 'transactional' });
    expect(sms.content).toBe('Telecart à surveiller : prise de poids sur 3 jours, patient J. M.. https://cloud.example/patients/hf-7');
    // No value, no name: the weights of the trigger appear nowhere.
    for (const text of [sms.content, mail?.text ?? '', mail?.subject ?? '']) expect(text).not.toMatch(/70[.,]1|68|2[.,]1|Martin|Jeanne/);

    now += 14 * MIN;
    await step();
    expect(sink.received).toHaveLength(1);
    now += MIN;
    await step();
    expect(sink.received.map((m) => m.subject)).toEqual([
      '[Telecart] Alerte à surveiller : prise de poids sur 3 jours (J. M.)',
      '[Telecart] Relance : alerte à surveiller non acquittée : prise de poids sur 3 jours (J. M.)',
    ]);
    expect(sink.received[1]?.text).toContain('pas été acquittée depuis 15 minutes : elle vous est transmise (niveau 2)');
    expect(brevo.requests).toHaveLength(1);

    await store.acknowledgeAlert(alert.id, 'dr-roux', null, new Date(now));
    notifier.onAlert({ change: 'acknowledged', alert: { ...alert, status: 'acknowledged' } });
    now += 60 * MIN;
    await step();
    expect(sink.received).toHaveLength(2);
    expect(await store.getEscalation(alert.id)).toBeNull();
    expect(sender.metrics().settled).toEqual({ email: { sent: 2, retried: 0, failed: 0 }, sms: { sent: 1, retried: 0, failed: 0 } });
  });

  it('escalation survives a restart: its state is in the store, a new notifier goes on from there', async () => {
    now = Date.parse('2026-12-07T10:00:00Z');
    open([team()]);
    const { alert } = await store.upsertOpenAlert(trigger('warning', now));
    await step();
    await notifier.stop();
    await sender.stop();
    now += 20 * MIN;
    open([team()]);
    await step();
    expect(sink.received.map((m) => (m.to && 'value' in m.to ? m.to.value[0]?.address : null))).toEqual([
      'ide@example.org',
      'cardio@example.org',
    ]);
    expect(await store.getEscalation(alert.id)).toMatchObject({ level: 3 });
  });

  it('quiet hours hold a warning until they end (and the next level is timed from then); a critical alert goes at once', async () => {
    now = Date.parse('2026-12-07T22:00:00Z'); // 23:00 in Paris
    open([team({ quietHours: { from: '21:00', to: '07:30' } })]);
    const warning = (await store.upsertOpenAlert(trigger('warning', now))).alert;
    await step();
    expect(sink.received).toHaveLength(0);
    expect(brevo.requests).toHaveLength(0);
    const held = await store.listOutbox({ topic: `alert:${warning.id}` });
    expect(held.map((m) => m.notBefore)).toEqual(['2026-12-08T06:30:00.000Z', '2026-12-08T06:30:00.000Z']);
    expect(await store.getEscalation(warning.id)).toMatchObject({ level: 2, dueAt: new Date('2026-12-08T06:45:00.000Z') });

    await store.upsertOpenAlert(trigger('critical', now, 'hf-weight-gain-1d'));
    await step();
    expect(sink.received.map((m) => m.subject)).toEqual(['[Telecart] Alerte CRITIQUE : prise de poids sur 24 h (J. M.)']);
    expect(brevo.requests).toHaveLength(1);

    // The critical alert escalates through the night; the warning stays held.
    now = Date.parse('2026-12-07T22:15:00Z');
    await step();
    now = Date.parse('2026-12-07T22:45:00Z');
    await step();
    const to = () => sink.received.map((m) => (m.to && 'value' in m.to ? m.to.value[0]?.address : null));
    expect(to()).toEqual(['ide@example.org', 'cardio@example.org', 'chef@example.org']);
    expect(brevo.requests).toHaveLength(1);

    now = Date.parse('2026-12-08T06:30:00Z');
    await step();
    expect(to()).toEqual(['ide@example.org', 'cardio@example.org', 'chef@example.org', 'ide@example.org']);
    expect(sink.received[3]?.subject).toBe('[Telecart] Alerte à surveiller : prise de poids sur 3 jours (J. M.)');
    expect(brevo.requests).toHaveLength(2);
  });

  it('an acknowledgement during the quiet hours withdraws the held messages', async () => {
    now = Date.parse('2026-12-07T22:00:00Z');
    open([team({ quietHours: { from: '21:00', to: '07:30' } })]);
    const { alert } = await store.upsertOpenAlert(trigger('warning', now));
    await step();
    await store.acknowledgeAlert(alert.id, 'dr-roux', null, new Date(now));
    notifier.onAlert({ change: 'acknowledged', alert: { ...alert, status: 'acknowledged' } });
    now = Date.parse('2026-12-08T07:00:00Z');
    await step();
    expect(sink.received).toHaveLength(0);
    expect(brevo.requests).toHaveLength(0);
    expect((await store.listOutbox({ topic: `alert:${alert.id}` })).map((m) => m.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('writes one daily digest of the open alerts at the set local time, once even across rounds and restarts', async () => {
    now = Date.parse('2026-12-07T06:00:00Z'); // 07:00 in Paris
    const t = team({ digestAt: '08:00', levels: [{ afterMinutes: 0, contacts: [{ name: 'IDE', email: 'ide@example.org' }] }] });
    open([t]);
    await store.upsertOpenAlert(trigger('warning', now));
    await step();
    expect(sink.received).toHaveLength(1); // the alert itself
    now = Date.parse('2026-12-07T07:00:00Z'); // 08:00
    await step();
    await step();
    await notifier.stop();
    await sender.stop();
    open([t]);
    await step();
    expect(sink.received.map((m) => m.subject)).toEqual([
      '[Telecart] Alerte à surveiller : prise de poids sur 3 jours (J. M.)',
      '[Telecart] 1 alerte(s) ouverte(s) le 2026-12-07',
    ]);
    expect(sink.received[1]?.text).toContain(
      '- à surveiller : prise de poids sur 3 jours, patient J. M., depuis le 07/12/2026 07:00 : https://cloud.example/patients/hf-7',
    );
  });

  it('retries a message the SMTP server refused for now, and records one it refuses for good as failed', async () => {
    now = Date.parse('2026-12-07T10:00:00Z');
    open([team({ levels: [{ afterMinutes: 0, contacts: [{ name: 'IDE', email: 'ide@example.org' }] }] })]);
    sink.refuseNext(451);
    const { alert } = await store.upsertOpenAlert(trigger('warning', now));
    await step();
    expect(sink.received).toHaveLength(0);
    now += MIN;
    await step();
    expect(sink.received).toHaveLength(1);
    sink.refuseNext(550);
    await store.resolveOpenAlert('hf-7', 'hf-weight-gain-3d', 'system', new Date(now));
    const second = (await store.upsertOpenAlert(trigger('warning', now))).alert;
    await step();
    expect((await store.listOutbox({ topic: `alert:${second.id}` })).map((m) => [m.status, m.attempts])).toEqual([['failed', 1]]);
    expect((await store.listOutbox({ topic: `alert:${alert.id}` })).map((m) => [m.status, m.attempts])).toEqual([['sent', 2]]);
    expect(sender.metrics().settled.email).toEqual({ sent: 1, retried: 1, failed: 1 });
  });
});
