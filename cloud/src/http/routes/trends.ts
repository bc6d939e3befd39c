/** GET /api/patients/:id/trends?from=&to=: a patient's spot readings per vital over a period (the trends page's data). */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { patientTrends, TREND_POINTS_MAX, TREND_RANGE_DEFAULT_DAYS, TREND_RANGE_MAX_DAYS } from '../../patient-page/trends.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { boundOf, DateOrDateTime, PatientIdParams } from '../query-schemas.js';

const DAY_MS = 86_400_000;

export const TrendsQuery = Type.Object(
  { from: Type.Optional(DateOrDateTime), to: Type.Optional(DateOrDateTime) },
  { additionalProperties: false },
);

/** The period asked for: default the last 30 days up to now; a missing bound is 30 days from the other. */
export function trendRange(
  q: Static<typeof TrendsQuery>,
  now: number,
): { ok: true; from: Date; to: Date } | { ok: false; message: string } {
  const to = q.to === undefined ? new Date(now) : boundOf(q.to, 'end');
  const from = q.from === undefined ? new Date(to.getTime() - TREND_RANGE_DEFAULT_DAYS * DAY_MS) : boundOf(q.from, 'start');
  if (Number.isNaN(from.getTime())) return { ok: false, message: 'querystring/from is not a valid date' };
  if (Number.isNaN(to.getTime())) return { ok: false, message: 'querystring/to is not a valid date' };
  if (from > to) return { ok: false, message: 'querystring/from is after querystring/to' };
  if (to.getTime() - from.getTime() > TREND_RANGE_MAX_DAYS * DAY_MS)
    return { ok: false, message: `the period is longer than ${TREND_RANGE_MAX_DAYS} days` };
  return { ok: true, from, to };
}

/** Per vital, its points oldest first (patient-page/trends.ts). */
const TrendsReply = Type.Object(
  {
    patientId: Type.String(),
    from: Type.String(),
    to: Type.String(),
    maxPoints: Type.Integer(),
    vitals: Type.Array(
      Type.Object(
        {
          key: Type.String(),
          unit: Type.String(),
          unitDisplay: Type.String(),
          series: Type.Array(Type.String()),
          points: Type.Array(
            Type.Object(
              {
                t: Type.String(),
                v: Type.Array(Type.Number()),
                flags: Type.Array(Type.String()),
                comparator: Type.Optional(Type.String()),
              },
              { additionalProperties: false },
            ),
          ),
          truncated: Type.Boolean(),
          skipped: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export function registerTrendRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess, now: () => number = Date.now): void {
  app.get<{ Params: Static<typeof PatientIdParams>; Querystring: Static<typeof TrendsQuery> }>(
    '/api/patients/:id/trends',
    {
      config: { permission: 'vitals.read' },
      schema: { params: PatientIdParams, querystring: TrendsQuery, response: { 200: TrendsReply } },
    },
    async (req, reply) => {
      const { id } = req.params;
      const range = trendRange(req.query, now());
      if (!range.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: range.message });
      // A patient of another cart answers like an unknown one: no hint that it exists.
      if (!(await access.mayReadPatient(currentReader(req), id)) || !(await deps.store.getPatient(id)))
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${id}` });
      access.recordRead(req, 'view-trends', id);
      const vitals = await patientTrends(deps.store, { patientId: id, from: range.from, to: range.to });
      void reply.header('cache-control', 'no-store');
      return {
        patientId: id,
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        maxPoints: TREND_POINTS_MAX,
        vitals,
      };
    },
  );
}
