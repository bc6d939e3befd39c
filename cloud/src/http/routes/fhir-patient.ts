/**
 * FHIR R4 Patient, what every exported Observation's `subject` points to:
 *   GET /fhir/Patient/:id                          one patient (404 for another cart's patient, as for an unknown one)
 *   GET /fhir/Patient?identifier=[system|]value    by INS (system urn:oid:…) or local id; also name, family, given,
 *                                                  birthdate, _id, _count, _offset
 * Clinicians only, each seeing the patients of their carts; every read is in the audit trail. The
 * resource is the directory's (directory/fhir-patient.ts): only a qualified INS is the INS. The read
 * and the search's entries are one mapping (fhirPatient below): the same Patient, with its
 * referring GP and its own contact (telecom).
 */
import { type Static, Type } from '@sinclair/typebox';
import { searchsetBundle, toFhirId } from '@telecart/devices';
import type { FastifyInstance } from 'fastify';
import { type DirectoryFhirPatient, toDirectoryFhirPatient } from '../../directory/fhir-patient.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { FhirPatientSchema, fhirResponses, PatientSearchsetSchema } from '../../fhir/response-schemas.js';
import type { DirectoryPatient, PatientRecord } from '../../store/cloud-store.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, localPatientId, searchRefused } from '../fhir-helpers.js';
import { FhirIdParams } from '../query-schemas.js';

export const FhirPatientSearch = Type.Object(
  {
    identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    _id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9.-]+$' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    family: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    given: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    birthdate: Type.Optional(Type.String({ pattern: '^\\d{4}(-\\d{2}(-\\d{2})?)?$' })),
    _count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    _offset: Type.Optional(Type.Integer({ minimum: 0 })),
    _format: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
type Search = Static<typeof FhirPatientSearch>;

const DEFAULT_COUNT = 50;

/** `identifier` token: 'system|value', '|value' (no system), or 'value' (any system), against the identifiers served. */
function identifierMatches(r: DirectoryFhirPatient, token: string): boolean {
  const bar = token.indexOf('|');
  const system = bar < 0 ? undefined : token.slice(0, bar);
  const value = bar < 0 ? token : token.slice(bar + 1);
  return (r.identifier ?? []).some((i) => i.value === value && (system === undefined || system === i.system));
}

/** FHIR string search: case- and accent-insensitive "starts with". */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const startsWith = (v: string | null, q: string) => v !== null && fold(v).startsWith(fold(q));

/** The directory's view of a visible patient (a patient known only from readings has the bare record). */
function directoryView(p: PatientRecord, entry: DirectoryPatient | undefined): DirectoryPatient {
  return (
    entry ?? {
      ...p,
      identityStatus: null,
      siteId: null,
      gatewayId: null,
      localId: null,
      admittedAt: null,
      dischargedAt: null,
      mergedInto: null,
    }
  );
}

/** The Patient a read serves: the directory's view, its referring GP and its contact (a search's page maps the same, its GPs and contacts read at once). */
async function fhirPatient(deps: HttpDeps, p: DirectoryPatient): Promise<DirectoryFhirPatient> {
  const [gp, contact] = await Promise.all([deps.store.referringGps.get(p.id), deps.store.patientContacts.get(p.id)]);
  return toDirectoryFhirPatient(p, { gp, contact });
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
      const reader = currentReader(req);
      const entry = await deps.store.getDirectoryPatient(id);
      // A merged duplicate is read by whoever reads the patient it was merged into (it is off any cart).
      const readable =
        (await access.mayReadPatient(reader, id)) || (entry?.mergedInto != null && (await access.mayReadPatient(reader, entry.mergedInto)));
      const patient = readable ? await deps.store.getPatient(id) : null;
      if (!patient)
        return reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome('not-found', `Patient/${req.params.id} is not known`));
      access.recordRead(req, 'fhir-read', patient.id, `Patient/${req.params.id}`);
      return reply.type(FHIR_JSON).send(await fhirPatient(deps, directoryView(patient, entry ?? undefined)));
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
      if (req.validationError) return searchRefused(reply, req.validationError);
      const s = req.query;
      const reader = currentReader(req);
      const entries = new Map((await deps.store.listDirectory()).map((e) => [e.id, e]));
      let found = (await access.visiblePatients(reader)).map((p) => directoryView(p, entries.get(p.id)));
      if (s._id !== undefined) found = found.filter((p) => toFhirId(p.id) === s._id);
      if (s.identifier !== undefined) {
        const token = s.identifier;
        found = found.filter((p) => identifierMatches(toDirectoryFhirPatient(p), token));
      }
      const { name, family, given, birthdate } = s;
      if (name !== undefined) found = found.filter((p) => startsWith(p.family, name) || startsWith(p.given, name));
      if (family !== undefined) found = found.filter((p) => startsWith(p.family, family));
      if (given !== undefined) found = found.filter((p) => startsWith(p.given, given));
      if (birthdate !== undefined) found = found.filter((p) => p.birthDate?.startsWith(birthdate) ?? false);
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
      // The page's GPs and contacts in two queries, not two per entry.
      const ids = page.map((p) => p.id);
      const [gps, contacts] = await Promise.all([deps.store.referringGps.getMany(ids), deps.store.patientContacts.getMany(ids)]);
      const resources = page.map((p) => toDirectoryFhirPatient(p, { gp: gps.get(p.id) ?? null, contact: contacts.get(p.id) ?? null }));
      return reply.type(FHIR_JSON).send(
        searchsetBundle(resources, {
          total: found.length,
          selfUrl: pageUrl(offset),
          ...(hasNext ? { nextUrl: pageUrl(offset + count) } : {}),
          baseUrl: base,
        }),
      );
    },
  );
}
