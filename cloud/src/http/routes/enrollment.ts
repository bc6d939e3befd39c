/**
 * Gateway enrollment over HTTPS:
 *   GET  /api/v1/enroll/ca   the CA certificate (public; the gateway checks it against the pinned fingerprint)
 *   POST /api/v1/enroll      { token, csr } → { gatewayId, certificate, ca, notAfter, mqttUrl? }
 * The token is the only credential; it is spent on first use, whatever follows. With a throttle,
 * each attempt counts against its source address first (docs/security.md, "Guessing secrets"):
 * 429 + Retry-After while the address is blocked.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type AuthThrottle, retryAfterSeconds, sourceOf, type ThrottleSubject } from '../../security/auth-throttle.js';
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

export interface EnrollmentRouteOptions {
  mqttUrl?: string;
  throttle?: Pick<AuthThrottle, 'attempt' | 'succeeded'>;
}

export function registerEnrollmentRoutes(app: FastifyInstance, service: EnrollmentService, opts: EnrollmentRouteOptions = {}): void {
  app.get('/api/v1/enroll/ca', async (_req, reply) => reply.type('application/x-pem-file').send(service.caPem()));

  app.post('/api/v1/enroll', { schema: { body: EnrollBody }, bodyLimit: 32_768 }, async (req, reply) => {
    const body = req.body as { token: string; csr: string };
    const source = sourceOf(req.ip);
    const subjects: ThrottleSubject[] = [{ scope: 'enroll-source', id: source }];
    const gate = opts.throttle ? await opts.throttle.attempt(subjects) : undefined;
    if (gate && !gate.allowed) {
      const seconds = retryAfterSeconds(gate.retryAfterMs);
      req.log.warn({ source, retryAfterS: seconds }, 'enrollment refused: too many failed attempts from this address');
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .send({ statusCode: 429, error: 'Too Many Requests', message: `too many failed enrollments; try again in ${seconds} s` });
    }
    const r = await service.enroll(body.token, body.csr);
    if (!r.ok) {
      for (const b of gate?.allowed ? gate.blocked : [])
        req.log.warn({ source, failures: b.failures, delayS: retryAfterSeconds(b.delayMs) }, 'enrollment: address throttled');
      return reply.code(r.status).send({ statusCode: r.status, error: r.reason, message: r.error });
    }
    await opts.throttle?.succeeded(subjects);
    return {
      gatewayId: r.gatewayId,
      certificate: r.certificate,
      ca: r.ca,
      notAfter: r.notAfter,
      ...(opts.mqttUrl ? { mqttUrl: opts.mqttUrl } : {}),
    };
  });
}
