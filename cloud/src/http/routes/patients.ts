/** GET /api/patients and GET /api/patients/:id/observations. */
import { type Static, Type } from '@sinclair/typebox';
import { Observation } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import { patientOverviews } from '../../vitals/overview.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { ObservationListQuery, PatientIdParams, rangeOf } from '../query-schemas.js';

const Count = Type.Integer({ minimum: 0 });
/** A page of a patient's stored readings, each exactly as the protocol defines it. */
const ObservationPage = Type.Object(
  { patientId: Type.String(), total: Count, limit: Count, offset: Count, observations: Type.Array(Observation) },
  { additionalProperties: false },
);

export function registerPatientRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get('/api/patients', async (req) => {
    access.recordRead(req, 'read-patient-list');
    return { patients: await patientOverviews(deps.store, await access.visiblePatients(currentReader(req))) };
  });

  app.get<{ Params: Static<typeof PatientIdParams>; Querystring: Static<typeof ObservationListQuery> }>(
    '/api/patients/:id/observations',
    { schema: { params: PatientIdParams, querystring: ObservationListQuery, response: { 200: ObservationPage } } },
    async (req, reply) => {
      const { id } = req.params;
      const q = req.query;
      const range = rangeOf(q);
      if (!range.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: range.message });
      const { from, to } = range;
      // A patient of another cart answers like an unknown one: no hint that it exists.
      if (!(await access.mayReadPatient(currentReader(req), id)) || !(await deps.store.getPatient(id)))
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${id}` });
      access.recordRead(req, 'read-observations', id);
      const query = { patientId: id, loinc: q.code, from, to };
      const [total, observations] = await Promise.all([
        deps.store.countObservations(query),
        deps.store.getObservations({ ...query, limit: q.limit, offset: q.offset }),
      ]);
      return { patientId: id, total, limit: q.limit, offset: q.offset, observations };
    },
  );
}
