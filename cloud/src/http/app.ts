/**
 * The cloud's HTTP side: JSON API, FHIR R4 API, live events and the clinician dashboard,
 * one fastify app with the service's pino logger. Each route family is its own module.
 */
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { FHIR_JSON, operationOutcome } from '../fhir/operation-outcome.js';
import { DataAccess } from './access/data-access.js';
import { closedByDefault } from './access/route-access.js';
import { CloudMetrics } from './cloud-metrics.js';
import type { HttpDeps } from './deps.js';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';
import { registerActsExportRoute } from './routes/acts-export.js';
import { registerAdminAccountRoutes } from './routes/admin-accounts.js';
import { registerAdminDeviceUserRoutes } from './routes/admin-device-users.js';
import { registerAdminNurseRoutes } from './routes/admin-nurses.js';
import { registerAdminOncallRoutes } from './routes/admin-oncall.js';
import { registerAdminPageRoute } from './routes/admin-page.js';
import { registerAdminSiteRoutes } from './routes/admin-sites.js';
import { registerAgendaPageRoutes } from './routes/agenda-pages.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerAppointmentRoutes } from './routes/appointments.js';
import { registerAssetRoutes } from './routes/assets.js';
import { registerAttachmentRoutes } from './routes/attachments.js';
import { CONSULT_WS_OPTIONS, registerConsultRoutes } from './routes/consult.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerDirectoryRoutes } from './routes/directory.js';
import { registerEnrolmentRoutes } from './routes/enrolments.js';
import { registerEventRoutes } from './routes/events.js';
import { registerFaviconRoutes } from './routes/favicon.js';
import { registerFhirEpisodeOfCareRoutes } from './routes/fhir-episode-of-care.js';
import { registerFhirMediaRoutes } from './routes/fhir-media.js';
import { registerFhirObservationRoutes } from './routes/fhir-observation.js';
import { registerFhirPatientRoutes } from './routes/fhir-patient.js';
import { registerFhirReportRoutes } from './routes/fhir-report.js';
import { registerGuestParticipantRoutes } from './routes/guest-participant.js';
import { registerGuestRoutes } from './routes/guests.js';
import { registerJoinRoutes } from './routes/join.js';
import { registerJoinDeviceRoutes } from './routes/join-device.js';
import { registerJoinIdentityRoutes } from './routes/join-identity.js';
import { registerJoinParticipantRoutes } from './routes/join-participant.js';
import { registerLoginPageRoutes } from './routes/login-page.js';
import { registerOidcAuthRoutes } from './routes/oidc-auth.js';
import { registerPatientPageRoutes } from './routes/patient-page.js';
import { registerPatientRoutes } from './routes/patients.js';
import { registerRecordingRoutes } from './routes/recordings.js';
import { registerReportPageRoutes } from './routes/report-page.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerSpecialistAuthRoutes } from './routes/specialist-auth.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerTeleconsultApiRoutes } from './routes/teleconsult-api.js';
import { registerTrendRoutes } from './routes/trends.js';

/** trustProxy entries as fastify takes them, each an IP address or CIDR range, or a clear error naming the key. */
function checkedProxies(list: readonly string[]): string[] {
  for (const p of list) {
    const [addr = '', bits, extra] = p.split('/');
    const v = isIP(addr);
    const max = v === 4 ? 32 : 128;
    if (v === 0 || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max)))
      throw new Error(`trustProxy: ${JSON.stringify(p)} is not an IP address or CIDR range`);
  }
  return [...list];
}

export function buildHttpApp(deps: HttpDeps): FastifyInstance {
  // Widened to fastify's logger type so route modules take a plain FastifyInstance.
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    // The dashboard refreshes on every reading: per-request info logs would drown the service's own.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown query parameters are errors (400), not silently dropped: a filter that is
    // ignored would show another patient's data.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // Each route's schemas compiled on its first request, not all at start (lazy-schema-compilers.ts).
    schemaController: { compilersFactory: (deps.schemaCompilers ?? lazySchemaCompilers()).compilersFactory },
    // SSE streams are long-lived: close them on shutdown instead of waiting.
    forceCloseConnections: true,
    // Only named proxies: a client's own X-Forwarded-For must not choose its throttle key.
    ...(deps.trustProxy?.length ? { trustProxy: checkedProxies(deps.trustProxy) } : {}),
  });

  // The login cookie is read by every patient-data route (docs/security.md, "Who reads patient data").
  void app.register(fastifyCookie);
  const access = new DataAccess({ mode: deps.dataAccess ?? 'clinicians', store: deps.store, teleconsult: deps.teleconsult });
  // Before any route: every route needs a signed-in reader unless its config.access says otherwise.
  closedByDefault(app, access, deps.teleconsult);
  registerPatientRoutes(app, deps, access);
  registerFhirObservationRoutes(app, deps, access);
  registerFhirMediaRoutes(app, deps, access);
  registerFhirPatientRoutes(app, deps, access);
  registerFhirEpisodeOfCareRoutes(app, deps, access);
  registerRecordingRoutes(app, deps, access);
  registerAttachmentRoutes(app, deps, access);
  registerEventRoutes(app, deps, access);
  registerAlertRoutes(app, deps, access);
  const metrics = new CloudMetrics(deps);
  app.addHook('onClose', async () => metrics.close());
  registerStatusRoutes(app, deps, access, metrics);
  registerDashboardRoutes(app, deps, access);
  const tc = deps.teleconsult;
  registerLoginPageRoutes(app, access, {
    oidcName: tc && deps.oidc ? deps.oidc.config.name : undefined,
    // Optional chaining: route-listing tests build the app with an empty teleconsult part.
    totp: tc?.directory?.hasTotp === true || tc?.config?.requireTotp === true,
  });
  registerTrendRoutes(app, deps, access);
  registerPatientPageRoutes(app, deps, access);
  registerAssetRoutes(app);
  registerFaviconRoutes(app);
  if (tc) {
    // WebSockets only where the teleconsultation routes need them.
    void app.register(async (scope) => {
      await scope.register(fastifyWebsocket, { options: CONSULT_WS_OPTIONS });
      registerSpecialistAuthRoutes(scope, deps, tc);
      if (deps.oidc) registerOidcAuthRoutes(scope, deps, tc, deps.oidc);
      registerTeleconsultApiRoutes(scope, deps, tc);
      registerActsExportRoute(scope, deps, tc);
      registerAppointmentRoutes(scope, deps, tc);
      registerDirectoryRoutes(scope, deps, tc, {
        onChange: (carts) => {
          for (const g of carts) deps.patientLists?.changed(g);
        },
      });
      registerEnrolmentRoutes(scope, deps, tc);
      registerJoinRoutes(scope, deps, tc, deps.joinClock ?? (() => new Date()));
      registerJoinIdentityRoutes(scope, deps, tc, deps.joinClock ?? (() => new Date()));
      registerJoinDeviceRoutes(scope, deps, tc, deps.joinClock ?? (() => new Date()));
      registerJoinParticipantRoutes(scope, deps, tc, deps.joinClock ?? (() => new Date()));
      registerGuestRoutes(scope, deps, tc, deps.joinClock ?? (() => new Date()));
      registerGuestParticipantRoutes(scope, deps, tc, deps.joinClock ?? (() => new Date()));
      registerAgendaPageRoutes(scope, deps, access, tc);
      registerReportRoutes(scope, deps, tc);
      registerFhirReportRoutes(scope, deps, access, tc);
      registerReportPageRoutes(scope);
      registerConsultRoutes(scope, deps, tc);
      registerAdminAccountRoutes(scope, deps, tc);
      registerAdminSiteRoutes(scope, deps, tc);
      registerAdminDeviceUserRoutes(scope, deps, tc);
      registerAdminOncallRoutes(scope, deps, tc);
      if (deps.nurses) registerAdminNurseRoutes(scope, deps, tc, deps.nurses);
      registerAdminPageRoute(scope);
    });
  }

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/fhir/')) {
      return reply
        .code(404)
        .type(FHIR_JSON)
        .send(operationOutcome('not-supported', `${req.method} ${req.url.split('?')[0]} is not supported`));
    }
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `${req.method} ${req.url.split('?')[0]} not found` });
  });
  app.setErrorHandler((err: { statusCode?: number; message: string; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'http: request failed');
    const message = status === 500 ? 'internal error' : err.message;
    if (req.url.startsWith('/fhir/'))
      return reply
        .code(status)
        .type(FHIR_JSON)
        .send(operationOutcome(status === 500 ? 'exception' : 'invalid', message));
    // The reason phrase of the status sent (a body too large is 413 Payload Too Large, not a Bad Request).
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Bad Request', message });
  });
  return app;
}
