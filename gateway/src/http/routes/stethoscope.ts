/**
 * The nurse's stethoscope controls:
 *   POST /api/stethoscope/recordings            {site, maxDurationSeconds?} → 201 the recording
 *   POST /api/stethoscope/recordings/:id/stop   → 200 once its last segment is in the store
 *   GET  /api/stethoscope/recordings/:id        → the recording (state, segments, error)
 *   GET  /api/stethoscope                       → enabled?, the running recording
 * 409 while another recording runs; 507 when the store refused the audio (store full); 502 when the
 * capture failed. Every error carries a message the nurse page can show as is.
 */
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AUSCULTATION_SITES, RecorderBusyError, type RecordingSummary, type StethoscopeRecorder } from '../../audio/index.js';

const StartBody = Type.Object(
  {
    site: Type.Union(AUSCULTATION_SITES.map((s) => Type.Literal(s))),
    maxDurationSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });

function problem(reply: FastifyReply, statusCode: number, message: string, recording?: RecordingSummary) {
  return reply
    .code(statusCode)
    .send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(recording ? { recording } : {}) });
}

/** The HTTP status that tells how a finished recording went. */
function endStatus(r: RecordingSummary): number {
  if (r.state === 'refused') return 507;
  if (r.state === 'failed') return 502;
  return 200;
}

export function registerStethoscopeRoutes(app: FastifyInstance, recorder: StethoscopeRecorder | undefined): void {
  const disabled = (reply: FastifyReply) =>
    problem(reply, 503, 'no stethoscope is configured on this gateway (audio.stethoscope.enabled is false)');

  app.get('/api/stethoscope', { schema: { querystring: NoQuery } }, async () => ({
    enabled: recorder !== undefined,
    sampleRateHz: recorder?.sampleRateHz ?? null,
    sites: AUSCULTATION_SITES,
    current: recorder?.current() ?? null,
  }));

  app.post<{ Body: Static<typeof StartBody> }>('/api/stethoscope/recordings', { schema: { body: StartBody } }, async (req, reply) => {
    if (!recorder) return disabled(reply);
    try {
      const r = recorder.start(req.body);
      return reply.code(201).header('location', `/api/stethoscope/recordings/${r.recordingId}`).send(r);
    } catch (e) {
      if (e instanceof RecorderBusyError) return problem(reply, 409, e.message);
      throw e;
    }
  });

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/stethoscope/recordings/:id/stop',
    { schema: { params: IdParams, querystring: NoQuery } },
    async (req, reply) => {
      if (!recorder) return disabled(reply);
      const r = await recorder.stop(req.params.id);
      if (!r) return problem(reply, 404, `no recording ${req.params.id}`);
      const status = endStatus(r);
      return status === 200 ? r : problem(reply, status, r.error ?? `recording ${r.state}`, r);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/stethoscope/recordings/:id',
    { schema: { params: IdParams, querystring: NoQuery } },
    async (req, reply) => {
      if (!recorder) return disabled(reply);
      const r = recorder.get(req.params.id);
      return r ?? problem(reply, 404, `no recording ${req.params.id}`);
    },
  );
}
