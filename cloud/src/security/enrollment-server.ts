/**
 * The enrollment endpoint on its own HTTPS port, with the server certificate of the cloud CA.
 * Separate from the dashboard/API server so it can be exposed to the carts' networks alone, and
 * so it is always TLS whatever the dashboard does.
 */
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { Logger } from 'pino';
import { registerEnrollmentRoutes } from '../http/routes/enrollment.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { CloudSecurity } from './cloud-security.js';

export interface EnrollmentServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEnrollmentServer(opts: {
  security: CloudSecurity;
  host: string;
  port: number;
  logger: Logger;
  /** Announced to enrolled gateways. */
  mqttUrl?: string;
  /** Brake on token guessing per source address (the cloud's store-backed throttle). */
  throttle?: AuthThrottle;
}): Promise<EnrollmentServer> {
  const tls = opts.security.serverTls();
  const logger: FastifyBaseLogger = opts.logger;
  const app = Fastify({
    https: { key: tls.key, cert: tls.cert },
    loggerInstance: logger,
    // As the HTTP app's (fastify 5 deprecates the top-level disableRequestLogging).
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerEnrollmentRoutes(app, opts.security, {
    ...(opts.mqttUrl ? { mqttUrl: opts.mqttUrl } : {}),
    ...(opts.throttle ? { throttle: opts.throttle } : {}),
  });
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('enrollment server did not bind a TCP port');
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `https://${host}:${addr.port}`;
  opts.logger.info({ url }, 'security: enrollment endpoint listening');
  return { url, port: addr.port, close: () => app.close() };
}
