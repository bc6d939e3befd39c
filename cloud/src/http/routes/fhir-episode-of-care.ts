/**
 * FHIR R4 EpisodeOfCare: the telemonitoring enrolments (fhir/episode-of-care.ts):
 *   GET /fhir/EpisodeOfCare?patient=[Patient/]id   the patient's enrolments, ended ones included
 *   GET /fhir/EpisodeOfCare/:id                    one (404 for another cart's patient, as for an unknown one)
 * Permission patients.read, and only the patients of the reader's carts; every read is in the audit trail.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { episodeOfCareSearchset, toEpisodeOfCare } from '../../fhir/episode-of-care.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { EpisodeOfCareSearchsetSchema, FhirEpisodeOfCareSchema, fhirResponses } from '../../fhir/response-schemas.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, localPatientId, searchRefused } from '../fhir-helpers.js';
import { FhirIdParams } from '../query-schemas.js';

const Search = Type.Object(
  {
    patient: Type.String({ minLength: 1, maxLength: 80, pattern: '^(Patient/)?[A-Za-z0-9.-]{1,64}$' }),
    _format: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export function registerFhirEpisodeOfCareRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  access: DataAccess,
  now: () => Date = () => new Date(),
): void {
  const notFound = (reply: FastifyReply, what: string) =>
    reply
      .code(404)
      .type(FHIR_JSON)
      .send(operationOutcome('not-found', `${what} is not known`));

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/EpisodeOfCare/:id',
    {
      config: { permission: 'patients.read' },
      schema: { params: FhirIdParams, response: fhirResponses(FhirEpisodeOfCareSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const e = await deps.store.getEnrolment(req.params.id);
      // Another cart's patient's enrolment reads as an unknown one.
      if (!e || !(await access.mayReadPatient(currentReader(req), e.patientId))) return notFound(reply, `EpisodeOfCare/${req.params.id}`);
      access.recordRead(req, 'fhir-read', e.patientId, `EpisodeOfCare/${e.id}`);
      return reply.type(FHIR_JSON).send(toEpisodeOfCare(e, now()));
    },
  );

  app.get<{ Querystring: Static<typeof Search> }>(
    '/fhir/EpisodeOfCare',
    {
      config: { permission: 'patients.read' },
      schema: { querystring: Search, response: fhirResponses(EpisodeOfCareSearchsetSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return searchRefused(reply, req.validationError, ' (EpisodeOfCare is searched by patient)');
      const patientId = await localPatientId(deps.store, req.query.patient.replace(/^Patient\//, ''));
      const readable = await access.mayReadPatient(currentReader(req), patientId);
      const enrolments = readable ? await deps.store.patientEnrolments(patientId) : [];
      if (readable) access.recordRead(req, 'fhir-search-episode-of-care', patientId);
      const base = baseUrl(req, deps);
      const self = new URL(`${base}/EpisodeOfCare`);
      self.searchParams.set('patient', req.query.patient);
      const at = now();
      return reply.type(FHIR_JSON).send(
        episodeOfCareSearchset(
          enrolments.map((e) => toEpisodeOfCare(e, at)),
          self.toString(),
          base,
        ),
      );
    },
  );
}
