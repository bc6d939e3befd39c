/**
 * FHIR R4 Patient, what every exported Observation's `subject` points to:
 *   GET /fhir/Patient/:id                          one patient (404 for another cart's patient, as for an unknown one)
 *   GET /fhir/Patient?identifier=[system|]value    by INS (system urn:oid:…) or local id; also _id, _count, _offset
 * Clinicians only, each seeing the patients of their carts; every read is in the audit trail.
 */
import { type Static, Type } from '@sinclair/typebox';
import { searchsetBundle, TELECART_FHIR, toFhirId, toFhirPatient } from '@telecart/devices';
import type { FastifyInstance } from 'fastify';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { FhirPatientSchema, fhirResponses, PatientSearchsetSchema } from '../../fhir/response-schemas.js';
import type { PatientRecord } from '../../store/cloud-store.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, firstIssue, localPatientId, parameterOf } from '../fhir-helpers.js';
import { FhirIdParams } from '../query-schemas.js';

export const FhirPatientSearch = Type.Object(
  {
    identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    _id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9.-]+$' })),
    _count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    _offset: Type.Optional(Type.Integer({ minimum: 0 })),
    _format: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
type Search = Static<typeof FhirPatientSearch>;

const DEFAULT_COUNT = 50;

/** `identifier` token: 'system|value', '|value' (no system), or 'value' (any system). */
function identifierMatches(p: PatientRecord, token: string): boolean {
  const bar = token.indexOf('|');
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const value = bar < 0 ? token : token.slice(bar + 1);
  const ids: [string, string][] = [[TELECART_FHIR.patientIdSystem, p.id]];
  if (p.ins && p.insOid) ids.push([`urn:oid:${p.insOid}`, p.ins]);
  return ids.some(([s, v]) => v === value && (system === undefined || system === s));
}

export function registerFhirPatientRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Patient/:id',
    {
      config: { permission: 'patients.read' },
      schema: { params: FhirIdParams, response: fhirResponses(FhirPatientSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const id = await localPatientId(deps.store, req.params.id);
      const patient = (await access.mayReadPatient(currentReader(req), id)) ? await deps.store.getPatient(id) : null;
      if (!patient)
        return reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome('not-found', `Patient/${req.params.id} is not known`));
      access.recordRead(req, 'fhir-read', patient.id, `Patient/${req.params.id}`);
      return reply.type(FHIR_JSON).send(toFhirPatient(patient));
    },
  );

  app.get<{ Querystring: Search }>(
    '/fhir/Patient',
    {
      config: { permission: 'patients.read' },
      schema: { querystring: FhirPatientSearch, response: fhirResponses(PatientSearchsetSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) {
        const issue = firstIssue(req.validationError);
        const parameter = parameterOf(issue);
        return badRequest(
          reply,
          issue?.keyword === 'additionalProperties'
            ? `unknown search parameter '${parameter}'`
            : `invalid value for ${parameter ?? 'the query'}: ${req.validationError.message}`,
          parameter,
        );
      }
      const s = req.query;
      const reader = currentReader(req);
      let found = await access.visiblePatients(reader);
      if (s._id !== undefined) found = found.filter((p) => toFhirId(p.id) === s._id);
      if (s.identifier !== undefined) {
        const token = s.identifier;
        found = found.filter((p) => identifierMatches(p, token));
      }
      const count = s._count ?? DEFAULT_COUNT;
      const offset = s._offset ?? 0;
      const page = found.slice(offset, offset + count);
      for (const p of page) access.recordRead(req, 'fhir-search-patient', p.id);
      const base = baseUrl(req, deps);
      const self = new URL(`${base}/Patient`);
      for (const [k, v] of Object.entries(s)) if (v !== undefined && k !== '_offset') self.searchParams.set(k, String(v));
      const pageUrl = (o: number) => {
        const u = new URL(self);
        if (o > 0) u.searchParams.set('_offset', String(o));
        return u.toString();
      };
      const hasNext = count > 0 && offset + page.length < found.length;
      return reply.type(FHIR_JSON).send(
        searchsetBundle(
          page.map((p) => toFhirPatient(p)),
          { total: found.length, selfUrl: pageUrl(offset), ...(hasNext ? { nextUrl: pageUrl(offset + count) } : {}), baseUrl: base },
        ),
      );
    },
  );
}
