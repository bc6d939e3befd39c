/**
 * FHIR R4 read and search for Observation:
 *   GET /fhir/Observation?patient=&code=&date=&_count=&_offset=  → searchset Bundle
 *   GET /fhir/Observation/:id                                   → Observation
 * Unknown parameters and bad values answer 400 with an OperationOutcome naming the parameter
 * (strict handling: a search that silently ignored a filter would return the wrong patients' data).
 */
import type { Static } from '@sinclair/typebox';
import { searchsetBundle, toFhirObservation } from '@telecart/devices';
import type { FastifyInstance } from 'fastify';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { FhirObservationSchema, fhirResponses, ObservationSearchsetSchema } from '../../fhir/response-schemas.js';
import { parseCodeParam, parseDateParams, parsePatientParam } from '../../fhir/search-params.js';
import type { ObservationQuery } from '../../store/cloud-store.js';
import { currentReader, type DataAccess, readableObservation } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, localPatientId, searchRefused } from '../fhir-helpers.js';
import { FhirIdParams, FhirObservationSearch } from '../query-schemas.js';

const DEFAULT_COUNT = 50;

type Search = Static<typeof FhirObservationSearch>;

/** Search parameters → store query, or the first problem with the parameter it is about. */
function toQuery(s: Search): { ok: true; query: ObservationQuery } | { ok: false; error: string; parameter: string } {
  const query: ObservationQuery = {};
  if (s.patient !== undefined && s.subject !== undefined && s.patient !== s.subject)
    return { ok: false, error: 'patient and subject disagree', parameter: 'subject' };
  const patient = s.patient ?? s.subject;
  if (patient !== undefined) {
    const r = parsePatientParam(patient);
    if (!r.ok) return { ok: false, error: r.error, parameter: s.patient !== undefined ? 'patient' : 'subject' };
    query.patientId = r.value;
  }
  if (s.code !== undefined) {
    const r = parseCodeParam(s.code);
    if (!r.ok) return { ok: false, error: r.error, parameter: 'code' };
    if ('loinc' in r.value) query.loinc = r.value.loinc;
    else query.mdc = r.value.mdc;
  }
  if (s.date !== undefined) {
    const r = parseDateParams(s.date);
    if (!r.ok) return { ok: false, error: r.error, parameter: 'date' };
    query.from = r.value.from;
    query.to = r.value.to;
  }
  return { ok: true, query };
}

/**
 * Patient references carry toFhirId(localId) ('p_1' → 'p-1'): map a FHIR id back to the local id
 * when it is not one itself (the scan only runs for ids that differ).
 */

/** This search's URL with another _offset (repeated parameters kept, in order). */
function pageUrl(base: string, s: Search, count: number, offset: number): string {
  const p = new URLSearchParams();
  for (const key of ['patient', 'subject', 'code'] as const) {
    const v = s[key];
    if (v !== undefined) p.append(key, v);
  }
  for (const d of s.date ?? []) p.append('date', d);
  p.set('_count', String(count));
  if (offset > 0) p.set('_offset', String(offset));
  return `${base}/Observation?${p.toString()}`;
}

export function registerFhirObservationRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get<{ Querystring: Search }>(
    '/fhir/Observation',
    {
      config: { permission: 'vitals.read' },
      schema: { querystring: FhirObservationSearch, response: fhirResponses(ObservationSearchsetSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return searchRefused(reply, req.validationError);
      const s = req.query;
      const q = toQuery(s);
      if (!q.ok) return badRequest(reply, `invalid ${q.parameter}: ${q.error}`, q.parameter);
      if (q.query.patientId !== undefined) q.query.patientId = await localPatientId(deps.store, q.query.patientId);
      const reader = currentReader(req);
      if (q.query.patientId === undefined && !access.seesEveryCart(reader))
        return reply
          .code(403)
          .type(FHIR_JSON)
          .send(
            operationOutcome('forbidden', 'a search across patients needs access to every cart: name a patient (patient=…)', 'patient'),
          );
      // Another cart's patient: an empty result, as for an unknown patient.
      const allowed = q.query.patientId === undefined || (await access.mayReadPatient(reader, q.query.patientId));
      if (allowed) access.recordRead(req, 'fhir-search', q.query.patientId ?? null);
      const count = s._count ?? DEFAULT_COUNT;
      const offset = s._offset ?? 0;
      const base = baseUrl(req, deps);
      const [total, page] = allowed
        ? await Promise.all([
            deps.store.countObservations(q.query),
            count > 0 ? deps.store.getObservations({ ...q.query, limit: count, offset }) : Promise.resolve([]),
          ])
        : [0, []];
      const hasNext = count > 0 && offset + page.length < total;
      const bundle = searchsetBundle(
        page.map((o) => toFhirObservation(o, { baseUrl: base })),
        {
          total,
          selfUrl: pageUrl(base, s, count, offset),
          ...(hasNext ? { nextUrl: pageUrl(base, s, count, offset + count) } : {}),
          baseUrl: base,
        },
      );
      return reply.type(FHIR_JSON).send(bundle);
    },
  );

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Observation/:id',
    {
      config: { permission: 'vitals.read' },
      schema: { params: FhirIdParams, response: fhirResponses(FhirObservationSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const obs = await readableObservation(access, req, deps, req.params.id, 'fhir-read');
      if (!obs)
        return reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome('not-found', `Observation/${req.params.id} is not known`));
      return reply.type(FHIR_JSON).send(toFhirObservation(obs, { baseUrl: baseUrl(req, deps) }));
    },
  );
}
