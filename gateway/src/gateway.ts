/**
 * Wires one gateway: store → device manager → sync → nurse API. Frame sources (the BLE central,
 * a serial reader, a replay) are plugged in as `frames` or later with attachFrames().
 */

import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { type Clock, systemClock } from '@telecart/devices';
import { formatConfigIssue, topics } from '@telecart/protocol';
import { CartDay } from './agenda/cart-day.js';
import { criticalVitals, watchStoreCapacity } from './alarms/index.js';
import { StethoscopeRecorder } from './audio/index.js';
import { checkGatewayConfig, type GatewayConfig, GatewayConfigError } from './config.js';
import { wireBleCentrals } from './devices/ble-wiring.js';
import { DeviceManager } from './devices/device-manager.js';
import type { FrameSource } from './devices/frame-source.js';
import { gatewayMqttOptions } from './enrollment/mqtt-options.js';
import { type HttpApi, startHttpApi } from './http/server.js';
import { type Logger, silentLogger } from './logger.js';
import { LiveSampleBus } from './media/live-samples.js';
import type { UplinkBudgetOptions } from './media/uplink-budget.js';
import { GatewayMetrics } from './metrics.js';
import { NurseAuditQueue } from './nurses/audit-queue.js';
import { BadgeReader } from './nurses/badge-reader.js';
import { FullSignIn } from './nurses/full-sign-in.js';
import { NurseRoster } from './nurses/roster.js';
import { type BadgeEvent, NurseSessions } from './nurses/sessions.js';
import { CartPatientList } from './patient/cart-patients.js';
import { PatientContext } from './patient/context.js';
import { SerialService } from './serial/serial-service.js';
import { ReadingStore } from './store/reading-store.js';
import type { StoreMigration } from './store/schema.js';
import { SyncClient } from './sync/sync-client.js';
import { TeleconsultAgent } from './teleconsult/agent.js';
import { mqttSignalingLink } from './teleconsult/mqtt-link.js';
import { GATEWAY_VERSION } from './version.js';

export interface StartGatewayOptions {
  /** A complete config (defaults applied, e.g. by resolveGatewayConfig or the CLI loader). */
  config: GatewayConfig;
  /** Where the SQLite store lives (created if missing). */
  dataDir: string;
  /** The cloud's MQTT broker, e.g. mqtt://127.0.0.1:1883. */
  cloudUrl: string;
  frames?: FrameSource | FrameSource[];
  logger?: Logger;
  clock?: Clock;
  /** Tests: the uplink budget's timings (media.uplinkBudget turns it on or off). */
  uplinkBudget?: UplinkBudgetOptions;
  /** The store's schema migration at open, before and after (logged too): a parent waiting for the start is told (the CLI). */
  onStoreMigration?: (m: StoreMigration) => void;
}

export interface Gateway {
  /** Base URL of the nurse API, e.g. http://127.0.0.1:8081. */
  httpUrl: string;
  config: GatewayConfig;
  store: ReadingStore;
  sync: SyncClient;
  devices: DeviceManager;
  patients: PatientContext;
  metrics: GatewayMetrics;
  /** Configured serial devices (oximeters, ECG boards): readers, waveform capture, status. */
  serial: SerialService;
  /** The stethoscope recorder, when audio.stethoscope is enabled. */
  stethoscope: StethoscopeRecorder | undefined;
  /** Live teleconsultation: rtc/down signaling, werift media, PTZ relay. */
  teleconsult: TeleconsultAgent;
  /** The cart's day from the cloud (its agenda topic), kept in the store across restarts. */
  cartDay: CartDay;
  /** The cart's patient list from the cloud's directory (its patients topic), kept in the store; the configuration's until one came. */
  cartPatients: CartPatientList;
  /** The nurses allowed on the cart (its nurses topic, kept in the store), who is signed in, the full sign-in. */
  nurses: {
    roster: NurseRoster;
    sessions: NurseSessions;
    fullSignIn: FullSignIn;
    taps: EventEmitter<{ badge: [BadgeEvent] }>;
    /** Sign-in attempts for the cloud's audit trail, queued in the store while offline. */
    audit: NurseAuditQueue;
  };
  /** Live waveform samples as read (the teleconsultation's ECG channel listens). */
  liveSamples: LiveSampleBus;
  /** Plugs in another frame source; returns its detach function. */
  attachFrames(source: FrameSource): () => void;
  /** Stops reading devices, the API and the sync (offline status sent), then closes the store. */
  stop(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<Gateway> {
  const { config } = opts;
  // The same checks as `config check` (a config built in code skips the file loader).
  const problems = checkGatewayConfig(config);
  if (problems.length > 0) throw new GatewayConfigError(problems.map(formatConfigIssue));
  const logger = opts.logger ?? silentLogger;
  const clock = opts.clock ?? systemClock;
  // Before anything opens: missing or wrong TLS credentials fail the start with a clear sentence.
  const mqtt = gatewayMqttOptions({
    cloudUrl: opts.cloudUrl,
    gatewayId: config.gatewayId,
    dataDir: opts.dataDir,
    tlsDir: config.tls.dir,
    mqttVersion: config.sync.mqttVersion,
  });

  const store = new ReadingStore({
    dataDir: opts.dataDir,
    gatewayId: config.gatewayId,
    clock,
    maxBytes: config.store.maxBytes,
    waveformStopRatio: config.store.waveformStopRatio,
    alarmRule: criticalVitals,
    onMigration: (m) => {
      // Logged before the rebuild holds the event loop (pino writes synchronously): the journal says why the start waits.
      if (m.phase === 'start')
        logger.warn(
          { from: m.from, to: m.to, readings: m.readings },
          `store: migrating schema v${m.from} → v${m.to} over ${m.readings} readings before the gateway is ready (20–98 s per million readings measured; stopping it now only starts it over)`,
        );
      else
        logger.info(
          { from: m.from, to: m.to, readings: m.readings, ms: m.ms },
          `store: schema v${m.to} ready in ${(m.ms / 1000).toFixed(1)} s`,
        );
      opts.onStoreMigration?.(m);
    },
  });
  const metrics = new GatewayMetrics();
  metrics.observeBacklog(() => store.stats(), clock);
  const unwatchCapacity = watchStoreCapacity(store, { logger, metrics });
  const cartPatients = new CartPatientList({
    gatewayId: config.gatewayId,
    store,
    logger,
    configured: config.patients.map((p) => ({
      localId: p.id,
      family: p.family,
      given: p.given,
      birthDate: p.birthDate ?? null,
      ...(p.ins !== undefined && p.insOid !== undefined ? { ins: p.ins, insOid: p.insOid } : {}),
    })),
  });
  // The residents: the cloud's list once one came (kept in the store), the configuration's until then.
  const patients = new PatientContext(config, cartPatients);
  patients.on('residents', (l) =>
    logger.info({ at: l.at, residents: l.patients.length }, 'patients: the cart now lists the cloud’s residents'),
  );
  const devices = new DeviceManager({
    store,
    patients,
    timeZone: config.timeZone,
    clockDriftToleranceMs: config.clockDriftToleranceMs,
    logger,
    metrics,
    clock,
  });
  const sync = new SyncClient({
    ...config.sync,
    gatewayId: config.gatewayId,
    url: opts.cloudUrl,
    store,
    clock,
    logger,
    metrics,
    version: GATEWAY_VERSION,
    mqtt,
    devices: () =>
      devices.seenDevices().map((d) => ({ id: d.id.slice(0, 128), name: (d.name ?? d.id).slice(0, 128), state: d.state.slice(0, 32) })),
  });
  // Routed before the connection opens: the retained day arrives with the first subscription.
  const cartDay = new CartDay({ gatewayId: config.gatewayId, store, logger });
  sync.route(topics.agenda(config.gatewayId), (payload) => cartDay.receive(payload));
  sync.route(topics.patients(config.gatewayId), (payload) => cartPatients.receive(payload));
  const roster = new NurseRoster({ gatewayId: config.gatewayId, store, logger });
  sync.route(topics.nurses(config.gatewayId), (payload) => roster.receive(payload));
  const nurses = {
    roster,
    sessions: new NurseSessions(config.nurseSignIn.lockAfterSeconds * 1000, () => clock.now()),
    fullSignIn: new FullSignIn({ gatewayId: config.gatewayId, sync, logger }),
    taps: new EventEmitter<{ badge: [BadgeEvent] }>(),
    audit: new NurseAuditQueue({ gatewayId: config.gatewayId, store, sync, logger, now: () => clock.now() }),
  };
  // A tap of a known nurse's badge is offered to the page (POST /api/nurse/badge takes it).
  const badgeReader = config.nurseSignIn.badgeReaderPath
    ? new BadgeReader({ path: config.nurseSignIn.badgeReaderPath, logger })
    : undefined;
  badgeReader?.on('tap', (uid) => {
    const n = roster.byBadge(uid);
    if (n) nurses.sessions.offerTap(n);
    else nurses.audit.record(null, 'nurse-badge-unknown', `badge ${uid.slice(0, 4)}…`);
    logger.info({ nurseId: n?.id ?? null }, n ? 'badge tapped' : 'badge tapped: not a nurse of this cart');
    nurses.taps.emit('badge', { nurse: n ? { id: n.id, name: n.name } : null });
  });
  badgeReader?.start();
  sync.start();

  const steth = config.audio.stethoscope;
  const stethoscope = steth.enabled
    ? new StethoscopeRecorder({
        config: steth,
        pipeline: devices.pipeline,
        patients,
        tmpDir: join(opts.dataDir, 'audio-tmp'),
        logger,
        clock,
      })
    : undefined;

  const liveSamples = new LiveSampleBus();
  const teleconsult = new TeleconsultAgent({
    gatewayId: config.gatewayId,
    link: mqttSignalingLink(sync, config.gatewayId),
    media: config.media,
    camera: config.camera,
    stethoscope: {
      ...(steth.pulseServer ? { pulseServer: steth.pulseServer } : {}),
      ...(steth.pulseDevice ? { pulseDevice: steth.pulseDevice } : {}),
    },
    live: liveSamples,
    logger,
    clock,
    ...(opts.uplinkBudget ? { uplinkBudget: opts.uplinkBudget } : {}),
  });

  let http: HttpApi;
  try {
    http = await startHttpApi(
      {
        config,
        store,
        patients,
        devices,
        sync,
        metrics,
        logger,
        version: GATEWAY_VERSION,
        ...(stethoscope ? { stethoscope } : {}),
        teleconsult,
        cartDay,
        nurses,
      },
      config.http,
    );
  } catch (e) {
    await badgeReader?.stop();
    await sync.stop();
    store.close();
    throw e;
  }

  const sources = opts.frames === undefined ? [] : Array.isArray(opts.frames) ? opts.frames : [opts.frames];
  // BLE centrals among the sources get the definitions, the pairing agent and the RACP/clock procedures.
  const ble = wireBleCentrals(sources, { devices, config, dataDir: opts.dataDir, clock, logger });
  for (const s of sources) devices.attach(s);
  const serial = new SerialService({
    live: liveSamples,
    config: config.serial,
    devices,
    patients,
    metrics,
    logger,
    clock,
  });
  serial.start();
  const s = store.stats();
  logger.info(
    { gatewayId: config.gatewayId, mode: config.mode, httpUrl: http.url, pending: s.pending, held: s.held, lastSeq: store.lastSeq() },
    'gateway started',
  );

  let stopping: Promise<void> | undefined;
  return {
    httpUrl: http.url,
    config,
    store,
    sync,
    devices,
    patients,
    metrics,
    serial,
    stethoscope,
    teleconsult,
    cartDay,
    cartPatients,
    nurses,
    liveSamples,
    attachFrames: (source) => devices.attach(source),
    stop() {
      stopping ??= (async () => {
        devices.stop();
        await teleconsult.close();
        await stethoscope?.close();
        await serial.stop();
        await ble.close();
        await badgeReader?.stop();
        await http.close();
        await sync.stop();
        unwatchCapacity();
        store.close();
        logger.info({ gatewayId: config.gatewayId }, 'gateway stopped');
      })();
      return stopping;
    },
  };
}
