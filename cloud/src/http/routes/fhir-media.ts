/**
 * FHIR R4 read for Media: GET /fhir/Media/:id → the Media of an Observation's recording (same id).
 * Its content.url points to GET /api/observations/:id/attachment (see toFhirMedia for the mapping).
 */
import type { Static } from '@sinclair/typebox';
import { toFhirMedia } from '@telecart/devices';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { FhirMediaSchema, fhirResponses } from '../../fhir/response-schemas.js';
import { type DataAccess, readableObservation } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { FhirIdParams } from '../query-schemas.js';

function origin(req: FastifyRequest, deps: HttpDeps): string {
  return deps.publicBaseUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
}

export function registerFhirMediaRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Media/:id',
    {
      config: { permission: 'vitals.read' },
      schema: { params: FhirIdParams, response: fhirResponses(FhirMediaSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError)
        return reply
          .code(400)
          .type(FHIR_JSON)
          .send(operationOutcome('invalid', `'${req.params.id}' is not a FHIR id`, 'id'));
      const obs = await readableObservation(access, req, deps, req.params.id, 'fhir-read');
      const base = origin(req, deps);
      const media = obs
        ? toFhirMedia(obs, { baseUrl: `${base}/fhir`, attachmentUrl: `${base}/api/observations/${obs.id}/attachment` })
        : undefined;
      if (!media)
        return reply
          .code(404)
          .type(FHIR_JSON)
          .send(operationOutcome('not-found', `Media/${req.params.id} is not known`));
      return reply.type(FHIR_JSON).send(media);
    },
  );
}
