/**
 * The nurse calls a specialist for the current patient, and follows the act:
 *   POST   /api/teleconsult/call        {consent, specialistId?, reason?, patientId?} → 201 {sessionId} (RtcUp call)
 *   DELETE /api/teleconsult/call/:id    → 200 (RtcUp call-cancel)
 *   GET    /api/teleconsult             → the act as the cloud describes it (RtcDown session) and the live peer
 * The consent (R.6316-2: the patient's, or their representative's, collected before the act) is
 * required: 400 without it; the gateway stamps when it was collected (the nurse's confirmation).
 * 409 when no patient is selected, or while another act is waiting or under way (one act at a time:
 * a call for another patient must not take over the screen of the act in progress); 503 when the cloud broker is unreachable (the call is not queued:
 * a teleconsultation is live or not at all).
 */
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import { ConsentMethod, ConsentRepresentative, type TeleconsultConsent } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PatientContext } from '../../patient/context.js';
import { CallInProgressError, type TeleconsultAgent } from '../../teleconsult/agent.js';

/**
 * What the nurse confirms on the page; collectedAt is the gateway's, on receipt. Flat (not a union)
 * so that a missing field gets fastify's plain message; the representative rule is checked below.
 */
const ConsentBody = Type.Object(
  {
    by: Type.Union([Type.Literal('patient'), Type.Literal('representative')]),
    method: ConsentMethod,
    representative: Type.Optional(ConsentRepresentative),
  },
  { additionalProperties: false },
);
type ConsentBody = Static<typeof ConsentBody>;

const CallBody = Type.Object(
  {
    consent: ConsentBody,
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

/** The consent as it goes to the cloud, with the time the nurse confirmed it; or why it is not valid (400). */
export function stampConsent(c: ConsentBody, at: Date): TeleconsultConsent | string {
  const collectedAt = at.toISOString();
  if (c.by === 'patient') {
    return c.representative
      ? 'consent.representative is only for consent given by a representative (by: "representative")'
      : { by: 'patient', method: c.method, collectedAt };
  }
  if (!c.representative) return 'consent given by a representative needs their name and relation (consent.representative {name, relation})';
  const { name, relation } = c.representative;
  return { by: 'representative', method: c.method, representative: { name: name.trim(), relation: relation.trim() }, collectedAt };
}

function problem(reply: FastifyReply, statusCode: number, message: string) {
  return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

export function registerTeleconsultRoutes(
  app: FastifyInstance,
  agent: TeleconsultAgent | undefined,
  patients: PatientContext,
  now: () => Date = () => new Date(),
): void {
  app.get('/api/teleconsult', { schema: { querystring: NoQuery } }, async (_req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    return agent.status();
  });

  app.post<{ Body: Static<typeof CallBody> }>('/api/teleconsult/call', { schema: { body: CallBody } }, async (req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    const consent = stampConsent(req.body.consent, now());
    if (typeof consent === 'string') return problem(reply, 400, consent);
    const p = req.body.patientId !== undefined ? patients.find(req.body.patientId) : patients.current();
    if (!p) {
      return req.body.patientId !== undefined
        ? problem(reply, 404, patients.notOnCart(req.body.patientId))
        : problem(reply, 409, 'select the patient before calling a specialist');
    }
    try {
      const r = await agent.call({
        patient: { id: p.id, ...(p.ins ? { ins: p.ins } : {}) },
        ...(req.body.specialistId ? { specialistId: req.body.specialistId } : {}),
        ...(req.body.reason ? { reason: req.body.reason } : {}),
        // The signed-in nurse collected the consent and calls (routes/nurse.ts sets req.nurse).
        consent: req.nurse && consent.collectedBy === undefined ? { ...consent, collectedBy: req.nurse.name } : consent,
        ...(req.nurse ? { nurse: { id: req.nurse.id, name: req.nurse.name } } : {}),
      });
      return reply.code(201).send(r);
    } catch (e) {
      if (e instanceof CallInProgressError) return problem(reply, 409, e.message);
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
