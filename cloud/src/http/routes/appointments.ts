/**
 * Appointments (a teleconsultation booked ahead), for specialists, on their carts only:
 *   POST  /api/appointments                 {patient, gateway, start, minutes, reason?, specialist? | specialty?} → 201
 *   GET   /api/appointments?from=&to=&gateway=&patient=&specialist=&status=&limit=&offset=   earliest first
 *   PATCH /api/appointments/:id             {start, minutes}: reschedule a scheduled one
 *   POST  /api/appointments/:id/close       {status: cancelled | not-done, reason}
 * and as FHIR R4:
 *   POST /fhir/Appointment                  create (participants Patient/, Device/<cart>, Practitioner/ or specialty)
 *   GET  /fhir/Appointment/:id              read
 *   PUT  /fhir/Appointment/:id              the status (cancelled, noshow, or cancelled with a cancelationReason) or the slot
 *   GET  /fhir/Appointment?date=&patient=&practitioner=&status=&_count=&_offset=
 *   GET  /fhir/Encounter/:id                an act (class VR), with its Appointment when booked
 *   GET  /fhir/Encounter?patient=&_count=&_offset=
 * Every refusal is a 4xx with the reason and an audit line (teleconsult/appointments.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import { TeleconsultStatus } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  APPOINTMENT_STATUSES,
  AppointmentCreate,
  AppointmentUpdate,
  appointmentStatus,
  bookingOf,
  FhirAppointmentSchema,
  FhirEncounterSchema,
  toFhirAppointment,
  toFhirEncounter,
} from '../../fhir/appointment.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { fhirResponses, OperationOutcomeSchema } from '../../fhir/response-schemas.js';
import { parseDateParams, parsePatientParam } from '../../fhir/search-params.js';
import type { AppointmentRecord } from '../../store/appointment-records.js';
import { MAX_PAGE_SIZE } from '../../store/cloud-store.js';
import {
  type AppointmentOutcome,
  AppointmentService,
  MAX_MINUTES,
  MIN_MINUTES,
  NOT_DONE_REASONS,
  refusalText,
} from '../../teleconsult/appointments.js';
import type { Specialist } from '../../teleconsult/specialists.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, firstIssue, localPatientId, parameterOf, searchRefused } from '../fhir-helpers.js';
import { DateOrDateTime, FhirIdParams } from '../query-schemas.js';
import { requestLang } from '../request-lang.js';
import type { AllFit, Fits } from '../schema-fit.js';
import { currentSpecialist } from './specialist-auth.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const NullableString = Type.Union([Type.String(), Type.Null()]);

const AppointmentReply = Type.Object(
  {
    id: Type.String(),
    sessionId: Type.String(),
    gatewayId: Type.String(),
    patientId: Type.String(),
    localPatientId: Type.String(),
    start: Type.String(),
    end: Type.String(),
    specialistId: NullableString,
    specialty: NullableString,
    reason: NullableString,
    status: TeleconsultStatus,
    outcome: NullableString,
    bookedBy: Type.String(),
    bookedAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);
const OneReply = Type.Object({ appointment: AppointmentReply }, { additionalProperties: false });
const ListReply = Type.Object({ appointments: Type.Array(AppointmentReply) }, { additionalProperties: false });
/** `message` in the request's language (request-lang.ts); `code` the stable key of the refusal (i18n `refusals`). */
const ErrorReply = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), code: Type.Optional(Type.String()), message: Type.String() },
  { additionalProperties: false },
);

export type AppointmentRepliesFit = AllFit<[Fits<Static<typeof AppointmentReply>, AppointmentRecord>]>;

const Book = Type.Object(
  {
    patient: Id,
    gateway: Id,
    start: Type.String({ format: 'date-time' }),
    minutes: Type.Integer({ minimum: MIN_MINUTES, maximum: MAX_MINUTES }),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    specialist: Type.Optional(Id),
    specialty: Type.Optional(Id),
  },
  { additionalProperties: false },
);
const Reschedule = Type.Object(
  { start: Type.String({ format: 'date-time' }), minutes: Type.Integer({ minimum: MIN_MINUTES, maximum: MAX_MINUTES }) },
  { additionalProperties: false },
);
const Close = Type.Object(
  {
    status: Type.Union([Type.Literal('cancelled'), Type.Literal('not-done')]),
    reason: Type.String({ minLength: 1, maxLength: 200, description: 'e.g. no-show, technical-failure, or a short text' }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    from: Type.Optional(DateOrDateTime),
    to: Type.Optional(DateOrDateTime),
    gateway: Type.Optional(Id),
    patient: Type.Optional(Id),
    specialist: Type.Optional(Id),
    status: Type.Optional(Type.Array(TeleconsultStatus, { maxItems: 6 })),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
const FhirSearch = Type.Object(
  {
    date: Type.Optional(Type.Array(Type.String({ minLength: 4, maxLength: 64 }), { maxItems: 4 })),
    patient: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    practitioner: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    status: Type.Optional(Type.Union(APPOINTMENT_STATUSES.map((s) => Type.Literal(s)))),
    _count: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE_SIZE })),
    _offset: Type.Optional(Type.Integer({ minimum: 0 })),
    _format: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const EncounterSearch = Type.Object(
  {
    patient: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    _count: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE_SIZE })),
    _offset: Type.Optional(Type.Integer({ minimum: 0 })),
    _format: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const searchset = (resource: typeof FhirAppointmentSchema | typeof FhirEncounterSchema) =>
  Type.Object(
    {
      resourceType: Type.Literal('Bundle'),
      type: Type.Literal('searchset'),
      total: Type.Optional(Type.Integer({ minimum: 0 })),
      link: Type.Optional(Type.Array(Type.Object({ relation: Type.String(), url: Type.String() }, { additionalProperties: true }))),
      entry: Type.Optional(
        Type.Array(
          Type.Object(
            {
              fullUrl: Type.Optional(Type.String()),
              resource: Type.Optional(resource),
              search: Type.Optional(Type.Object({ mode: Type.Optional(Type.String()) })),
            },
            { additionalProperties: true },
          ),
        ),
      ),
    },
    { additionalProperties: true },
  );

const DEFAULT_COUNT = 50;

/** A searchset Bundle as devices' searchsetBundle builds one, for the resource types it does not model. */
function bundle<R extends { resourceType: string; id?: string | undefined }>(
  resources: R[],
  o: { total: number; selfUrl: string; nextUrl?: string; baseUrl: string },
) {
  return {
    resourceType: 'Bundle' as const,
    type: 'searchset' as const,
    total: o.total,
    link: [{ relation: 'self', url: o.selfUrl }, ...(o.nextUrl ? [{ relation: 'next', url: o.nextUrl }] : [])],
    entry: resources.map((resource) => ({
      ...(resource.id ? { fullUrl: `${o.baseUrl}/${resource.resourceType}/${resource.id}` } : {}),
      resource,
      search: { mode: 'match' },
    })),
  };
}
/** The FHIR statuses a search by status means, as the act's. */
const ACT_STATUSES_OF: Readonly<Record<string, readonly TeleconsultStatus[]>> = {
  booked: ['scheduled'],
  arrived: ['waiting', 'in-progress'],
  fulfilled: ['completed'],
  cancelled: ['cancelled', 'not-done'],
  noshow: ['not-done'],
};

function sendOutcome(req: FastifyRequest, reply: FastifyReply, r: AppointmentOutcome, created = false) {
  if (r.ok)
    return reply
      .code(created ? 201 : 200)
      .header('cache-control', 'no-store')
      .send({ appointment: r.appointment });
  const error = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' }[r.status];
  return reply.code(r.status).send({ statusCode: r.status, error, code: r.code, message: refusalText(r, requestLang(req)) });
}

/** A body that failed its schema, in the request's language (the detail is the validator's, in English). */
function sendInvalid(req: FastifyRequest, reply: FastifyReply, message: string) {
  const why = { code: 'appointment-invalid' as const, params: { detail: message } };
  return reply.code(400).send({ statusCode: 400, error: 'Bad Request', code: why.code, message: refusalText(why, requestLang(req)) });
}

function fhirOutcome(reply: FastifyReply, r: Extract<AppointmentOutcome, { ok: false }>) {
  const code = r.status === 404 ? 'not-found' : r.status === 403 ? 'forbidden' : 'invalid';
  return reply.code(r.status).type(FHIR_JSON).send(operationOutcome(code, r.message));
}

export function registerAppointmentRoutes(app: FastifyInstance, deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>): void {
  const { store } = deps;
  const service = new AppointmentService({
    store,
    directory: tc.directory,
    audit: (e) => tc.relay.recordAudit(e),
    onChange: (gw) => {
      deps.appointmentsChanged?.();
      deps.agenda?.changed(gw);
    },
  });
  const scope = (s: Specialist) => (s.audit ? {} : { gatewayPatterns: tc.directory.patternsFor(s.id) });
  const nameOf = (id: string | null) => (id === null ? null : (tc.directory.get(id)?.name ?? null));

  /** A body that failed its schema: 400 with the reason, and an audit line (a refusal like the others). */
  const invalid = (req: FastifyRequest, what: string) => {
    const s = currentSpecialist(req);
    const message = `${what}: ${req.validationError?.message ?? 'invalid'}`;
    tc.relay.recordAudit({ actor: s.id, actorRole: s.role, action: 'appointment-refused', detail: message.slice(0, 300) });
    return message;
  };

  app.post<{ Body: Static<typeof Book> }>(
    '/api/appointments',
    {
      schema: { body: Book, response: { 201: OneReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return sendInvalid(req, reply, invalid(req, 'appointment'));
      const b = req.body;
      const r = await service.book(currentSpecialist(req), {
        patientId: b.patient,
        gatewayId: b.gateway,
        start: new Date(b.start),
        minutes: b.minutes,
        reason: b.reason ?? null,
        specialistId: b.specialist ?? null,
        specialty: b.specialty ?? null,
      });
      return sendOutcome(req, reply, r, true);
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/appointments',
    {
      schema: { querystring: ListQuery, response: { 200: ListReply } },
      config: { access: 'specialist', permission: 'appointments.schedule' },
    },
    async (req, reply) => {
      const s = currentSpecialist(req);
      const q = req.query;
      const appointments = await store.listAppointments({
        ...scope(s),
        ...(q.gateway !== undefined ? { gatewayIds: [q.gateway] } : {}),
        ...(q.patient !== undefined ? { patientId: q.patient } : {}),
        ...(q.specialist !== undefined ? { specialistId: q.specialist } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from) } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to) } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return reply.header('cache-control', 'no-store').send({ appointments });
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof Reschedule> }>(
    '/api/appointments/:id',
    {
      schema: { params: IdParams, body: Reschedule, response: { 200: OneReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return sendInvalid(req, reply, invalid(req, `appointment ${req.params.id}`));
      const r = await service.reschedule(currentSpecialist(req), req.params.id, new Date(req.body.start), req.body.minutes);
      return sendOutcome(req, reply, r);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Close> }>(
    '/api/appointments/:id/close',
    {
      schema: { params: IdParams, body: Close, response: { 200: OneReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return sendInvalid(req, reply, invalid(req, `appointment ${req.params.id}`));
      const r = await service.close(currentSpecialist(req), req.params.id, req.body.status, req.body.reason);
      return sendOutcome(req, reply, r);
    },
  );

  // ── FHIR ──

  const fhirInvalid = (req: FastifyRequest, reply: FastifyReply) => {
    const issue = req.validationError ? firstIssue(req.validationError) : undefined;
    return badRequest(reply, invalid(req, 'Appointment'), parameterOf(issue));
  };

  app.post<{ Body: AppointmentCreate }>(
    '/fhir/Appointment',
    {
      schema: {
        body: AppointmentCreate,
        response: { 201: FhirAppointmentSchema, '4xx': OperationOutcomeSchema, '5xx': OperationOutcomeSchema },
      },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return fhirInvalid(req, reply);
      const s = currentSpecialist(req);
      const b = bookingOf(req.body);
      if (!b.ok) {
        tc.relay.recordAudit({ actor: s.id, actorRole: s.role, action: 'appointment-refused', detail: `Appointment: ${b.error}` });
        return badRequest(reply, b.error);
      }
      const patientId = await localPatientId(store, b.patientId);
      const r = await service.book(s, { ...b, patientId });
      if (!r.ok) return fhirOutcome(reply, r);
      const base = baseUrl(req, deps);
      return reply
        .code(201)
        .header('location', `${base}/Appointment/${r.appointment.id}`)
        .type(FHIR_JSON)
        .send(toFhirAppointment(r.appointment, nameOf(r.appointment.specialistId)));
    },
  );

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Appointment/:id',
    {
      schema: { params: FhirIdParams, response: fhirResponses(FhirAppointmentSchema) },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const r = await service.mine(currentSpecialist(req), req.params.id, 'fhir-read-refused');
      if (!r.ok) return fhirOutcome(reply, r);
      return reply.type(FHIR_JSON).send(toFhirAppointment(r.appointment, nameOf(r.appointment.specialistId)));
    },
  );

  app.put<{ Params: Static<typeof FhirIdParams>; Body: AppointmentUpdate }>(
    '/fhir/Appointment/:id',
    {
      schema: { params: FhirIdParams, body: AppointmentUpdate, response: fhirResponses(FhirAppointmentSchema) },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return fhirInvalid(req, reply);
      const s = currentSpecialist(req);
      const u = req.body;
      if (u.id !== req.params.id) return badRequest(reply, `the resource's id ${u.id} is not the URL's ${req.params.id}`, 'id');
      const found = await service.mine(s, req.params.id, 'appointment-update-refused');
      if (!found.ok) return fhirOutcome(reply, found);
      const a = found.appointment;
      let r: AppointmentOutcome = found;
      const current = appointmentStatus(a.status, a.outcome);
      if (u.status === 'cancelled' || u.status === 'noshow') {
        if (u.status !== current) {
          const reason = u.status === 'noshow' ? 'no-show' : (u.cancelationReason?.text ?? 'cancelled');
          // A cancellation for a reason of the act not taking place (no-show, technical failure…) is "not done".
          const text = u.cancelationReason?.text;
          const to = u.status === 'noshow' || (NOT_DONE_REASONS as readonly string[]).includes(text ?? '') ? 'not-done' : 'cancelled';
          r = await service.close(s, a.id, to, reason);
        }
      } else if (u.status === 'booked' && current === 'booked') {
        const start = u.start ?? a.start;
        const end = u.end ?? a.end;
        if (start !== a.start || end !== a.end)
          r = await service.reschedule(s, a.id, new Date(start), (Date.parse(end) - Date.parse(start)) / 60_000);
      } else if (u.status !== current) {
        const message = `Appointment status ${current} cannot be set to ${u.status} here (only cancelled, noshow, or a booked one's slot); the call moves it on`;
        tc.relay.recordAudit({
          actor: s.id,
          actorRole: s.role,
          action: 'appointment-update-refused',
          sessionId: a.id,
          gatewayId: a.gatewayId,
          patientId: a.patientId,
          detail: message,
        });
        return reply
          .code(409)
          .type(FHIR_JSON)
          .send(operationOutcome('invalid', message, 'status'));
      }
      if (!r.ok) return fhirOutcome(reply, r);
      return reply.type(FHIR_JSON).send(toFhirAppointment(r.appointment, nameOf(r.appointment.specialistId)));
    },
  );

  app.get<{ Querystring: Static<typeof FhirSearch> }>(
    '/fhir/Appointment',
    {
      schema: { querystring: FhirSearch, response: fhirResponses(searchset(FhirAppointmentSchema)) },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return searchRefused(reply, req.validationError);
      const q = req.query;
      const s = currentSpecialist(req);
      let from: Date | undefined;
      let to: Date | undefined;
      if (q.date) {
        const d = parseDateParams(q.date);
        if (!d.ok) return badRequest(reply, d.error, 'date');
        ({ from, to } = d.value);
      }
      let patientId: string | undefined;
      if (q.patient !== undefined) {
        const p = parsePatientParam(q.patient);
        if (!p.ok) return badRequest(reply, p.error, 'patient');
        patientId = await localPatientId(store, p.value);
      }
      let specialistId: string | undefined;
      if (q.practitioner !== undefined) {
        const m = /^(?:.*\/)?(?:Practitioner\/)?([^/]+)$/.exec(q.practitioner);
        specialistId = m?.[1];
        if (specialistId === undefined) return badRequest(reply, `'${q.practitioner}' is not a Practitioner reference`, 'practitioner');
      }
      const statuses = q.status ? (ACT_STATUSES_OF[q.status] ?? []) : undefined;
      let found = await store.listAppointments({
        ...scope(s),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(patientId !== undefined ? { patientId } : {}),
        ...(specialistId !== undefined ? { specialistId } : {}),
        ...(statuses ? { status: statuses } : {}),
        limit: MAX_PAGE_SIZE,
      });
      // noshow and cancelled share not-done: the outcome tells them apart.
      if (q.status) found = found.filter((a) => appointmentStatus(a.status, a.outcome) === q.status);
      const count = q._count ?? DEFAULT_COUNT;
      const offset = q._offset ?? 0;
      const page = found.slice(offset, offset + count);
      const base = baseUrl(req, deps);
      const self = new URL(`${base}/Appointment`);
      for (const [k, v] of Object.entries(q)) {
        if (k === '_offset' || v === undefined) continue;
        for (const one of [v].flat()) self.searchParams.append(k, String(one));
      }
      const pageUrl = (o: number) => {
        const u = new URL(self);
        if (o > 0) u.searchParams.set('_offset', String(o));
        return u.toString();
      };
      const hasNext = count > 0 && offset + page.length < found.length;
      return reply.type(FHIR_JSON).send(
        bundle(
          page.map((a) => toFhirAppointment(a, nameOf(a.specialistId))),
          {
            total: found.length,
            selfUrl: pageUrl(offset),
            ...(hasNext ? { nextUrl: pageUrl(offset + count) } : {}),
            baseUrl: base,
          },
        ),
      );
    },
  );

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Encounter/:id',
    {
      schema: { params: FhirIdParams, response: fhirResponses(FhirEncounterSchema) },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const s = currentSpecialist(req);
      const act = await store.getTeleconsultation(req.params.id);
      if (!act || act.status === 'scheduled' || !tc.directory.maySee(s.id, act.gatewayId))
        return reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome('not-found', `Encounter/${req.params.id} is not known`));
      const appointment = await store.appointmentOfSession(act.sessionId);
      const cloudPatientId =
        appointment?.patientId ?? (await store.servedPatients(act.gatewayId, [act.patientId])).get(act.patientId) ?? null;
      return reply.type(FHIR_JSON).send(toFhirEncounter(act, cloudPatientId, appointment?.id ?? null));
    },
  );

  app.get<{ Querystring: Static<typeof EncounterSearch> }>(
    '/fhir/Encounter',
    {
      schema: { querystring: EncounterSearch, response: fhirResponses(searchset(FhirEncounterSchema)) },
      config: { access: 'specialist', permission: 'appointments.schedule' },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError)
        return badRequest(reply, `invalid search: ${req.validationError.message}`, parameterOf(firstIssue(req.validationError)));
      const q = req.query;
      const s = currentSpecialist(req);
      let patientId: string | undefined;
      if (q.patient !== undefined) {
        const p = parsePatientParam(q.patient);
        if (!p.ok) return badRequest(reply, p.error, 'patient');
        patientId = await localPatientId(store, p.value);
      }
      // Acts carry the cart's id for the patient: the patient's acts are those of each of their carts under its local id.
      const acts = (await store.listTeleconsultations({ ...scope(s), limit: MAX_PAGE_SIZE })).filter((a) => a.status !== 'scheduled');
      const rows: { act: (typeof acts)[number]; cloudId: string | null }[] = [];
      for (const act of acts) {
        const appointment = await store.appointmentOfSession(act.sessionId);
        const cloudId = appointment?.patientId ?? (await store.servedPatients(act.gatewayId, [act.patientId])).get(act.patientId) ?? null;
        if (patientId === undefined || cloudId === patientId) rows.push({ act, cloudId });
      }
      const count = q._count ?? DEFAULT_COUNT;
      const offset = q._offset ?? 0;
      const page = rows.slice(offset, offset + count);
      const resources = [];
      for (const r of page)
        resources.push(toFhirEncounter(r.act, r.cloudId, (await store.appointmentOfSession(r.act.sessionId))?.id ?? null));
      const base = baseUrl(req, deps);
      const self = new URL(`${base}/Encounter`);
      if (q.patient !== undefined) self.searchParams.set('patient', q.patient);
      return reply.type(FHIR_JSON).send(bundle(resources, { total: rows.length, selfUrl: self.toString(), baseUrl: base }));
    },
  );
}
