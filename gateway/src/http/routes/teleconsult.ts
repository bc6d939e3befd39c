/**
 * The nurse calls a specialist for the current patient, and follows the act:
 *   POST   /api/teleconsult/call        {specialistId?, reason?, patientId?} → 201 {sessionId} (RtcUp call)
 *   DELETE /api/teleconsult/call/:id    → 200 (RtcUp call-cancel)
 *   GET    /api/teleconsult             → the act as the cloud describes it (RtcDown session) and the live peer
 * 409 when no patient is selected; 503 when the cloud broker is unreachable (the call is not queued:
 * a teleconsultation is live or not at all).
 */
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PatientContext } from '../../patient/context.js';
import type { TeleconsultAgent } from '../../teleconsult/agent.js';

const CallBody = Type.Object(
  {
    patientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    specialistId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });

function problem(reply: FastifyReply, statusCode: number, message: string) {
  return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

export function registerTeleconsultRoutes(app: FastifyInstance, agent: TeleconsultAgent | undefined, patients: PatientContext): void {
  app.get('/api/teleconsult', { schema: { querystring: NoQuery } }, async (_req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    return agent.status();
  });

  app.post<{ Body: Static<typeof CallBody> }>('/api/teleconsult/call', { schema: { body: CallBody } }, async (req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    const p = req.body.patientId !== undefined ? patients.find(req.body.patientId) : patients.current();
    if (!p) {
      return req.body.patientId !== undefined
        ? problem(reply, 404, `unknown patient "${req.body.patientId}"`)
        : problem(reply, 409, 'select the patient before calling a specialist');
    }
    try {
      const r = await agent.call({
        patient: { id: p.id, ...(p.ins ? { ins: p.ins } : {}) },
        ...(req.body.specialistId ? { specialistId: req.body.specialistId } : {}),
        ...(req.body.reason ? { reason: req.body.reason } : {}),
      });
      return reply.code(201).send(r);
    } catch (e) {
      return problem(reply, 503, `the call could not reach the cloud: ${(e as Error).message}`);
    }
  });

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/teleconsult/call/:id',
    { schema: { params: IdParams, querystring: NoQuery } },
    async (req, reply) => {
      if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
      try {
        await agent.cancelCall(req.params.id);
        return { sessionId: req.params.id, status: 'cancelled' };
      } catch (e) {
        return problem(reply, 503, `the cancellation could not reach the cloud: ${(e as Error).message}`);
      }
    },
  );
}
