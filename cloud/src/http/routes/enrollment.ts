/**
 * Gateway enrollment over HTTPS:
 *   GET  /api/v1/enroll/ca   the CA certificate (public; the gateway checks it against the pinned fingerprint)
 *   POST /api/v1/enroll      { token, csr } → { gatewayId, certificate, ca, notAfter, mqttUrl? }
 * The token is the only credential; it is spent on first use, whatever follows.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { EnrollResult } from '../../security/cloud-security.js';

export interface EnrollmentService {
  caPem(): string;
  enroll(token: unknown, csr: unknown): Promise<EnrollResult>;
}

const EnrollBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    csr: Type.String({ minLength: 1, maxLength: 16_384 }),
  },
  { additionalProperties: false },
);

export function registerEnrollmentRoutes(app: FastifyInstance, service: EnrollmentService, opts: { mqttUrl?: string } = {}): void {
  app.get('/api/v1/enroll/ca', async (_req, reply) => reply.type('application/x-pem-file').send(service.caPem()));

  app.post('/api/v1/enroll', { schema: { body: EnrollBody }, bodyLimit: 32_768 }, async (req, reply) => {
    const body = req.body as { token: string; csr: string };
    const r = await service.enroll(body.token, body.csr);
    if (!r.ok) return reply.code(r.status).send({ statusCode: r.status, error: r.reason, message: r.error });
    return {
      gatewayId: r.gatewayId,
      certificate: r.certificate,
      ca: r.ca,
      notAfter: r.notAfter,
      ...(opts.mqttUrl ? { mqttUrl: opts.mqttUrl } : {}),
    };
  });
}
