/**
 * Starts the whole cloud in one process: SQLite store, embedded MQTT broker (unless an external
 * one is given), ingest, and the HTTP API + dashboard. `stop()` undoes it in reverse order.
 */
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { CartAgendaPublisher } from './agenda/publisher.js';
import type { AlertEngine } from './alerts/engine.js';
import { storeEnrolments } from './alerts/enrolment-source.js';
import type { NotifyTeam } from './alerts/notify/config.js';
import { checkEnrollments, type EnrolledPatientSeed, startAlertEngine, type TelemonitoringOptions } from './alerts/wiring.js';
import type { OidcConfig } from './auth/config.js';
import { OidcSignIn, readClientSecret } from './auth/oidc.js';
import type { ConnectRateOptions } from './broker/connect-gate.js';
import { type BrokerAuthorizer, type EmbeddedBroker, startEmbeddedBroker } from './broker/embedded-broker.js';
import { DEFAULT_UPLINK_CREDIT, type UplinkCreditOptions } from './broker/uplink-credit.js';
import { assertCloudConfig } from './config.js';
import { patientAddresses, patientTelecom, seedPatientContacts } from './directory/patient-contact.js';
import { buildHttpApp } from './http/app.js';
import { type Ingest, type IngestOptions, startIngest, startInProcessIngest } from './ingest/ingest.js';
import { NurseService } from './nurses/service.js';
import { type ReferringGp, ReportLinkMailer } from './outbox/report-link-mailer.js';
import type { OutboxMetrics } from './outbox/sender.js';
import { startNotifications } from './outbox/wiring.js';
import { CartPatientsPublisher } from './patients/publisher.js';
import type { CloudSecurity } from './security/cloud-security.js';
import {
  type CloudTlsOptions,
  dropRevoked,
  ingestMqttOptions,
  openCloudSecurity,
  securedBrokerOptions,
  startCloudEnrollment,
} from './security/cloud-wiring.js';
import type { CloudStore } from './store/cloud-store.js';
import { openCloudStore } from './store/open-store.js';
import { type Telecom, type TeleconsultOptions, teleconsultDefaults } from './teleconsult/config.js';
import type { HomeActClock } from './teleconsult/home-acts.js';
import { JOIN_KEY_FILE, loadJoinKey } from './teleconsult/join-links.js';
import { NoShowSweeper } from './teleconsult/no-show-sweeper.js';
import { type StartTeleconsultOptions, signalingMqttOptions, startTeleconsult, type Teleconsult } from './teleconsult/service.js';

export interface StartCloudOptions {
  dataDir: string;
  /** postgres://… to keep the store in PostgreSQL; default SQLite in dataDir. */
  db?: string;
  /** SQLite: commit the ingest's writes in a worker thread, off the event loop (default true). */
  sqliteIntakeThread?: boolean;
  /** Embedded broker port (default 1883; 0 = any free port). Ignored with externalBrokerUrl. */
  mqttPort?: number;
  /** HTTP port (default 8080; 0 = any free port). */
  httpPort?: number;
  /** Listen address of the broker and the HTTP server (default 127.0.0.1). */
  host?: string;
  /** Configured patients; `telemonitoring` enrolls one in a programme whose alerts the cloud raises. */
  patients?: (EnrolledPatientSeed & { telecom?: Telecom; referringGp?: ReferringGp })[];
  /** The telemonitoring alert engine (docs/telemonitoring-alerts.md). */
  telemonitoring?: TelemonitoringOptions;
  logger?: Logger;
  externalBrokerUrl?: string;
  /** With an external broker: share the uplinks with other cloud instances ($share). */
  ingestShared?: boolean;
  publicBaseUrl?: string;
  timeZone?: string;
  /** Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For is believed: the login throttle counts clients, not the proxy. */
  trustProxy?: string[];
  /** Who reads patient data over HTTP (default 'clinicians'; 'open' only on a closed network, warned at start). */
  dataAccess?: 'clinicians' | 'open';
  brokerAuthorizer?: BrokerAuthorizer;
  /** Embedded broker: connections accepted per second before it sheds load (default DEFAULT_CONNECT_RATE; false: none). */
  brokerConnectRate?: ConnectRateOptions | false;
  /**
   * Embedded broker: the ingest takes the batches from the broker in this process ('in-process',
   * default) or as an MQTT client of its internal listener ('mqtt', the layout before; docs/region.md).
   * Ignored with an external broker or an ingestFactory.
   */
  embeddedIngest?: 'in-process' | 'mqtt';
  /** Embedded broker: admission at the store's pace (default DEFAULT_UPLINK_CREDIT; false: none). */
  brokerUplinkCredit?: UplinkCreditOptions | false;
  /** MQTT protocol of the ingest: 4 (3.1.1, default) or 5 (external brokers only). */
  mqttVersion?: 4 | 5;
  /** Mutual TLS, enrollment and revocation (docs/security.md). */
  tls?: CloudTlsOptions;
  /** Runs the ingest elsewhere (e.g. worker processes) instead of in this process. */
  ingestFactory?: (o: IngestOptions) => Promise<Ingest>;
  /** Specialist accounts, waiting-room timeouts, ICE servers (docs/teleconsultation.md). */
  teleconsult?: TeleconsultOptions;
  /** Sign-in with an OpenID Connect provider (docs/security.md, "Sign-in"). */
  auth?: { oidc?: OidcConfig | undefined };
  /** Clock of the login and enrollment throttle (tests move it; default Date.now). */
  throttleClock?: () => number;
  /** Clock of the clinicians' login lifetimes, absolute and idle (tests move it; default Date.now). */
  loginClock?: () => number;
  /** How often an act's page gets the patient's latest vitals again (default 15 s; tests shorten it). */
  vitalsEveryMs?: number;
  /** The durable outbox's transports and retry policy (docs/notifications.md). */
  outbox?: { email?: unknown; sms?: unknown; [key: string]: unknown };
  /** Who is told of alerts, by e-mail and SMS (docs/notifications.md). */
  alertNotifications?: { teams?: readonly NotifyTeam[]; [key: string]: unknown };
  /** Clock of the outbox sender and the alert notifier (tests move it; default Date.now). */
  notifyClock?: () => number;
  /** Clock of the patients' join links' expiry (tests move it; default the system's). */
  joinClock?: () => Date;
  /** Clock of the carts' days (which day it is, when midnight comes; tests move it; default now). */
  agendaClock?: () => Date;
  /** Clock of the sweep that closes appointments nobody called (tests move it; default now). */
  noShowClock?: () => Date;
  /** Clock and timers of the home acts' statuses (tests move them; default the system's). */
  homeActClock?: HomeActClock;
  /** The acts' rooms on the forwarding unit (tests: hostAddresses ['127.0.0.1']; default every interface). */
  forwardingUnit?: StartTeleconsultOptions['forwardingUnit'];
}

export interface Cloud {
  mqttUrl: string;
  httpUrl: string;
  store: CloudStore;
  ingest: Ingest;
  /** Telemonitoring alerts: rules on new readings, non-transmission checks. */
  alerts: AlertEngine;
  /** The teleconsultation relay, accounts and logins. */
  teleconsult: Teleconsult;
  /** Each cart's acts of the day and its patients' documents, retained on its agenda topic. */
  agenda: CartAgendaPublisher;
  /** Each cart's patient list from the directory, retained on its patients topic. */
  patientLists: CartPatientsPublisher;
  /** The nurses allowed on each cart (retained on its nurses topic) and their full sign-in. */
  nurses: NurseService;
  /** Closes appointments nobody called (no-show); `sweep()` runs a round now. */
  noShows: NoShowSweeper;
  /** With tls.enabled: the CA, tokens and revocation. */
  security?: CloudSecurity;
  /** With tls.enabled: the HTTPS enrollment endpoint. */
  enrollUrl?: string;
  stop(): Promise<void>;
}

export const CLOUD_DB_FILE = 'cloud.db';

/** A URL a client on this machine can use, also when listening on every interface. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startCloud(opts: StartCloudOptions): Promise<Cloud> {
  const logger = opts.logger ?? pino({ name: 'telecart-cloud' });
  const host = opts.host ?? '127.0.0.1';
  const undo: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (e) {
        logger.error({ err: e }, 'cloud: error while stopping');
      }
    }
    undo.length = 0;
  };

  try {
    // The checks of `config check` (time zone, enrollments, accounts…) stop the start before anything opens.
    assertCloudConfig(opts);
    checkEnrollments(opts.patients);
    const store = await openCloudStore({
      db: opts.db,
      sqliteFile: join(opts.dataDir, CLOUD_DB_FILE),
      ...(opts.sqliteIntakeThread === undefined ? {} : { sqliteIntakeThread: opts.sqliteIntakeThread }),
      onIntakeThreadExit: (err) =>
        logger.error({ err }, 'cloud: the SQLite intake thread died; its rounds were not acked (the gateways resend), another starts'),
      onConnectionError: (err) => logger.warn({ err }, 'cloud: database connection lost; the pool reconnects'),
      onUnreadableRow: (row) =>
        logger.error(
          { table: row.table, id: row.id, error: row.error },
          'cloud: a stored row cannot be read; every read skips it (counted in /api/metrics/store, logged once per row)',
        ),
    });
    undo.push(() => store.close());
    if (opts.patients?.length) {
      // The directory is the authority on a patient it has managed (identity status, admission, merge):
      // the configuration no longer re-seeds it, or a restart would undo a transfer (docs/patient-directory.md).
      const managed = new Set(
        (await store.listDirectory())
          .filter((p) => p.identityStatus !== null || p.admittedAt !== null || p.mergedInto !== null)
          .map((p) => p.id),
      );
      const seeds = opts.patients.filter((p) => !managed.has(p.id));
      if (seeds.length < opts.patients.length)
        logger.info(
          { patients: opts.patients.filter((p) => managed.has(p.id)).map((p) => p.id) },
          'cloud: configured patients the directory manages are not re-seeded from the configuration',
        );
      if (seeds.length > 0) await store.upsertPatients(seeds);
      // patients[].telecom seeds the directory's contact, while no one set or removed it there.
      const contacts = await seedPatientContacts(store, opts.patients, new Date());
      if (contacts > 0) logger.info({ contacts }, "cloud: patients' contacts seeded from the configuration");
    }

    const security = opts.tls?.enabled
      ? await openCloudSecurity(opts.dataDir, host, opts.tls, logger.child({ part: 'security' }))
      : undefined;
    if (security) undo.push(async () => security.close());

    let broker: EmbeddedBroker | undefined;
    if (opts.externalBrokerUrl === undefined) {
      broker = await startEmbeddedBroker({
        host,
        port: opts.mqttPort ?? (security ? 8883 : 1883),
        logger: logger.child({ part: 'broker' }),
        ...(security ? securedBrokerOptions(security) : {}),
        ...(opts.brokerAuthorizer ? { authorizer: opts.brokerAuthorizer } : {}),
        ...(opts.brokerConnectRate !== undefined ? { connectRate: opts.brokerConnectRate } : {}),
        // Gateways wait at the door until the ingest below has subscribed: what they sent before would reach nobody.
        uplinkCredit:
          opts.brokerUplinkCredit === false ? false : { ...(opts.brokerUplinkCredit ?? DEFAULT_UPLINK_CREDIT), awaitIngest: true },
      });
      const b = broker;
      undo.push(() => b.stop());
      if (security) {
        const stopRotation = dropRevoked(security, b, logger.child({ part: 'broker' }));
        undo.push(async () => stopRotation());
      }
    }
    // The cloud's own clients use the embedded broker's internal listener (never shed by its connect rate).
    const brokerUrl = opts.externalBrokerUrl ?? broker?.internalUrl;
    if (brokerUrl === undefined) throw new Error('no MQTT broker');

    // aedes has no shared subscriptions: a $share filter would silently match nothing.
    if (broker && opts.ingestShared) logger.warn('cloud: ingestShared ignored with the embedded broker');
    const shared = broker === undefined && (opts.ingestShared ?? false);
    const ingestSettings = { store, logger: logger.child({ part: 'ingest' }) };
    // The ingest as an MQTT client, with its client certificate (issued on first use, so not in the in-process layout).
    const ingestOpts = async (): Promise<IngestOptions> => ({
      ...ingestSettings,
      brokerUrl,
      shared,
      mqttOptions: await ingestMqttOptions(security, opts.mqttVersion),
    });
    // The embedded layout: the ingest in the broker's process, without a second MQTT/TLS hop per batch and ack.
    const ingest = opts.ingestFactory
      ? await opts.ingestFactory(await ingestOpts())
      : broker && opts.embeddedIngest !== 'mqtt'
        ? await startInProcessIngest(broker.inProcessClient(), ingestSettings)
        : await startIngest(await ingestOpts());
    undo.push(() => ingest.stop());
    const alerts = await startAlertEngine({
      store,
      ingest,
      seeds: opts.patients ?? [],
      options: opts.telemonitoring,
      logger: logger.child({ part: 'alerts' }),
    });
    undo.push(() => alerts.stop());

    // The carts' days: published with the relay's identity, once the links' origin is known (after listen).
    let directory: Teleconsult['directory'] | undefined;
    let relayFlush: (() => Promise<void>) | undefined;
    const agenda = await CartAgendaPublisher.connect({
      brokerUrl,
      mqttOptions: await signalingMqttOptions(security, opts.mqttVersion, 'agenda'),
      store,
      nameOf: (id) => directory?.get(id)?.name ?? null,
      timeZone: opts.timeZone ?? 'Europe/Paris',
      logger: logger.child({ part: 'agenda' }),
      settled: () => relayFlush?.() ?? Promise.resolve(),
      ...(opts.agendaClock ? { now: opts.agendaClock } : {}),
      // The carts' link tokens derive from the join links' key (another purpose string): kept across restarts.
      linkKey: loadJoinKey(join(opts.dataDir, JOIN_KEY_FILE)),
    });
    undo.push(() => agenda.stop());
    const patientLists = await CartPatientsPublisher.connect({
      brokerUrl,
      mqttOptions: await signalingMqttOptions(security, opts.mqttVersion, 'patients'),
      store,
      logger: logger.child({ part: 'patient-lists' }),
    });
    undo.push(() => patientLists.stop());
    // The signaling relay lives here, not in the ingest workers: it holds the live sessions and the pages' sockets.
    const teleconsult = await startTeleconsult({
      onActChange: (gw) => agenda.changed(gw),
      brokerUrl,
      mqttOptions: await signalingMqttOptions(security, opts.mqttVersion, 'relay'),
      store,
      config: teleconsultDefaults(opts.teleconsult),
      logger: logger.child({ part: 'teleconsult' }),
      ...(opts.throttleClock ? { throttleClock: opts.throttleClock } : {}),
      ...(opts.loginClock ? { loginClock: opts.loginClock } : {}),
      ...(opts.vitalsEveryMs ? { vitalsEveryMs: opts.vitalsEveryMs } : {}),
      ...(opts.homeActClock ? { homeActClock: opts.homeActClock } : {}),
      ...forwardingUnitOf(opts),
    });
    undo.push(() => teleconsult.stop());
    directory = teleconsult.directory;
    relayFlush = () => teleconsult.relay.flush();
    // The nurses' lists and full sign-in, with the relay's identity (docs/nurse-sign-in.md).
    const nurses = await NurseService.start({
      brokerUrl,
      mqttOptions: await signalingMqttOptions(security, opts.mqttVersion, 'nurses'),
      store,
      accounts: teleconsult.directory,
      nurses: teleconsult.config.nurses,
      requireTotp: teleconsult.config.requireTotp,
      logger: logger.child({ part: 'nurses' }),
    });
    undo.push(() => nurses.stop());
    const oidcConfig = opts.auth?.oidc;
    const oidc = oidcConfig
      ? await OidcSignIn.discover({ config: oidcConfig, clientSecret: readClientSecret(oidcConfig.clientSecretFile) })
      : undefined;

    // The sender and the notifier need the dashboard's origin for their links: known once listening.
    let outboxMetrics: (() => OutboxMetrics) | undefined;
    let wakeInviter: (() => void) | undefined;
    let wakeSender: (() => void) | undefined;
    let reportLinks: ReportLinkMailer | undefined;
    const app = buildHttpApp({
      homeIdentity: {
        telecomOf: (id) => patientTelecom(store, id),
        channels: [...(opts.outbox?.email ? ['email' as const] : []), ...(opts.outbox?.sms ? ['sms' as const] : [])],
        wake: () => wakeSender?.(),
      },
      appointmentsChanged: () => wakeInviter?.(),
      reportSigned: (v) => {
        reportLinks
          ?.signed(v)
          .catch((e: unknown) =>
            logger.error({ err: e, versionId: v.id }, 'report: the links to the GP and the patient could not be enqueued'),
          );
      },
      ...(security ? { security } : {}),
      outboxChannels: [...(opts.outbox?.email ? ['email' as const] : []), ...(opts.outbox?.sms ? ['sms' as const] : [])],
      ...(opts.joinClock ? { joinClock: opts.joinClock } : {}),
      outbox: { metrics: () => outboxMetrics?.() ?? null },
      ...(oidc ? { oidc } : {}),
      store,
      ingest,
      teleconsult,
      agenda,
      patientLists,
      nurses,
      alerts: alerts.engine,
      logger: logger.child({ part: 'http' }),
      publicBaseUrl: opts.publicBaseUrl,
      timeZone: opts.timeZone,
      dataAccess: opts.dataAccess ?? 'clinicians',
      ...(opts.trustProxy?.length ? { trustProxy: opts.trustProxy } : {}),
    });
    if (opts.dataAccess === 'open')
      logger.warn(
        'cloud: dataAccess is open: the dashboard and the patient-data API answer anyone who reaches the HTTP port, without login',
      );
    else if (teleconsult.directory.size === 0)
      logger.warn('cloud: no clinician account (teleconsult.specialists): the dashboard and the patient-data API refuse every request');
    undo.push(() => app.close());
    await app.listen({ host, port: opts.httpPort ?? 8080 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('HTTP server did not bind a TCP port');
    const httpUrl = `http://${urlHost(host)}:${addr.port}`;
    // In the background: a slow broker does not hold the start (the carts get their day when it lands).
    agenda.begin(opts.publicBaseUrl ?? httpUrl).catch((e: unknown) => logger.error({ err: e }, 'agenda: the first days failed'));
    patientLists.refreshAll().catch((e: unknown) => logger.error({ err: e }, 'patient lists: the first lists failed'));
    const notifications = await startNotifications({
      store,
      alerts: alerts.engine,
      // The store's enrolments: one made through the API is notified like a configured one.
      enrollments: storeEnrolments(store),
      inSite: async (patientId, siteId) => (await store.patientGateways(patientId)).some((g) => teleconsult.directory.siteHas(siteId, g)),
      dashboardUrl: opts.publicBaseUrl ?? httpUrl,
      options: {
        outbox: opts.outbox,
        alertNotifications: opts.alertNotifications,
        ...(opts.notifyClock ? { clock: opts.notifyClock } : {}),
        appointments: {
          contacts: {
            patients: (ids) => patientAddresses(store, ids),
            specialists: teleconsult.config.specialists,
            sites: teleconsult.config.sites,
          },
          leads: teleconsult.config.appointmentReminders,
          checkEverySeconds: teleconsult.config.appointmentReminders.checkEverySeconds,
          timeZone: opts.timeZone ?? 'Europe/Paris',
          joinKey: loadJoinKey(join(opts.dataDir, JOIN_KEY_FILE)),
        },
      },
      logger,
    });
    undo.push(() => notifications.stop());
    const sender = notifications.sender;
    if (sender) {
      outboxMetrics = () => sender.metrics();
      wakeSender = () => void sender.wake();
    }
    const inviter = notifications.inviter;
    if (inviter) wakeInviter = () => void inviter.wake();
    // The referring GP (e-mail) and the patient (e-mail, SMS) get a link to each signed report, by the transports configured.
    const reportChannels = [...(opts.outbox?.email ? ['email' as const] : []), ...(opts.outbox?.sms ? ['sms' as const] : [])];
    if (sender && reportChannels.length > 0) {
      const publicBaseUrl = opts.publicBaseUrl ?? httpUrl;
      reportLinks = new ReportLinkMailer({
        store,
        // The directory's GP (admin page, API) first; the configuration's is the seed until one is set there.
        gpOf: async (id) => {
          const gp = await store.referringGps.get(id);
          if (gp !== null) return gp.email !== null ? { name: gp.name, email: gp.email } : undefined;
          return opts.patients?.find((p) => p.id === id)?.referringGp;
        },
        // The patient's own contact (the directory's), and the directory's date of birth the link asks.
        patientOf: async (id) => {
          const address = (await patientAddresses(store, [id])).get(id);
          if (!address) return undefined;
          return { ...address, birthDate: (await store.getPatient(id))?.birthDate ?? null };
        },
        channels: reportChannels,
        publicBaseUrl: () => publicBaseUrl,
        audit: (e) => teleconsult.relay.recordAudit(e),
        onEnqueued: () => void sender.wake(),
        lang: 'fr',
        timeZone: opts.timeZone ?? 'Europe/Paris',
      });
      const catchingUp = reportLinks;
      void catchingUp
        .catchUp()
        .then((n) => n > 0 && logger.info({ reports: n }, 'report: links sent for versions signed before a stop'))
        .catch((e: unknown) => logger.error({ err: e }, 'report: the links of versions signed before a stop could not be caught up'));
    }
    // Appointments nobody called: closed as not done (no-show) once their slot and grace are over.
    const noShows = new NoShowSweeper({
      store,
      audit: (e) => teleconsult.relay.recordAudit(e),
      graceMinutes: teleconsult.config.noShowGraceMinutes,
      lateMinutes: teleconsult.config.appointmentWindowMinutes.late,
      onChange: (gw) => {
        agenda.changed(gw);
        wakeInviter?.();
      },
      logger: logger.child({ part: 'no-show' }),
      ...(opts.noShowClock ? { now: opts.noShowClock } : {}),
    });
    undo.push(() => noShows.stop());
    await noShows.start();
    const mqttUrl = broker ? `${security ? 'mqtts' : 'mqtt'}://${urlHost(host)}:${broker.port}` : brokerUrl;
    const enrollment =
      security && opts.tls
        ? await startCloudEnrollment(security, host, opts.tls, mqttUrl, logger.child({ part: 'enroll' }), teleconsult.throttle)
        : undefined;
    if (enrollment) undo.push(() => enrollment.close());
    logger.info({ httpUrl, mqttUrl, enrollUrl: enrollment?.url }, 'cloud: started');

    let stopping: Promise<void> | undefined;
    return {
      mqttUrl,
      httpUrl,
      store,
      ingest,
      alerts: alerts.engine,
      teleconsult,
      agenda,
      patientLists,
      nurses,
      noShows,
      ...(security ? { security } : {}),
      ...(enrollment ? { enrollUrl: enrollment.url } : {}),
      stop() {
        stopping ??= unwind();
        return stopping;
      },
    };
  } catch (e) {
    await unwind();
    throw e;
  }
}

/** The forwarding unit's options: the caller's (tests), else the configuration's host addresses. */
export function forwardingUnitOf(opts: Pick<StartCloudOptions, 'forwardingUnit' | 'teleconsult'>): {
  forwardingUnit?: NonNullable<StartTeleconsultOptions['forwardingUnit']>;
} {
  if (opts.forwardingUnit) return { forwardingUnit: opts.forwardingUnit };
  const hostAddresses = opts.teleconsult?.forwardingUnit?.hostAddresses;
  return hostAddresses ? { forwardingUnit: { hostAddresses: [...hostAddresses] } } : {};
}
