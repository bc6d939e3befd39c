/**
 * The teleconsultation record and the audit trail, for specialists (their carts) and auditors (all):
 *   GET /api/teleconsultations?status=&gateway=&patient=&specialist=&from=&to=&limit=&offset=
 *   GET /api/audit?session=&actor=&gateway=&patient=&from=&to=&limit=&offset=   (auditors only)
 *   GET /api/metrics/teleconsult   relay counters (no personal data)
 */

import { type Static, Type } from '@sinclair/typebox';
import { TeleconsultStatus } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../auth/permissions.js';
import { MAX_PAGE_SIZE } from '../../store/cloud-store.js';
import type { AuditEvent, ConsentRecord, TeleconsultationRecord } from '../../store/teleconsult-records.js';
import type { TeleconsultMetrics } from '../../teleconsult/relay.js';
import type { HttpDeps } from '../deps.js';
import { DateOrDateTime } from '../query-schemas.js';
import type { AllFit, Fits } from '../schema-fit.js';
import { currentSpecialist } from './specialist-auth.js';

const Text = Type.String({ minLength: 1, maxLength: 64 });
const Paging = {
  from: Type.Optional(DateOrDateTime),
  to: Type.Optional(DateOrDateTime),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};
const TeleconsultQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(TeleconsultStatus, { maxItems: 6 })),
    gateway: Type.Optional(Text),
    patient: Type.Optional(Text),
    specialist: Type.Optional(Text),
    ...Paging,
  },
  { additionalProperties: false },
);
const AuditQuery = Type.Object(
  { session: Type.Optional(Text), actor: Type.Optional(Text), gateway: Type.Optional(Text), patient: Type.Optional(Text), ...Paging },
  { additionalProperties: false },
);

const OrNull = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
/** An audit line as the store keeps it (store/teleconsult-records.ts). */
const AuditEventReply = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String(),
    actor: Type.String(),
    actorRole: Type.Union([...ROLES, 'nurse', 'gateway', 'system', 'anonymous'].map((r) => Type.Literal(r))),
    action: Type.String(),
    sessionId: OrNull(Type.String()),
    gatewayId: OrNull(Type.String()),
    patientId: OrNull(Type.String()),
    detail: OrNull(Type.String()),
  },
  { additionalProperties: false },
);
const AuditReply = Type.Object({ events: Type.Array(AuditEventReply) }, { additionalProperties: false });

const Count = Type.Integer({ minimum: 0 });
const NullableString = OrNull(Type.String());
/** A teleconsultation as the store keeps it (store/teleconsult-records.ts). */
const TeleconsultationReply = Type.Object(
  {
    sessionId: Type.String(),
    gatewayId: Type.String(),
    patientId: Type.String(),
    patientIns: NullableString,
    requestedSpecialistId: NullableString,
    specialistId: NullableString,
    specialistName: NullableString,
    reason: NullableString,
    consent: Type.Union([
      Type.Object(
        {
          by: Type.Union([Type.Literal('patient'), Type.Literal('representative')]),
          method: Type.Union([Type.Literal('oral'), Type.Literal('written')]),
          representative: Type.Union([
            Type.Object({ name: Type.String(), relation: Type.String() }, { additionalProperties: false }),
            Type.Null(),
          ]),
          collectedAt: Type.String(),
          collectedBy: NullableString,
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    status: TeleconsultStatus,
    outcome: NullableString,
    createdAt: Type.String(),
    joinedAt: NullableString,
    connectedAt: NullableString,
    endedAt: NullableString,
    durationMs: Type.Union([Type.Number(), Type.Null()]),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);
const TeleconsultationsReply = Type.Object({ teleconsultations: Type.Array(TeleconsultationReply) }, { additionalProperties: false });
const counts = <const K extends readonly string[]>(keys: K) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Count])) as { [P in K[number]]: typeof Count }, { additionalProperties: false });
/** The relay's counters (teleconsult/relay.ts), every key named. */
const TeleconsultMetricsReply = Type.Object(
  {
    connected: Type.Boolean(),
    activeSessions: Count,
    openPages: Count,
    reconnecting: Count,
    fromGateways: Count,
    fromPages: Count,
    toGateways: Count,
    malformed: Type.Object(
      {
        mqtt: counts(['oversize', 'not-json', 'schema', 'unknown-topic', 'unknown-session', 'wrong-gateway', 'bad-state'] as const),
        ws: counts(['oversize', 'not-json', 'schema', 'unknown-session', 'forbidden', 'bad-state'] as const),
      },
      { additionalProperties: false },
    ),
    storeErrors: Count,
    callsRefused: Count,
    pagesLost: Count,
    rejoins: Count,
    specialistsLost: Count,
  },
  { additionalProperties: false },
);

/** Compile-time: each reply schema names every field of what the store and the relay return. */
export type TeleconsultRepliesFit = AllFit<
  [
    Fits<Static<typeof TeleconsultationReply>, TeleconsultationRecord>,
    Fits<NonNullable<Static<typeof TeleconsultationReply>['consent']>, ConsentRecord>,
    Fits<Static<typeof TeleconsultMetricsReply>, TeleconsultMetrics>,
    Fits<Static<typeof TeleconsultMetricsReply>['malformed']['mqtt'], TeleconsultMetrics['malformed']['mqtt']>,
    Fits<Static<typeof TeleconsultMetricsReply>['malformed']['ws'], TeleconsultMetrics['malformed']['ws']>,
    Fits<Static<typeof AuditEventReply>, AuditEvent>,
  ]
>;

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

export function registerTeleconsultApiRoutes(app: FastifyInstance, _deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>): void {
  const store = _deps.store;

  app.get<{ Querystring: Static<typeof TeleconsultQuery> }>(
    '/api/teleconsultations',
    {
      schema: { querystring: TeleconsultQuery, response: { 200: TeleconsultationsReply } },
      config: { access: 'specialist', permission: 'acts.join' },
    },
    async (req, reply) => {
      const s = currentSpecialist(req);
      const q = req.query;
      const teleconsultations = await store.listTeleconsultations({
        ...(s.audit ? {} : { gatewayPatterns: tc.directory.patternsFor(s.id) }),
        ...(q.gateway !== undefined ? { gatewayIds: [q.gateway] } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.patient !== undefined ? { patientId: q.patient } : {}),
        ...(q.specialist !== undefined ? { specialistId: q.specialist } : {}),
        from: date(q.from),
        to: date(q.to),
        limit: q.limit,
        offset: q.offset,
      });
      return reply.header('cache-control', 'no-store').send({ teleconsultations });
    },
  );

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditReply } }, config: { access: 'specialist', permission: 'audit.read' } },
    async (req, reply) => {
      const s = currentSpecialist(req);
      if (!s.audit) {
        tc.relay.recordAudit({ actor: s.id, actorRole: s.role, action: 'audit-refused' });
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'reading the audit trail needs the audit right' });
      }
      const q = req.query;
      const events = await store.listAudit({
        sessionId: q.session,
        actor: q.actor,
        gatewayId: q.gateway,
        patientId: q.patient,
        from: date(q.from),
        to: date(q.to),
        limit: q.limit,
        offset: q.offset,
      });
      return reply.header('cache-control', 'no-store').send({ events });
    },
  );

  app.get('/api/metrics/teleconsult', { config: { access: 'public' }, schema: { response: { 200: TeleconsultMetricsReply } } }, async () =>
    tc.relay.metrics(),
  );
}
