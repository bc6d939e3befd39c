/** GET /api/patients and GET /api/patients/:id/observations. */
import { type Static, Type } from '@sinclair/typebox';
import { Observation } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import { patientOverviews } from '../../vitals/overview.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { ObservationListQuery, PatientIdParams, rangeOf } from '../query-schemas.js';

const Count = Type.Integer({ minimum: 0 });
const OrNull = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
/** The latest reading of one summary vital (vitals/summary.ts). */
const VitalReading = Type.Object(
  {
    key: Type.String(),
    values: Type.Array(Type.Number()),
    unit: Type.String(),
    unitDisplay: Type.String(),
    effective: Type.String(),
    observationId: Type.String(),
    patientId: Type.String(),
    flags: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
/** A patient with the latest of each summary vital (vitals/overview.ts). */
const PatientOverviews = Type.Object(
  {
    patients: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          ins: OrNull(Type.String()),
          insOid: OrNull(Type.String()),
          family: OrNull(Type.String()),
          given: OrNull(Type.String()),
          birthDate: OrNull(Type.String()),
          source: Type.Union([Type.Literal('configured'), Type.Literal('observed')]),
          lastObservationAt: OrNull(Type.String()),
          vitals: Type.Record(Type.String(), VitalReading),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** A page of a patient's stored readings, each exactly as the protocol defines it. */
const ObservationPage = Type.Object(
  { patientId: Type.String(), total: Count, limit: Count, offset: Count, observations: Type.Array(Observation) },
  { additionalProperties: false },
);

export function registerPatientRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get('/api/patients', { config: { permission: 'patients.read' }, schema: { response: { 200: PatientOverviews } } }, async (req) => {
    access.recordRead(req, 'read-patient-list');
    return { patients: await patientOverviews(deps.store, await access.visiblePatients(currentReader(req))) };
  });

  app.get<{ Params: Static<typeof PatientIdParams>; Querystring: Static<typeof ObservationListQuery> }>(
    '/api/patients/:id/observations',
    {
      config: { permission: 'vitals.read' },
      schema: { params: PatientIdParams, querystring: ObservationListQuery, response: { 200: ObservationPage } },
    },
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
