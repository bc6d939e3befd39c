/**
 * The local nurse API (fastify, loopback by default): status, residents (the cloud's list, patient/context.ts), patient selection,
 * held readings and their assignment, a server-sent event stream of readings, live values and new cart days,
 * Prometheus metrics, and the nurse page. Every route has a schema; errors are 400/404/409 with
 * a message a UI can show.
 */

import type { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import { SseStreams } from '@telecart/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CartDay } from '../agenda/cart-day.js';
import type { StethoscopeRecorder } from '../audio/index.js';
import { type GatewayConfig, nurseSignInRequired } from '../config.js';
import type { DeviceManager, LiveValue, ReadingEvent } from '../devices/device-manager.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { NurseAuditQueue } from '../nurses/audit-queue.js';
import type { FullSignIn } from '../nurses/full-sign-in.js';
import type { NurseRoster } from '../nurses/roster.js';
import type { BadgeEvent, NurseSessions } from '../nurses/sessions.js';
import { NURSE_PAGE_ICON } from '../pages/nurse/icon.js';
import { NURSE_PAGE_CSP, NURSE_PAGE_SCRIPT_PATH, nursePageBundle, renderNursePage } from '../pages/nurse/page.js';
import { FixedPatientError, type PatientContext, type Resident, type ResidentList } from '../patient/context.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { SyncClient } from '../sync/sync-client.js';
import type { TeleconsultAgent } from '../teleconsult/agent.js';
import { registerAgendaRoutes } from './routes/agenda.js';
import { registerConversationRoutes } from './routes/conversation.js';
import { registerNurseRoutes } from './routes/nurse.js';
import { registerStethoscopeRoutes } from './routes/stethoscope.js';
import { registerTeleconsultRoutes } from './routes/teleconsult.js';

/** How many of the readings the cloud refused /api/status names (the newest). */
const REJECTED_SHOWN = 5;

export interface HttpApiDeps {
  config: GatewayConfig;
  store: ReadingStore;
  patients: PatientContext;
  devices: DeviceManager;
  sync: SyncClient;
  metrics: GatewayMetrics;
  logger: Logger;
  version: string;
  /** The stethoscope recorder, when audio.stethoscope is enabled. */
  stethoscope?: StethoscopeRecorder;
  /** The teleconsultation agent (nurse calls a specialist). */
  teleconsult?: TeleconsultAgent;
  /** The cart's day from the cloud: acts of the day, the patients' documents. */
  cartDay?: CartDay;
  /** Nurse sign-in: the cart's nurses, who is signed in, the full sign-in through the cloud. */
  nurses?: {
    roster: NurseRoster;
    sessions: NurseSessions;
    fullSignIn: FullSignIn;
    taps?: EventEmitter<{ badge: [BadgeEvent] }>;
    audit?: NurseAuditQueue;
  };
}

export interface HttpApi {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const PatientId = Type.String({ minLength: 1, maxLength: 64 });
const SelectBody = Type.Object({ patientId: PatientId }, { additionalProperties: false });
const ReadingsQuery = Type.Object(
  {
    state: Type.Union([Type.Literal('held'), Type.Literal('pending'), Type.Literal('rejected')], { default: 'held' }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
const AssignBody = Type.Object(
  { seqs: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1000 }), patientId: PatientId },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });
// Names are null for a patient the cloud's directory knows by id only.
const PatientSummary = Type.Object({
  id: Type.String(),
  family: Type.Union([Type.String(), Type.Null()]),
  given: Type.Union([Type.String(), Type.Null()]),
  birthDate: Type.Optional(Type.String()),
  room: Type.Optional(Type.String()),
  ins: Type.Optional(Type.String()),
  insOid: Type.Optional(Type.String()),
});
const ContextReply = Type.Object({ patient: Type.Union([PatientSummary, Type.Null()]) });
const AssignReply = Type.Object({ assigned: Type.Array(Type.Integer()), skipped: Type.Array(Type.Integer()) });

const SSE_RETRY_MS = 2000;
const SSE_HEARTBEAT_MS = 25_000;

function problem(statusCode: 404 | 409, message: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export async function startHttpApi(deps: HttpApiDeps, listen: { host: string; port: number }): Promise<HttpApi> {
  const { store, patients, devices, sync, metrics, config, logger } = deps;
  // As the cloud's: a body with a field its schema does not name is refused (400), never stripped and passed on.
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  const streams = new SseStreams();

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(problem(404, `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.setErrorHandler((err, _req, reply) => {
    const e = err as { statusCode?: number; message?: string; validation?: unknown };
    const status = e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) logger.error({ err: e.message }, 'nurse API error');
    void reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: e.message ?? 'error' });
  });

  // First: its hook sets req.nurse and refuses a change without a nurse (nurseSignIn.required).
  if (deps.nurses) registerNurseRoutes(app, { ...deps.nurses, required: nurseSignInRequired(config), logger });
  registerStethoscopeRoutes(app, deps.stethoscope);
  registerTeleconsultRoutes(app, deps.teleconsult, patients);
  registerConversationRoutes(app, deps.teleconsult);
  registerAgendaRoutes(app, deps.cartDay);

  app.get('/api/status', { schema: { querystring: NoQuery } }, async () => {
    const s = store.stats();
    return {
      gatewayId: config.gatewayId,
      mode: config.mode,
      version: deps.version,
      currentPatient: patients.current(),
      devices: devices.seenDevices(),
      malformedFrames: devices.malformed(),
      backlog: {
        ...s,
        oldestPendingAt: s.oldestPendingAt === null ? null : new Date(s.oldestPendingAt).toISOString(),
        oldestUnsyncedAt: s.oldestUnsyncedAt === null ? null : new Date(s.oldestUnsyncedAt).toISOString(),
        lanes: Object.fromEntries(
          Object.entries(s.lanes).map(([lane, l]) => [
            lane,
            { ...l, oldestUnsyncedAt: l.oldestUnsyncedAt === null ? null : new Date(l.oldestUnsyncedAt).toISOString() },
          ]),
        ),
        // Per-lane counts, the store's fill level and caps (null = unlimited): read by `telecart gateway status`.
        capacity: { ...s.capacity, maxBytes: Number.isFinite(s.capacity.maxBytes) ? s.capacity.maxBytes : null },
      },
      sync: sync.state(),
      // Readings the cloud refused (e.g. patient-not-served), newest first: kept here, never resent;
      // `backlog.rejected` counts them all, GET /api/readings?state=rejected lists more.
      rejectedByCloud: store.list('rejected', REJECTED_SHOWN).map((r) => ({
        seq: r.seq,
        patientId: r.observation.patient?.id ?? null,
        loinc: r.observation.code.loinc,
        recordedAt: new Date(r.createdAt).toISOString(),
        reason: r.rejectReason,
      })),
    };
  });

  app.get('/api/patients', { schema: { querystring: NoQuery, response: { 200: Type.Array(PatientSummary) } } }, async () =>
    patients.residents(),
  );

  app.put<{ Body: Static<typeof SelectBody> }>(
    '/api/context/patient',
    { schema: { body: SelectBody, response: { 200: ContextReply, 404: ErrorReply, 409: ErrorReply } } },
    async (req, reply) => {
      if (patients.mode === 'home') return reply.code(409).send(problem(409, new FixedPatientError().message));
      if (!patients.find(req.body.patientId)) return reply.code(404).send(problem(404, patients.notOnCart(req.body.patientId)));
      const patient = patients.select(req.body.patientId);
      logger.info({ patientId: patient.id, nurseId: req.nurse?.id }, 'nurse selected the patient');
      if (req.nurse) deps.nurses?.audit?.record(req.nurse.id, 'nurse-patient-selected', `patient ${patient.id}`);
      return { patient };
    },
  );

  app.delete(
    '/api/context/patient',
    { schema: { querystring: NoQuery, response: { 200: ContextReply, 409: ErrorReply } } },
    async (req, reply) => {
      if (patients.mode === 'home') return reply.code(409).send(problem(409, new FixedPatientError().message));
      patients.clear();
      logger.info({ nurseId: req.nurse?.id }, 'nurse cleared the patient selection; readings are held');
      if (req.nurse) deps.nurses?.audit?.record(req.nurse.id, 'nurse-patient-cleared');
      return { patient: null };
    },
  );

  app.get<{ Querystring: Static<typeof ReadingsQuery> }>('/api/readings', { schema: { querystring: ReadingsQuery } }, async (req) => ({
    state: req.query.state,
    readings: store.list(req.query.state, req.query.limit),
  }));

  app.post<{ Body: Static<typeof AssignBody> }>(
    '/api/readings/assign',
    { schema: { body: AssignBody, response: { 200: AssignReply, 404: ErrorReply } } },
    async (req, reply) => {
      // Only a patient on the cart's list now: one transferred or discharged since the reading was held is refused.
      if (!patients.find(req.body.patientId)) {
        logger.warn({ patientId: req.body.patientId, seqs: req.body.seqs.length }, 'held readings not assigned: patient not on the cart');
        return reply.code(404).send(problem(404, `${patients.notOnCart(req.body.patientId)}; the readings stay held`));
      }
      const r = store.assignPatient(req.body.seqs, patients.nurseAssigned(req.body.patientId));
      logger.info(
        { patientId: req.body.patientId, nurseId: req.nurse?.id, assigned: r.assigned, skipped: r.skipped },
        'held readings assigned by the nurse',
      );
      if (req.nurse && r.assigned.length > 0)
        deps.nurses?.audit?.record(
          req.nurse.id,
          'nurse-readings-assigned',
          `${r.assigned.length} held reading(s) to patient ${req.body.patientId}`,
        );
      return r;
    },
  );

  app.get('/api/events', { schema: { querystring: NoQuery } }, (req, reply) => {
    reply.hijack();
    const stream = streams.start(req.raw, reply.raw, {
      retryMs: SSE_RETRY_MS,
      heartbeatMs: SSE_HEARTBEAT_MS,
      onSlow: (bytes) => logger.warn({ bufferedBytes: bytes }, 'nurse API: event watcher too slow, closing its stream'),
    });
    const onReading = (e: ReadingEvent) => stream.send('reading', e);
    const onLive = (v: LiveValue) => stream.send('live', v);
    const onContext = (p: Resident | null) => stream.send('context', { patient: p });
    // A new list from the cloud: the page's choice follows it without a reload.
    const onResidents = (l: ResidentList) => stream.send('patients', l);
    const onBadge = (b: BadgeEvent) => stream.send('badge', b);
    devices.on('reading', onReading);
    devices.on('live', onLive);
    patients.on('change', onContext);
    patients.on('residents', onResidents);
    deps.nurses?.taps?.on('badge', onBadge);
    // A new day from the cloud: the page reads /api/agenda and the documents again (no 15-s poll).
    const offDay = deps.cartDay?.onChange((d) => stream.send('agenda', { at: d.at }));
    stream.onClose(() => {
      offDay?.();
      devices.off('reading', onReading);
      devices.off('live', onLive);
      patients.off('change', onContext);
      patients.off('residents', onResidents);
      deps.nurses?.taps?.off('badge', onBadge);
    });
    stream.send('context', { patient: patients.current() });
  });

  app.get('/metrics', { schema: { querystring: NoQuery } }, async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  app.get('/', { schema: { querystring: Type.Object({}) } }, async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', NURSE_PAGE_CSP)
      .send(renderNursePage('fr', { simulated: config.media.conversation.simulated })),
  );
  // /favicon.ico too: what a browser asks for when a page names no icon (no 404 in its console).
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    app.get(path, { schema: { querystring: NoQuery } }, async (_req, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(NURSE_PAGE_ICON),
    );
  }
  // The page's bundle: revalidated on each load (a new gateway version brings a new one), a 304
  // when unchanged, so a reload over the cart's weak Wi-Fi costs a round trip, not the script.
  app.get(NURSE_PAGE_SCRIPT_PATH, { schema: { querystring: NoQuery } }, async (req, reply) => {
    const bundle = nursePageBundle();
    const etag = `"${bundle.sha256}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    const known = req.headers['if-none-match']?.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (known?.includes(etag)) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(bundle.source);
  });

  app.addHook('preClose', async () => streams.closeAll());

  const address = await app.listen({ host: listen.host, port: listen.port });
  const url = address.replace('://[::1]', '://localhost');
  logger.info({ url }, 'nurse API listening');
  return { url, app, close: () => app.close() };
}
