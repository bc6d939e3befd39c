/**
 * Telemonitoring enrolments (store/enrolment-records.ts); enrolling is a prescriber's act:
 *   GET  /api/patients/:id/enrolments                     the patient's enrolments, ended ones included (vitals.read)
 *   POST /api/patients/:id/enrolments                     {programme, start, end?, prescriber{name, rpps}, consent{…}, thresholds?} → 201
 *   POST /api/patients/:id/enrolments/:enrolmentId/end    {end?} (default now) (enrolments.manage)
 * Every change and every refusal is an audit line. The alert engine reads the store: no restart.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseCalendarInstant } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EnrollmentError, PROGRAMMES, RuleOverrides, resolveEnrollment } from '../../alerts/config.js';
import { rppsProblem } from '../../auth/permissions.js';
import { CONSENT_GIVERS, CONSENT_METHODS, type EnrolmentRecord } from '../../store/enrolment-records.js';
import { auditOutOfScope, managesPatient } from '../access/admin-scope.js';
import type { HttpDeps } from '../deps.js';
import type { Fits } from '../schema-fit.js';
import { actorOf, currentSpecialist } from './specialist-auth.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const Instant = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  description: 'YYYY-MM-DD (midnight UTC) or a date-time with offset',
});
const Name = Type.String({ minLength: 1, maxLength: 200 });
const OrNull = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Programme = Type.Union(PROGRAMMES.map((p) => Type.Literal(p)));
const Method = Type.Union(CONSENT_METHODS.map((m) => Type.Literal(m)));
const Giver = Type.Union(CONSENT_GIVERS.map((g) => Type.Literal(g)));
const Prescriber = Type.Object({ name: Name, rpps: Type.String({ pattern: '^\\d{11}$' }) }, { additionalProperties: false });

const EnrolmentReply = Type.Object(
  {
    id: Type.String(),
    patientId: Type.String(),
    programme: Programme,
    start: Type.String(),
    end: OrNull(Type.String()),
    prescriber: Type.Union([Type.Object({ name: Type.String(), rpps: Type.String() }, { additionalProperties: false }), Type.Null()]),
    consent: Type.Union([
      Type.Object(
        {
          collectedBy: Type.String(),
          collectedAt: Type.String(),
          method: Method,
          givenBy: Giver,
          representative: OrNull(Type.String()),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    thresholds: Type.Union([RuleOverrides, Type.Null()]),
    createdBy: Type.String(),
    createdAt: Type.String(),
    endedBy: OrNull(Type.String()),
    endedAt: OrNull(Type.String()),
  },
  { additionalProperties: false },
);
export type EnrolmentReplyFit = Fits<Static<typeof EnrolmentReply>, EnrolmentRecord>;
const OneReply = Type.Object({ enrolment: EnrolmentReply }, { additionalProperties: false });
const ListReply = Type.Object({ enrolments: Type.Array(EnrolmentReply) }, { additionalProperties: false });
const ErrorReply = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { additionalProperties: false },
);

const Create = Type.Object(
  {
    programme: Programme,
    start: Instant,
    end: Type.Optional(Instant),
    prescriber: Prescriber,
    consent: Type.Object(
      {
        collectedBy: Name,
        collectedAt: Instant,
        method: Method,
        givenBy: Giver,
        representative: Type.Optional(Name),
      },
      { additionalProperties: false },
    ),
    thresholds: Type.Optional(RuleOverrides),
  },
  { additionalProperties: false },
);
const End = Type.Object({ end: Type.Optional(Instant) }, { additionalProperties: false });
const PatientParams = Type.Object({ id: Id }, { additionalProperties: false });
const EnrolmentParams = Type.Object({ id: Id, enrolmentId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

const ERRORS = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' } as const;
/** Strict: Date.parse would take 2026-02-30 for 2 March. Checked first, so never NaN here. */
const instant = (s: string): number => parseCalendarInstant(s) ?? Number.NaN;
const iso = (s: string) => new Date(instant(s)).toISOString();

export function registerEnrolmentRoutes(app: FastifyInstance, deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>): void {
  const { store } = deps;
  const audit = (req: FastifyRequest, action: string, patientId: string, detail?: string) =>
    tc.relay.recordAudit({
      ...actorOf(currentSpecialist(req)),
      action,
      patientId,
      ...(detail !== undefined ? { detail: detail.slice(0, 300) } : {}),
    });
  /** A refusal: the status and reason to the caller, an audit line naming the patient. */
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: 400 | 404 | 409, patientId: string, message: string) => {
    audit(req, 'enrolment-refused', patientId, message);
    return reply.code(status).send({ statusCode: status, error: ERRORS[status], message });
  };
  // Another site's patient answers as an unknown one, with an audit line (access/admin-scope.ts).
  const known = async (req: FastifyRequest, id: string) => {
    if ((await store.getDirectoryPatient(id)) === null) return false;
    if (await managesPatient(tc, store, currentSpecialist(req).id, id)) return true;
    auditOutOfScope(tc, req, { patientId: id, detail: `patient ${id} is not on a site this account manages` });
    return false;
  };

  app.get<{ Params: Static<typeof PatientParams> }>(
    '/api/patients/:id/enrolments',
    {
      schema: { params: PatientParams, response: { 200: ListReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'vitals.read' },
    },
    async (req, reply) => {
      const id = req.params.id;
      if (!(await known(req, id))) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${id}` });
      audit(req, 'read-enrolments', id);
      return { enrolments: await store.patientEnrolments(id) };
    },
  );

  app.post<{ Params: Static<typeof PatientParams>; Body: Static<typeof Create> }>(
    '/api/patients/:id/enrolments',
    {
      schema: { params: PatientParams, body: Create, response: { 201: OneReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'enrolments.manage' },
      attachValidation: true,
    },
    async (req, reply) => {
      const id = req.params.id;
      if (req.validationError) return refuse(req, reply, 400, id, `enrolment: ${req.validationError.message}`);
      const b = req.body;
      if (!(await known(req, id))) return refuse(req, reply, 404, id, `no patient ${id}`);
      const rpps = rppsProblem(b.prescriber.rpps);
      if (rpps !== null) return refuse(req, reply, 400, id, `prescriber.rpps: ${rpps}`);
      for (const [key, v] of [
        ['start', b.start],
        ['end', b.end],
        ['consent.collectedAt', b.consent.collectedAt],
      ] as const)
        if (v !== undefined && Number.isNaN(instant(v))) return refuse(req, reply, 400, id, `${key} is not a real date: ${v}`);
      try {
        // The same checks as the configuration's thresholds (mandatory rules, rules of the programme).
        resolveEnrollment(id, { programme: b.programme, ...(b.thresholds ? { thresholds: b.thresholds } : {}) });
      } catch (e) {
        if (e instanceof EnrollmentError) return refuse(req, reply, 400, id, e.message);
        throw e;
      }
      const r = await store.enrol({
        patientId: id,
        programme: b.programme,
        start: iso(b.start),
        end: b.end === undefined ? null : iso(b.end),
        prescriber: b.prescriber,
        consent: { ...b.consent, collectedAt: iso(b.consent.collectedAt), representative: b.consent.representative ?? null },
        thresholds: b.thresholds ?? null,
        createdBy: currentSpecialist(req).id,
      });
      if (r.outcome === 'refused') return refuse(req, reply, 400, id, r.reason);
      if (r.outcome === 'overlap')
        return refuse(
          req,
          reply,
          409,
          id,
          `patient ${id} is already enrolled in ${b.programme} from ${r.existing.start} to ${r.existing.end ?? 'open-ended'} (enrolment ${r.existing.id}): end it first`,
        );
      audit(
        req,
        'enrol',
        id,
        `${b.programme} from ${r.enrolment.start}; prescriber RPPS ${b.prescriber.rpps}; consent ${b.consent.method}`,
      );
      return reply.code(201).header('cache-control', 'no-store').send({ enrolment: r.enrolment });
    },
  );

  app.post<{ Params: Static<typeof EnrolmentParams>; Body: Static<typeof End> }>(
    '/api/patients/:id/enrolments/:enrolmentId/end',
    {
      schema: { params: EnrolmentParams, body: End, response: { 200: OneReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'enrolments.manage' },
      attachValidation: true,
    },
    async (req, reply) => {
      const { id, enrolmentId } = req.params;
      if (req.validationError) return refuse(req, reply, 400, id, `end: ${req.validationError.message}`);
      const e = await store.getEnrolment(enrolmentId);
      if (e === null || e.patientId !== id || !(await known(req, id)))
        return refuse(req, reply, 404, id, `no enrolment ${enrolmentId} of patient ${id}`);
      const end = req.body?.end === undefined ? new Date() : new Date(instant(req.body.end));
      if (Number.isNaN(end.getTime())) return refuse(req, reply, 400, id, `end is not a real date: ${req.body?.end}`);
      const r = await store.endEnrolment(enrolmentId, end, currentSpecialist(req).id);
      if (r.outcome === 'not-found') return refuse(req, reply, 404, id, `no enrolment ${enrolmentId} of patient ${id}`);
      if (r.outcome === 'already-ended') return refuse(req, reply, 409, id, `enrolment ${enrolmentId} already ended at ${r.enrolment.end}`);
      if (r.outcome === 'refused') return refuse(req, reply, 400, id, r.reason);
      audit(req, 'enrolment-end', id, `${r.enrolment.programme} ended at ${r.enrolment.end}`);
      return { enrolment: r.enrolment };
    },
  );
}
