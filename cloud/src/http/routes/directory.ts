/**
 * The patient directory (directory/service.ts), for specialists until the roles land:
 *   GET  /api/directory/patients                        every patient, with identity status, site, cart
 *   GET  /api/directory/patients/:id                    one, with its movements
 *   GET  /api/directory/duplicates                      likely duplicates, for review
 *   POST /api/directory/patients                        {id, family, given, birthDate, ins?, insOid?, identityStatus} → 201
 *   PUT  /api/directory/patients/:id                    {family, given, birthDate, ins?, insOid?, identityStatus}
 *   POST /api/directory/patients/:id/admit              {gateway, localId?}
 *   POST /api/directory/patients/:id/transfer           {gateway, localId?}
 *   POST /api/directory/patients/:id/discharge          {reason?}
 *   POST /api/directory/merge                           {survivor, duplicate}
 *   GET|PUT|DELETE /api/directory/patients/:id/referring-gp   {name, rpps?, email?}
 *   GET|PUT|DELETE /api/directory/patients/:id/contact        {email?, phone?}: the patient's own
 * and as FHIR R4:
 *   POST /fhir/Patient                                  create (id given or made)
 *   PUT  /fhir/Patient/:id                              the identity
 * Every change and every refusal is an audit line.
 */
import { randomUUID } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ContactFields, contactChange, contactOf, withdrawnDetail } from '../../directory/contact.js';
import { contactFromFhir, identityFromFhir, toDirectoryFhirPatient } from '../../directory/fhir-patient.js';
import { withdrawFromFormerContact } from '../../directory/patient-contact.js';
import { type DirectoryOutcome, DirectoryService, type IdentityInput } from '../../directory/service.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { FhirPatientSchema, OperationOutcomeSchema } from '../../fhir/response-schemas.js';
import type { DirectoryPatient, PatientMovement } from '../../store/cloud-store.js';
import { IDENTITY_STATUSES, MOVEMENT_KINDS } from '../../store/directory-records.js';
import type { DirectoryContact } from '../../store/patient-contact-tables.js';
import { auditOutOfScope, managesCart, managesPatient } from '../access/admin-scope.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, firstIssue, parameterOf } from '../fhir-helpers.js';
import { FhirIdParams } from '../query-schemas.js';
import type { AllFit, Fits } from '../schema-fit.js';
import { actorOf, currentSpecialist } from './specialist-auth.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const OrNull = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Status = Type.Union(IDENTITY_STATUSES.map((s) => Type.Literal(s)));

const PatientReply = Type.Object(
  {
    id: Type.String(),
    family: OrNull(Type.String()),
    given: OrNull(Type.String()),
    birthDate: OrNull(Type.String()),
    ins: OrNull(Type.String()),
    insOid: OrNull(Type.String()),
    identityStatus: Type.Union([Status, Type.Null()]),
    siteId: OrNull(Type.String()),
    gatewayId: OrNull(Type.String()),
    localId: OrNull(Type.String()),
    admittedAt: OrNull(Type.String()),
    dischargedAt: OrNull(Type.String()),
    mergedInto: OrNull(Type.String()),
  },
  { additionalProperties: false },
);
const MovementReply = Type.Object(
  {
    id: Type.Integer(),
    patientId: Type.String(),
    kind: Type.Union(MOVEMENT_KINDS.map((k) => Type.Literal(k))),
    at: Type.String(),
    by: Type.String(),
    fromGateway: OrNull(Type.String()),
    toGateway: OrNull(Type.String()),
    siteId: OrNull(Type.String()),
    otherPatientId: OrNull(Type.String()),
    detail: OrNull(Type.String()),
  },
  { additionalProperties: false },
);
const OneReply = Type.Object({ patient: PatientReply }, { additionalProperties: false });
const DetailReply = Type.Object({ patient: PatientReply, movements: Type.Array(MovementReply) }, { additionalProperties: false });
const ListReply = Type.Object({ patients: Type.Array(PatientReply) }, { additionalProperties: false });
const DuplicatesReply = Type.Object(
  {
    duplicates: Type.Array(
      Type.Object(
        { a: Type.String(), b: Type.String(), reason: Type.Union([Type.Literal('same-ins'), Type.Literal('same-name-birth-date')]) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
const ErrorReply = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { additionalProperties: false },
);

export type DirectoryRepliesFit = AllFit<
  [
    Fits<Static<typeof PatientReply>, DirectoryPatient>,
    Fits<Static<typeof MovementReply>, PatientMovement>,
    Fits<NonNullable<Static<typeof ContactReply>['contact']>, DirectoryContact>,
  ]
>;

const identityProps = {
  family: Type.String({ minLength: 1, maxLength: 100 }),
  given: Type.String({ minLength: 1, maxLength: 100 }),
  birthDate: Type.String({ format: 'date' }),
  ins: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  insOid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  identityStatus: Status,
};
const Create = Type.Object({ id: Id, ...identityProps }, { additionalProperties: false });
const Update = Type.Object(identityProps, { additionalProperties: false });
const Move = Type.Object({ gateway: Id, localId: Type.Optional(Id) }, { additionalProperties: false });
const Discharge = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
const Merge = Type.Object({ survivor: Id, duplicate: Id }, { additionalProperties: false });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
/** The referring GP (migration 27): the RPPS is the 11-digit national number; the e-mail gets the signed reports' links. */
const GpBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    rpps: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{11}$' }), Type.Null()])),
    email: Type.Optional(Type.Union([Type.String({ pattern: '^[^@\\s<>]+@[^@\\s<>]+$', maxLength: 320 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const GpReply = Type.Object(
  {
    patientId: Type.String(),
    referringGp: Type.Union([
      Type.Object(
        {
          name: Type.String(),
          rpps: OrNull(Type.String()),
          email: OrNull(Type.String()),
          updatedAt: Type.String(),
          updatedBy: Type.String(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

/**
 * The patient's own contact (migration 32): what PUT replaces it with (an absent or empty field: none).
 * The e-mail and the number are checked by directory/contact.ts, which words the refusal and turns a
 * French number as typed into E.164; the schema only bounds the text.
 */
const ContactText = Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()]));
const ContactBody = Type.Object({ email: ContactText, phone: ContactText }, { additionalProperties: false });
const ContactReply = Type.Object(
  {
    patientId: Type.String(),
    /** null: never set; both fields null: removed (by `updatedBy`). */
    contact: Type.Union([
      Type.Object(
        { email: OrNull(Type.String()), phone: OrNull(Type.String()), updatedAt: Type.String(), updatedBy: Type.String() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

/** What POST/PUT /fhir/Patient accept: the traits the directory keeps, nothing it would drop. */
const FhirPatientIn = Type.Object(
  {
    resourceType: Type.Literal('Patient'),
    id: Type.Optional(Id),
    meta: Type.Optional(
      Type.Object(
        {
          tag: Type.Optional(
            Type.Array(Type.Object({ system: Type.String(), code: Type.String(), display: Type.Optional(Type.String()) }), { maxItems: 4 }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    identifier: Type.Optional(
      Type.Array(
        Type.Object(
          {
            use: Type.Optional(Type.String()),
            system: Type.Optional(Type.String({ maxLength: 256 })),
            value: Type.Optional(Type.String({ maxLength: 64 })),
            type: Type.Optional(Type.Object({ text: Type.Optional(Type.String()) })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 8 },
      ),
    ),
    name: Type.Array(
      Type.Object(
        {
          use: Type.Optional(Type.String()),
          family: Type.Optional(Type.String({ maxLength: 100 })),
          given: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 4 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 2 },
    ),
    birthDate: Type.String(),
    active: Type.Optional(Type.Boolean()),
    /** The patient's own contact: an e-mail and a mobile (as the directory's contact). Absent: unchanged. */
    telecom: Type.Optional(
      Type.Array(
        Type.Object(
          {
            system: Type.String({ maxLength: 16 }),
            value: Type.String({ maxLength: 320 }),
            use: Type.Optional(Type.String({ maxLength: 16 })),
            rank: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 4 },
      ),
    ),
  },
  { additionalProperties: false },
);
type FhirPatientIn = Static<typeof FhirPatientIn>;

const ERRORS = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' } as const;

function send(reply: FastifyReply, r: DirectoryOutcome, created = false) {
  if (r.ok)
    return reply
      .code(created ? 201 : 200)
      .header('cache-control', 'no-store')
      .send({ patient: r.patient });
  return reply.code(r.status).send({ statusCode: r.status, error: ERRORS[r.status], message: r.message });
}

function sendFhir(reply: FastifyReply, r: DirectoryOutcome, location?: string, extra: Parameters<typeof toDirectoryFhirPatient>[1] = {}) {
  if (r.ok) {
    if (location !== undefined) void reply.code(201).header('location', location);
    return reply.type(FHIR_JSON).send(toDirectoryFhirPatient(r.patient, extra));
  }
  const code = r.status === 404 ? 'not-found' : 'invalid';
  return reply.code(r.status).type(FHIR_JSON).send(operationOutcome(code, r.message));
}

export interface DirectoryRouteOptions {
  /** Told which carts' patient lists a change altered (patients/publisher.ts). */
  onChange?: (gatewayIds: readonly string[]) => void;
}

export function registerDirectoryRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  o: DirectoryRouteOptions = {},
): void {
  const { store } = deps;
  const audit = (e: Parameters<typeof tc.relay.recordAudit>[0]) => tc.relay.recordAudit(e);
  const service = new DirectoryService({
    store,
    knownCart: async (g) => tc.directory.siteOf(g) !== undefined || (await store.listGateways()).some((r) => r.gatewayId === g),
    siteOf: (g) => tc.directory.siteOf(g)?.id ?? null,
    audit,
    roleOf: (id) => tc.directory.get(id)?.role ?? 'specialist',
    ...(o.onChange ? { onChange: o.onChange } : {}),
  });
  if (!app.hasContentTypeParser('application/fhir+json'))
    app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  /** A body that failed its schema: 400 with the reason, and an audit line (a refusal like the others). */
  const invalid = (req: FastifyRequest, what: string, patientId?: string) => {
    const message = `${what}: ${req.validationError?.message ?? 'invalid'}`;
    audit({
      ...actorOf(currentSpecialist(req)),
      action: 'patient-refused',
      ...(patientId ? { patientId } : {}),
      detail: message.slice(0, 300),
    });
    return message;
  };
  const bad = (req: FastifyRequest, reply: FastifyReply, what: string, patientId?: string) =>
    reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: invalid(req, what, patientId) });
  const opts = <B>(body: B, ok: 200 | 201 = 200) => ({
    schema: { body, response: { [ok]: OneReply, '4xx': ErrorReply } },
    config: { access: 'specialist' as const, permission: 'patients.manage' as const },
    attachValidation: true,
  });
  const identityOf = (b: Static<typeof Update>): IdentityInput => b;
  /** The patient is among the account's sites'; another site's answers as an unknown one (404), with an audit line. */
  const mine = (req: FastifyRequest, patientId: string) => managesPatient(tc, store, currentSpecialist(req).id, patientId);
  const notMine = (req: FastifyRequest, reply: FastifyReply, patientId: string) => {
    auditOutOfScope(tc, req, { patientId, detail: `patient ${patientId} is not on a site this account manages` });
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${patientId}` });
  };
  const cartNotMine = (req: FastifyRequest, reply: FastifyReply, patientId: string, gateway: string) => {
    auditOutOfScope(tc, req, { patientId, gatewayId: gateway, detail: `cart ${gateway} is not on a site this account manages` });
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no cart ${gateway}` });
  };
  const visible = async <T>(req: FastifyRequest, items: readonly T[], ids: (t: T) => string[]): Promise<T[]> => {
    const out: T[] = [];
    for (const it of items) if ((await Promise.all(ids(it).map((id) => mine(req, id)))).every(Boolean)) out.push(it);
    return out;
  };

  app.get(
    '/api/directory/patients',
    { schema: { response: { 200: ListReply } }, config: { access: 'specialist', permission: 'patients.manage' } },
    async (req) => {
      audit({ ...actorOf(currentSpecialist(req)), action: 'read-directory' });
      return { patients: await visible(req, await store.listDirectory(), (p) => [p.id]) };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/directory/patients/:id',
    {
      schema: { params: IdParams, response: { 200: DetailReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'patients.manage' },
    },
    async (req, reply) => {
      const patient = await store.getDirectoryPatient(req.params.id);
      if (!patient) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${req.params.id}` });
      if (!(await mine(req, patient.id))) return notMine(req, reply, patient.id);
      audit({ ...actorOf(currentSpecialist(req)), action: 'read-directory', patientId: patient.id });
      return { patient, movements: await store.patientMovements(patient.id) };
    },
  );

  app.get(
    '/api/directory/duplicates',
    { schema: { response: { 200: DuplicatesReply } }, config: { access: 'specialist', permission: 'patients.manage' } },
    async (req) => {
      audit({ ...actorOf(currentSpecialist(req)), action: 'read-directory-duplicates' });
      return { duplicates: await visible(req, await store.likelyDuplicates(), (d) => [d.a, d.b]) };
    },
  );

  app.post<{ Body: Static<typeof Create> }>('/api/directory/patients', opts(Create, 201), async (req, reply) => {
    if (req.validationError) return bad(req, reply, 'patient');
    const { id, ...identity } = req.body;
    return send(reply, await service.create(currentSpecialist(req).id, id, identity), true);
  });

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof Update> }>(
    '/api/directory/patients/:id',
    { ...opts(Update), schema: { ...opts(Update).schema, params: IdParams } },
    async (req, reply) => {
      if (req.validationError) return bad(req, reply, 'patient', req.params.id);
      if (!(await mine(req, req.params.id))) return notMine(req, reply, req.params.id);
      return send(reply, await service.update(currentSpecialist(req).id, req.params.id, identityOf(req.body)));
    },
  );

  for (const kind of ['admit', 'transfer'] as const)
    app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Move> }>(
      `/api/directory/patients/:id/${kind}`,
      { ...opts(Move), schema: { ...opts(Move).schema, params: IdParams } },
      async (req, reply) => {
        if (req.validationError) return bad(req, reply, kind, req.params.id);
        const by = currentSpecialist(req).id;
        const { gateway, localId } = req.body;
        if (!(await mine(req, req.params.id))) return notMine(req, reply, req.params.id);
        // Admitted or moved only onto a cart of the account's sites.
        if (!managesCart(tc, by, gateway)) return cartNotMine(req, reply, req.params.id, gateway);
        return send(
          reply,
          kind === 'admit'
            ? await service.admit(by, req.params.id, gateway, localId)
            : await service.transfer(by, req.params.id, gateway, localId),
        );
      },
    );

  // The referring GP and the contact: read, set (PUT) or removed (DELETE); another site's patient answers as an unknown one.
  const partOpts = { config: { access: 'specialist' as const, permission: 'patients.manage' as const } };
  const managedPatient = async (req: FastifyRequest, reply: FastifyReply, id: string) => {
    if (!(await store.getDirectoryPatient(id))) {
      await reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${id}` });
      return false;
    }
    if (!(await mine(req, id))) {
      await notMine(req, reply, id);
      return false;
    }
    return true;
  };
  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/directory/patients/:id/referring-gp',
    { ...partOpts, schema: { params: IdParams, response: { 200: GpReply, '4xx': ErrorReply } } },
    async (req, reply) => {
      if (!(await managedPatient(req, reply, req.params.id))) return reply;
      return { patientId: req.params.id, referringGp: await store.referringGps.get(req.params.id) };
    },
  );
  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof GpBody> }>(
    '/api/directory/patients/:id/referring-gp',
    { ...partOpts, attachValidation: true, schema: { params: IdParams, body: GpBody, response: { 200: GpReply, '4xx': ErrorReply } } },
    async (req, reply) => {
      if (req.validationError) return bad(req, reply, 'referring GP', req.params.id);
      if (!(await managedPatient(req, reply, req.params.id))) return reply;
      const by = currentSpecialist(req).id;
      const gp = { name: req.body.name, rpps: req.body.rpps ?? null, email: req.body.email ?? null };
      const kept = await store.referringGps.set(req.params.id, gp, by, new Date().toISOString());
      audit({
        ...actorOf(currentSpecialist(req)),
        action: 'patient-referring-gp',
        patientId: req.params.id,
        detail: `referring GP ${gp.name}${gp.rpps ? ` (RPPS ${gp.rpps})` : ''}, e-mail ${gp.email ?? 'none'}`,
      });
      return reply.header('cache-control', 'no-store').send({ patientId: req.params.id, referringGp: kept });
    },
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/directory/patients/:id/referring-gp',
    { ...partOpts, schema: { params: IdParams, response: { 200: GpReply, '4xx': ErrorReply } } },
    async (req, reply) => {
      if (!(await managedPatient(req, reply, req.params.id))) return reply;
      await store.referringGps.set(req.params.id, null, currentSpecialist(req).id, new Date().toISOString());
      audit({
        ...actorOf(currentSpecialist(req)),
        action: 'patient-referring-gp',
        patientId: req.params.id,
        detail: 'referring GP removed',
      });
      return { patientId: req.params.id, referringGp: null };
    },
  );

  // The patient's own contact: where their invitations, identity codes and reports' links go.
  /**
   * Keeps the contact (null fields: removed), audits which fields changed (masked), withdraws what the
   * outbox still holds for the former address (audited), wakes the inviter.
   */
  const keepContact = async (req: FastifyRequest, patientId: string, next: ContactFields) => {
    const before = await store.patientContacts.get(patientId);
    const at = new Date();
    const kept = await store.patientContacts.set(patientId, next, currentSpecialist(req).id, at.toISOString());
    audit({ ...actorOf(currentSpecialist(req)), action: 'patient-contact', patientId, detail: contactChange(before, next) });
    const withdrawn = await withdrawFromFormerContact(store, patientId, before, next, at);
    if (withdrawn.length > 0)
      audit({ ...actorOf(currentSpecialist(req)), action: 'outbox-withdrawn', patientId, detail: withdrawnDetail(withdrawn) });
    // The next round of the inviter builds the patient's messages with it, to the new address.
    deps.appointmentsChanged?.();
    return kept;
  };
  const contactRefused = (req: FastifyRequest, reply: FastifyReply, patientId: string, message: string) => {
    audit({ ...actorOf(currentSpecialist(req)), action: 'patient-refused', patientId, detail: `contact: ${message}`.slice(0, 300) });
    return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `contact: ${message}` });
  };
  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/directory/patients/:id/contact',
    { ...partOpts, schema: { params: IdParams, response: { 200: ContactReply, '4xx': ErrorReply } } },
    async (req, reply) => {
      if (!(await managedPatient(req, reply, req.params.id))) return reply;
      // Where the patient can be reached is personal data: its reading is in the trail, as the directory's.
      audit({ ...actorOf(currentSpecialist(req)), action: 'read-directory', patientId: req.params.id, detail: 'contact' });
      return reply
        .header('cache-control', 'no-store')
        .send({ patientId: req.params.id, contact: await store.patientContacts.get(req.params.id) });
    },
  );
  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof ContactBody> }>(
    '/api/directory/patients/:id/contact',
    {
      ...partOpts,
      attachValidation: true,
      schema: { params: IdParams, body: ContactBody, response: { 200: ContactReply, '4xx': ErrorReply } },
    },
    async (req, reply) => {
      if (req.validationError) return bad(req, reply, 'contact', req.params.id);
      if (!(await managedPatient(req, reply, req.params.id))) return reply;
      const checked = contactOf(req.body);
      if (!checked.ok) return contactRefused(req, reply, req.params.id, checked.message);
      const kept = await keepContact(req, req.params.id, checked.value);
      return reply.header('cache-control', 'no-store').send({ patientId: req.params.id, contact: kept });
    },
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/directory/patients/:id/contact',
    { ...partOpts, schema: { params: IdParams, response: { 200: ContactReply, '4xx': ErrorReply } } },
    async (req, reply) => {
      if (!(await managedPatient(req, reply, req.params.id))) return reply;
      const kept = await keepContact(req, req.params.id, { email: null, phone: null });
      return reply.header('cache-control', 'no-store').send({ patientId: req.params.id, contact: kept });
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Discharge> }>(
    '/api/directory/patients/:id/discharge',
    { ...opts(Discharge), schema: { ...opts(Discharge).schema, params: IdParams } },
    async (req, reply) => {
      if (req.validationError) return bad(req, reply, 'discharge', req.params.id);
      if (!(await mine(req, req.params.id))) return notMine(req, reply, req.params.id);
      return send(reply, await service.discharge(currentSpecialist(req).id, req.params.id, req.body.reason ?? null));
    },
  );

  app.post<{ Body: Static<typeof Merge> }>('/api/directory/merge', opts(Merge), async (req, reply) => {
    if (req.validationError) return bad(req, reply, 'merge');
    for (const id of [req.body.survivor, req.body.duplicate]) if (!(await mine(req, id))) return notMine(req, reply, id);
    return send(reply, await service.merge(currentSpecialist(req).id, req.body.survivor, req.body.duplicate));
  });

  const fhirOpts = (ok: 200 | 201) => ({
    schema: { body: FhirPatientIn, response: { [ok]: FhirPatientSchema, '4xx': OperationOutcomeSchema } },
    config: { access: 'specialist' as const, permission: 'patients.manage' as const },
    attachValidation: true,
  });
  const fhirBad = (req: FastifyRequest, reply: FastifyReply, patientId?: string) =>
    badRequest(reply, invalid(req, 'Patient', patientId), parameterOf(req.validationError ? firstIssue(req.validationError) : undefined));
  const fhirIdentity = (req: FastifyRequest, reply: FastifyReply, body: FhirPatientIn, patientId?: string) => {
    const r = identityFromFhir(body);
    if (r.ok) return r.identity;
    audit({
      ...actorOf(currentSpecialist(req)),
      action: 'patient-refused',
      ...(patientId ? { patientId } : {}),
      detail: `Patient: ${r.message}`,
    });
    void badRequest(reply, r.message);
    return null;
  };

  /** The contact a client's Patient.telecom gives (undefined: no telecom, unchanged), or null after a 400 sent. */
  const fhirContact = (req: FastifyRequest, reply: FastifyReply, body: FhirPatientIn, patientId?: string) => {
    const r = contactFromFhir(body.telecom);
    if (r.ok) return r.value;
    audit({
      ...actorOf(currentSpecialist(req)),
      action: 'patient-refused',
      ...(patientId ? { patientId } : {}),
      detail: `Patient: ${r.message}`.slice(0, 300),
    });
    void badRequest(reply, r.message, 'telecom');
    return null;
  };

  app.post<{ Body: FhirPatientIn }>('/fhir/Patient', fhirOpts(201), async (req, reply) => {
    if (req.validationError) return fhirBad(req, reply);
    const identity = fhirIdentity(req, reply, req.body);
    if (identity === null) return reply;
    const contact = fhirContact(req, reply, req.body);
    if (contact === null) return reply;
    const id = req.body.id ?? randomUUID();
    const r = await service.create(currentSpecialist(req).id, id, identity);
    const kept = r.ok && contact !== undefined ? await keepContact(req, id, contact) : null;
    return sendFhir(reply, r, `${baseUrl(req, deps)}/Patient/${id}`, { contact: kept });
  });

  app.put<{ Params: Static<typeof FhirIdParams>; Body: FhirPatientIn }>(
    '/fhir/Patient/:id',
    { ...fhirOpts(200), schema: { ...fhirOpts(200).schema, params: FhirIdParams } },
    async (req, reply) => {
      if (req.validationError) return fhirBad(req, reply, req.params.id);
      if (req.body.id !== undefined && req.body.id !== req.params.id) {
        audit({
          ...actorOf(currentSpecialist(req)),
          action: 'patient-refused',
          patientId: req.params.id,
          detail: `Patient.id ${req.body.id} is not ${req.params.id}`,
        });
        return badRequest(reply, `Patient.id ${req.body.id} is not the id in the URL (${req.params.id})`, 'id');
      }
      if (!(await mine(req, req.params.id))) {
        auditOutOfScope(tc, req, { patientId: req.params.id, detail: `patient ${req.params.id} is not on a site this account manages` });
        return reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome('not-found', `no patient ${req.params.id}`));
      }
      const identity = fhirIdentity(req, reply, req.body, req.params.id);
      if (identity === null) return reply;
      const contact = fhirContact(req, reply, req.body, req.params.id);
      if (contact === null) return reply;
      const r = await service.update(currentSpecialist(req).id, req.params.id, identity);
      // Without telecom the contact stays as it is: a client that does not know it does not erase it.
      const kept =
        r.ok && contact !== undefined ? await keepContact(req, req.params.id, contact) : await store.patientContacts.get(req.params.id);
      return sendFhir(reply, r, undefined, { contact: kept });
    },
  );
}
