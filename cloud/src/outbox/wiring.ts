/** Starts the outbox sender and the alert notifier inside the cloud, from their config sections. */
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import type { PatientEnrollment } from '../alerts/config.js';
import type { AlertEngine, Scheduler } from '../alerts/engine.js';
import type { EnrolmentSource } from '../alerts/enrolment-source.js';
import { AlertNotificationsConfig } from '../alerts/notify/config.js';
import { AlertNotifier } from '../alerts/notify/notifier.js';
import type { CloudStore } from '../store/cloud-store.js';
import { type AppointmentContacts, AppointmentInviter } from './appointment-inviter.js';
import type { ReminderLeads } from './appointment-messages.js';
import { brevoSmsSender } from './brevo-sms.js';
import { OutboxConfig } from './config.js';
import { OutboxSender } from './sender.js';
import { smtpSender } from './smtp.js';

/** A section given in code (tests, embedders) gets the schema's defaults, as a loaded file does. */
export function withDefaults<S extends TSchema>(schema: S, value: unknown, key: string): Static<S> {
  const v = Value.Default(schema, structuredClone(value ?? {}));
  const first = Value.Errors(schema, v).First();
  if (first) throw new Error(`${key}${first.path.replaceAll('/', '.')}: ${first.message}`);
  return v as Static<S>;
}

export interface NotificationsOptions {
  outbox?: unknown;
  alertNotifications?: unknown;
  /** Clock of the sender and the notifier (tests move it; default Date.now), and their scheduler. */
  clock?: () => number;
  schedule?: Scheduler;
  env?: NodeJS.ProcessEnv;
  /** Who gets appointment invitations and reminders, and when (teleconsult.appointmentReminders). */
  appointments?: {
    contacts: AppointmentContacts;
    leads: ReminderLeads;
    checkEverySeconds: number;
    timeZone: string;
    /** The key of the patients' join links (teleconsult/join-links.ts); without it, no link in the messages. */
    joinKey?: Buffer;
  };
}

export interface Notifications {
  sender: OutboxSender | null;
  notifier: AlertNotifier | null;
  /** Null without an outbox transport or without appointments options. */
  inviter: AppointmentInviter | null;
  stop(): Promise<void>;
}

export async function startNotifications(o: {
  store: CloudStore;
  alerts: Pick<AlertEngine, 'onAlert'>;
  /** Who is enrolled: the store's enrolments in the cloud (those made through the API too), a fixed map in tests. */
  enrollments: ReadonlyMap<string, PatientEnrollment> | EnrolmentSource;
  /** Whether a patient is on one of a site's carts (teams with a `site`). */
  inSite?: (patientId: string, siteId: string) => Promise<boolean>;
  dashboardUrl: string;
  options: NotificationsOptions;
  logger: Logger;
}): Promise<Notifications> {
  const outbox = withDefaults(OutboxConfig, o.options.outbox, 'outbox');
  const notify = withDefaults(AlertNotificationsConfig, o.options.alertNotifications, 'alertNotifications');
  const env = o.options.env ?? process.env;
  const clock = o.options.clock ? { now: o.options.clock } : {};
  const schedule = o.options.schedule ? { schedule: o.options.schedule } : {};
  const email = outbox.email ? smtpSender(outbox.email, env) : undefined;
  const sms = outbox.sms ? brevoSmsSender(outbox.sms, env) : undefined;
  const sender =
    email || sms
      ? new OutboxSender({
          store: o.store,
          ...(email ? { email } : {}),
          ...(sms ? { sms } : {}),
          policy: {
            maxAttempts: outbox.maxAttempts,
            retryMs: outbox.retrySeconds * 1000,
            maxRetryMs: outbox.maxRetrySeconds * 1000,
            leaseMs: outbox.leaseSeconds * 1000,
            everyMs: outbox.everySeconds * 1000,
          },
          logger: o.logger.child({ part: 'outbox' }),
          ...clock,
          ...schedule,
        })
      : null;
  // The configured teams seed the store once; the store is read at each round from then on, so a
  // team edited on the administration page counts without a restart (docs/notifications.md).
  const seeded = await o.store.seedOncallTeams(
    notify.teams.map((team) => ({ team, source: 'config' as const, updatedAt: new Date(o.options.clock?.() ?? Date.now()).toISOString() })),
  );
  if (seeded.length > 0) o.logger.info({ teams: seeded }, 'notify: on-call teams written to the store from the configuration');
  // With a transport the notifier runs even without a team yet: one added on the page is told at the next alert.
  const notifier =
    notify.teams.length > 0 || sender
      ? new AlertNotifier({
          store: o.store,
          teams: async () => (await o.store.listOncallTeams()).map((t) => t.team),
          enrollments: o.enrollments,
          ...(o.inSite ? { inSite: o.inSite } : {}),
          dashboardUrl: (notify.dashboardUrl ?? o.dashboardUrl).replace(/\/+$/, ''),
          onEnqueued: () => void sender?.wake(),
          everyMs: notify.checkEverySeconds * 1000,
          logger: o.logger.child({ part: 'notify' }),
          ...clock,
          ...schedule,
        })
      : null;
  const appts = o.options.appointments;
  const inviter =
    sender && appts
      ? new AppointmentInviter({
          store: o.store,
          contacts: appts.contacts,
          leads: appts.leads,
          // The invitation comes from the address the e-mails leave from (SMS only: a no-reply of the cloud's host).
          organizer: { name: outbox.email?.fromName ?? 'Telecart', email: outbox.email?.from ?? `no-reply@${hostOf(o.dashboardUrl)}` },
          uidDomain: hostOf(o.dashboardUrl),
          ...(appts.joinKey ? { joinLinks: { key: appts.joinKey, publicBaseUrl: o.dashboardUrl } } : {}),
          timeZone: appts.timeZone,
          lang: 'fr',
          everyMs: appts.checkEverySeconds * 1000,
          onEnqueued: () => void sender.wake(),
          logger: o.logger.child({ part: 'invite' }),
          ...clock,
          ...schedule,
        })
      : null;
  const unsubscribe = notifier ? o.alerts.onAlert(notifier.onAlert) : () => undefined;
  await sender?.start();
  await notifier?.start();
  await inviter?.start();
  if (notifier) o.logger.info({ teams: (await o.store.listOncallTeams()).length }, 'notify: alert notifications active');
  return {
    sender,
    notifier,
    inviter,
    async stop() {
      unsubscribe();
      await inviter?.stop();
      await notifier?.stop();
      await sender?.stop();
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'telecart.invalid';
  } catch {
    return 'telecart.invalid';
  }
}
