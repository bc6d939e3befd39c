/**
 * The teleconsultation report (compte-rendu), for the act's specialist (write) and the specialists
 * of its cart and auditors (read):
 *   GET  /api/teleconsultations/:sessionId/report                     → {patientId, editable, versions}
 *   POST /api/teleconsultations/:sessionId/report {content}           → 201 version 1, a draft
 *   PUT  /api/teleconsultations/:sessionId/report/:version {content}  → the draft, saved
 *   POST /api/teleconsultations/:sessionId/report/:version/sign       → the version, signed (act vitals frozen)
 *   POST /api/teleconsultations/:sessionId/report/corrections         → 201 version n+1, a draft
 *   GET  /api/teleconsultations/:sessionId/report/:version/pdf        → application/pdf (signed versions)
 *   POST /api/teleconsultations/:sessionId/report/:version/links {audience, recipient?, days?} → 201 {url, expiresAt}
 *   GET  /r/:token   (public)  what a download link opens: routes/report-links.ts
 * A write to a signed version is refused (409) with the store's message; every refusal and every
 * read, write and download is a line of the audit trail.
 */
import { type Static, Type } from '@sinclair/typebox';
import { SUMMARY_VITALS } from '@telecart/devices';
import { isLang } from '@telecart/ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ReportContentSchema } from '../../report/content.js';
import { issueReportLink } from '../../report/links.js';
import { DEBIAN_DEJAVU, type ReportFonts, renderReportPdf } from '../../report/pdf.js';
import { type ReportActor, ReportRequestRefused, ReportService } from '../../report/service.js';
import { type ReportVersion, ReportWriteRefused } from '../../store/report-records.js';
import type { AuditEventInput } from '../../store/teleconsult-records.js';
import type { HttpDeps } from '../deps.js';
import type { AllFit, Fits } from '../schema-fit.js';
import { registerReportLinkRoutes } from './report-links.js';
import { actorOf, currentSpecialist } from './specialist-auth.js';

const SessionParams = Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const VersionParams = Type.Object(
  { sessionId: Type.String({ minLength: 1, maxLength: 64 }), version: Type.Integer({ minimum: 1, maximum: 10_000 }) },
  { additionalProperties: false },
);
const ContentBody = Type.Object({ content: ReportContentSchema }, { additionalProperties: false });
const LinkBody = Type.Object(
  {
    audience: Type.Union([Type.Literal('patient'), Type.Literal('gp')]),
    recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
  },
  { additionalProperties: false },
);
const LinkReply = Type.Object({ url: Type.String(), expiresAt: Type.String() }, { additionalProperties: false });
const PdfQuery = Type.Object(
  { lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])) },
  { additionalProperties: false },
);

const Str = Type.String();
/** A report version as the store keeps it (store/report-records.ts). */
export const ReportVersionReply = Type.Object(
  {
    id: Str,
    sessionId: Str,
    version: Type.Integer(),
    patientId: Str,
    authorId: Str,
    status: Type.Union([Type.Literal('draft'), Type.Literal('signed')]),
    content: ReportContentSchema,
    vitals: Type.Array(
      Type.Object(
        {
          key: Type.Union(SUMMARY_VITALS.map((k) => Type.Literal(k))),
          values: Type.Array(Type.Number()),
          unit: Str,
          unitDisplay: Str,
          effective: Str,
          observationId: Str,
          patientId: Str,
          flags: Type.Array(Str),
        },
        { additionalProperties: false },
      ),
    ),
    createdAt: Str,
    updatedAt: Str,
    signature: Type.Union([Type.Object({ by: Str, name: Str, at: Str, contentSha256: Str }, { additionalProperties: false }), Type.Null()]),
  },
  { additionalProperties: false },
);
const ActReportReply = Type.Object(
  { sessionId: Str, patientId: Str, editable: Type.Boolean(), versions: Type.Array(ReportVersionReply) },
  { additionalProperties: false },
);
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Str, message: Str }, { additionalProperties: false });
const errors = { 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 422: ErrorReply };

/** Compile-time: the reply names every field of what the store returns. */
export type ReportRepliesFit = AllFit<
  [
    Fits<Static<typeof ReportVersionReply>, ReportVersion>,
    Fits<Static<typeof ReportVersionReply>['vitals'][number], ReportVersion['vitals'][number]>,
    Fits<NonNullable<Static<typeof ReportVersionReply>['signature']>, NonNullable<ReportVersion['signature']>>,
  ]
>;

export interface ReportRouteOptions {
  fonts?: ReportFonts;
}

const STATUS: Record<ReportRequestRefused['reason'] | ReportWriteRefused['reason'], 403 | 404 | 409 | 422> = {
  'no-act': 404,
  forbidden: 403,
  'no-patient': 422,
  incomplete: 422,
  'not-found': 404,
  signed: 409,
  'draft-exists': 409,
  'nothing-signed': 409,
  exists: 409,
};
const ERROR: Record<403 | 404 | 409 | 422, string> = { 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' };

export function registerReportRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  o: ReportRouteOptions = {},
): void {
  const { store } = deps;
  const service = new ReportService({ store, maySee: (id, gw) => tc.directory.maySee(id, gw) });
  const fonts = o.fonts ?? DEBIAN_DEJAVU;
  // A signed report goes to the days of the carts serving its patient (their nurse pages list it).
  const toCarts = async (patientId: string) => {
    if (deps.agenda) for (const gw of await store.patientGateways(patientId)) deps.agenda.changed(gw);
  };
  const actor = (req: FastifyRequest): ReportActor => {
    const s = currentSpecialist(req);
    return { id: s.id, name: s.name, audit: s.audit };
  };
  const audit = (req: FastifyRequest, e: Omit<AuditEventInput, 'at' | 'actor' | 'actorRole'>) =>
    tc.relay.recordAudit({ ...actorOf(currentSpecialist(req)), ...e });

  /** Runs `op`; a refusal becomes its status code, its message and an audit line (nothing stored changes). */
  async function answer<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    what: string,
    op: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof ReportRequestRefused || e instanceof ReportWriteRefused)) throw e;
      const code = STATUS[e.reason];
      // The store refuses only after the act was found: then the line names it.
      const known = e instanceof ReportWriteRefused || e.act !== null;
      audit(req, {
        action: 'report-refused',
        sessionId: known ? sessionId : null,
        gatewayId: e instanceof ReportRequestRefused ? (e.act?.gatewayId ?? null) : null,
        detail: `${what} (${sessionId}): ${e.message}`.slice(0, 512),
      });
      await reply.code(code).header('cache-control', 'no-store').send({ statusCode: code, error: ERROR[code], message: e.message });
      return undefined;
    }
  }

  const written = (req: FastifyRequest, action: string, v: ReportVersion) =>
    audit(req, { action, sessionId: v.sessionId, patientId: v.patientId, detail: `report version ${v.version}` });

  app.get<{ Params: Static<typeof SessionParams> }>(
    '/api/teleconsultations/:sessionId/report',
    {
      schema: { params: SessionParams, response: { 200: ActReportReply, ...errors } },
      config: { access: 'specialist', permission: 'reports.read' },
    },
    async (req, reply) => {
      const { sessionId } = req.params;
      const r = await answer(req, reply, sessionId, 'read', () => service.read(sessionId, actor(req)));
      if (r === undefined) return reply;
      audit(req, {
        action: 'report-read',
        sessionId,
        gatewayId: r.act.gatewayId,
        patientId: r.patientId,
        detail: `${r.versions.length} version(s)`,
      });
      return reply
        .header('cache-control', 'no-store')
        .send({ sessionId, patientId: r.patientId, editable: r.editable, versions: r.versions });
    },
  );

  app.post<{ Params: Static<typeof SessionParams>; Body: Static<typeof ContentBody> }>(
    '/api/teleconsultations/:sessionId/report',
    {
      schema: { params: SessionParams, body: ContentBody, response: { 201: ReportVersionReply, ...errors } },
      config: { access: 'specialist', permission: 'reports.write' },
    },
    async (req, reply) => {
      const { sessionId } = req.params;
      const v = await answer(req, reply, sessionId, 'create', () => service.create(sessionId, actor(req), req.body.content));
      if (v === undefined) return reply;
      written(req, 'report-draft', v);
      return reply.code(201).send(v);
    },
  );

  app.put<{ Params: Static<typeof VersionParams>; Body: Static<typeof ContentBody> }>(
    '/api/teleconsultations/:sessionId/report/:version',
    {
      schema: { params: VersionParams, body: ContentBody, response: { 200: ReportVersionReply, ...errors } },
      config: { access: 'specialist', permission: 'reports.write' },
    },
    async (req, reply) => {
      const { sessionId, version } = req.params;
      const v = await answer(req, reply, sessionId, `save version ${version}`, () =>
        service.update(sessionId, version, actor(req), req.body.content),
      );
      if (v === undefined) return reply;
      written(req, 'report-draft', v);
      return reply.send(v);
    },
  );

  app.post<{ Params: Static<typeof VersionParams> }>(
    '/api/teleconsultations/:sessionId/report/:version/sign',
    {
      schema: { params: VersionParams, response: { 200: ReportVersionReply, ...errors } },
      config: { access: 'specialist', permission: 'reports.write' },
    },
    async (req, reply) => {
      const { sessionId, version } = req.params;
      const v = await answer(req, reply, sessionId, `sign version ${version}`, () => service.sign(sessionId, version, actor(req)));
      if (v === undefined) return reply;
      audit(req, {
        action: 'report-sign',
        sessionId,
        patientId: v.patientId,
        detail: `report version ${v.version}, sha256 ${v.signature?.contentSha256 ?? '?'}, ${v.vitals.length} vital(s)`,
      });
      await toCarts(v.patientId);
      deps.reportSigned?.(v);
      return reply.send(v);
    },
  );

  app.post<{ Params: Static<typeof SessionParams> }>(
    '/api/teleconsultations/:sessionId/report/corrections',
    {
      schema: { params: SessionParams, response: { 201: ReportVersionReply, ...errors } },
      config: { access: 'specialist', permission: 'reports.write' },
    },
    async (req, reply) => {
      const { sessionId } = req.params;
      const v = await answer(req, reply, sessionId, 'correct', () => service.correct(sessionId, actor(req)));
      if (v === undefined) return reply;
      written(req, 'report-correct', v);
      return reply.code(201).send(v);
    },
  );

  app.get<{ Params: Static<typeof VersionParams>; Querystring: Static<typeof PdfQuery> }>(
    '/api/teleconsultations/:sessionId/report/:version/pdf',
    { schema: { params: VersionParams, querystring: PdfQuery }, config: { access: 'specialist', permission: 'reports.read' } },
    async (req, reply) => {
      const { sessionId, version } = req.params;
      const found = await answer(req, reply, sessionId, `pdf of version ${version}`, () =>
        service.signedVersion(sessionId, version, actor(req)),
      );
      if (found === undefined) return reply;
      const patient = await store.getPatient(found.version.patientId);
      const lang = isLang(req.query.lang) ? req.query.lang : 'fr';
      const pdf = await renderReportPdf({
        version: found.version,
        act: found.act,
        patient,
        lang,
        timeZone: deps.timeZone ?? 'Europe/Paris',
        fonts,
      });
      audit(req, { action: 'report-download', sessionId, patientId: found.version.patientId, detail: `report version ${version} (pdf)` });
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="compte-rendu-${sessionId}-v${version}.pdf"`)
        .send(pdf);
    },
  );

  app.post<{ Params: Static<typeof VersionParams>; Body: Static<typeof LinkBody> }>(
    '/api/teleconsultations/:sessionId/report/:version/links',
    {
      schema: { params: VersionParams, body: LinkBody, response: { 201: LinkReply, ...errors } },
      config: { access: 'specialist', permission: 'reports.write' },
    },
    async (req, reply) => {
      const { sessionId, version } = req.params;
      const found = await answer(req, reply, sessionId, `link to version ${version}`, () =>
        service.signedVersion(sessionId, version, actor(req)),
      );
      if (found === undefined) return reply;
      const b = req.body;
      const link = await issueReportLink({
        store,
        versionId: found.version.id,
        audience: b.audience,
        recipient: b.recipient ?? null,
        createdBy: currentSpecialist(req).id,
        publicBaseUrl: deps.publicBaseUrl ?? `${req.protocol}://${req.host}`,
        now: new Date(),
        ...(b.days !== undefined ? { ttlMs: b.days * 86_400_000 } : {}),
      });
      audit(req, {
        action: 'report-link',
        sessionId,
        patientId: found.version.patientId,
        detail: `report version ${version} for the ${b.audience}${b.recipient ? ` (${b.recipient})` : ''}, until ${link.expiresAt}`.slice(
          0,
          512,
        ),
      });
      return reply.code(201).header('cache-control', 'no-store').send({ url: link.url, expiresAt: link.expiresAt });
    },
  );

  registerReportLinkRoutes(app, deps, tc, fonts);
}
