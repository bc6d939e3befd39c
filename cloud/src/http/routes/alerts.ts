/**
 * Telemonitoring alerts for clinicians, scoped to the patients of their carts:
 * GET /api/alerts, POST /api/alerts/:id/ack, and GET /dashboard/alerts (the dashboard's panel).
 * An alert of another cart's patient answers like an unknown one (404).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AlertPatient, renderAlertsFragment } from '../../pages/dashboard/alerts-panel.js';
import { ALERT_STATUSES } from '../../store/alert-records.js';
import { MAX_PAGE_SIZE } from '../../store/cloud-store.js';
import { currentReader, type DataAccess, type Reader } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { DashboardQuery, DateOrDateTime, rangeOf } from '../query-schemas.js';

export const AlertListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s)))),
    patient: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    from: Type.Optional(DateOrDateTime),
    to: Type.Optional(DateOrDateTime),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

const AlertIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const AckBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
/** An alert as the store keeps it (store/alert-records.ts). */
const Alert = Type.Object(
  {
    id: Type.String(),
    patientId: Type.String(),
    rule: Type.String(),
    severity: Type.Union([Type.Literal('critical'), Type.Literal('warning')]),
    status: Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s))),
    openedAt: Type.String(),
    lastAt: Type.String(),
    count: Type.Integer({ minimum: 1 }),
    firstObservationIds: Type.Array(Type.String()),
    lastObservationIds: Type.Array(Type.String()),
    textKey: Type.String(),
    values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()])),
    ackBy: Nullable(Type.String()),
    ackAt: Nullable(Type.String()),
    ackNote: Nullable(Type.String()),
    resolvedAt: Nullable(Type.String()),
    resolvedBy: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
const Count = Type.Integer({ minimum: 0 });
const AlertPageReply = Type.Object(
  { total: Count, limit: Count, offset: Count, alerts: Type.Array(Alert) },
  { additionalProperties: false },
);
const AckReply = Type.Object({ alert: Alert }, { additionalProperties: false });

const notFound = (id: string) => ({ statusCode: 404, error: 'Not Found', message: `no alert ${id}` });

export function registerAlertRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  /** The patients this reader may see (undefined: every patient), with their names for the panel. */
  const scope = async (r: Reader): Promise<{ ids: string[] | undefined; patients: Map<string, AlertPatient> }> => {
    const visible = await access.visiblePatients(r);
    return { ids: access.seesEveryCart(r) ? undefined : visible.map((p) => p.id), patients: new Map(visible.map((p) => [p.id, p])) };
  };

  app.get<{ Querystring: Static<typeof AlertListQuery> }>(
    '/api/alerts',
    { config: { permission: 'vitals.read' }, schema: { querystring: AlertListQuery, response: { 200: AlertPageReply } } },
    async (req, reply) => {
      const q = req.query;
      const reader = currentReader(req);
      const range = rangeOf(q);
      if (!range.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: range.message });
      const { from, to } = range;
      if (q.patient !== undefined && !(await access.mayReadPatient(reader, q.patient)))
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${q.patient}` });
      const patientIds = q.patient === undefined ? (await scope(reader)).ids : undefined;
      access.recordRead(req, 'read-alerts', q.patient ?? null);
      const page = await deps.store.listAlerts({
        status: q.status,
        patientId: q.patient,
        patientIds,
        from,
        to,
        limit: q.limit,
        offset: q.offset,
      });
      return { total: page.total, limit: q.limit, offset: q.offset, alerts: page.alerts };
    },
  );

  app.post<{ Params: Static<typeof AlertIdParams>; Body: Static<typeof AckBody> }>(
    '/api/alerts/:id/ack',
    { config: { permission: 'alerts.acknowledge' }, schema: { params: AlertIdParams, body: AckBody, response: { 200: AckReply } } },
    async (req, reply) => {
      const { id } = req.params;
      const reader = currentReader(req);
      const alert = await deps.store.getAlert(id);
      if (!alert || !(await access.mayReadPatient(reader, alert.patientId))) return reply.code(404).send(notFound(id));
      const note = req.body?.note?.trim() || null;
      const r = deps.alerts
        ? await deps.alerts.acknowledge(id, reader.id, note)
        : await deps.store.acknowledgeAlert(id, reader.id, note, new Date());
      if (r.outcome === 'not-found') return reply.code(404).send(notFound(id));
      if (r.outcome === 'not-open')
        return reply
          .code(409)
          .send({ statusCode: 409, error: 'Conflict', message: `alert ${id} is ${r.alert.status}, not open`, alert: r.alert });
      auditAck(req, deps, reader, r.alert.patientId, `alert ${id} (${r.alert.rule})${note ? `: ${note}` : ''}`);
      return { alert: r.alert };
    },
  );

  app.get<{ Querystring: Static<typeof DashboardQuery> }>(
    '/dashboard/alerts',
    { config: { permission: 'vitals.read' }, schema: { querystring: DashboardQuery } },
    async (req, reply) => {
      const reader = currentReader(req);
      access.recordRead(req, 'view-alerts');
      const { ids, patients } = await scope(reader);
      const page = await deps.store.listAlerts({ status: 'open', patientIds: ids, limit: MAX_PAGE_SIZE });
      const html = renderAlertsFragment(page.alerts, patients, { lang: req.query.lang, timeZone: deps.timeZone ?? 'Europe/Paris' });
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    },
  );
}

/** Each acknowledgement is its own audit line (never coalesced like reads), with the note. */
function auditAck(req: FastifyRequest, deps: HttpDeps, reader: Reader, patientId: string, detail: string): void {
  deps.teleconsult?.relay.recordAudit({
    actor: reader.id,
    actorRole: reader.role,
    action: 'alert-ack',
    patientId,
    detail: detail.slice(0, 1024),
  });
  req.log.info({ actor: reader.id, patientId }, 'alerts: acknowledged');
}
