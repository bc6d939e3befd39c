/**
 * The specialist's consultation page and its WebSocket:
 *   GET /consult      the page (pages/consult/: login form, waiting room, the consultation); CSP by hash
 *   GET /consult/ws   WebSocket to the signaling relay; needs the login cookie and a same-origin page
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { consultPageCsp, renderConsultPage } from '../../pages/consult/page.js';
import { MAX_SIGNALING_BYTES } from '../../teleconsult/relay.js';
import type { CloudMessage } from '../../teleconsult/ws-messages.js';
import type { HttpDeps } from '../deps.js';
import { DashboardQuery } from '../query-schemas.js';

/** A page that cannot keep up is closed rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function registerConsultRoutes(app: FastifyInstance, deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>): void {
  app.get<{ Querystring: Static<typeof DashboardQuery> }>(
    '/consult',
    { schema: { querystring: DashboardQuery }, config: { access: 'public' } },
    async (req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', consultPageCsp())
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        // The conversation sends this page's camera and microphone (docs/conversation.md); no embedded origin gets them.
        .header('permissions-policy', 'camera=(self), microphone=(self), geolocation=()')
        .send(renderConsultPage({ lang: req.query.lang, timeZone: deps.timeZone ?? 'Europe/Paris' })),
  );

  app.get(
    '/consult/ws',
    {
      websocket: true,
      preValidation: [
        async (req, reply) => {
          // Cross-site WebSocket hijacking: browsers send Origin; it must be this very host.
          const origin = req.headers.origin;
          if (origin !== undefined && new URL(origin).host !== req.headers.host) {
            return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'cross-origin WebSocket refused' });
          }
        },
      ],
      // The login is checked first (the root hook, route-access.ts), then the origin.
      config: { access: 'specialist', permission: 'acts.join' },
    },
    (socket: WebSocket, req) => {
      const specialist = (req as typeof req & { specialist: NonNullable<ReturnType<typeof tc.directory.get>> }).specialist;
      const handle = tc.relay.attach({
        specialist,
        send(message: CloudMessage) {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            req.log.warn({ specialist: specialist.id }, 'consult: page too slow, closing its WebSocket');
            socket.close(1013, 'too slow');
            return;
          }
          socket.send(JSON.stringify(message));
        },
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return handle.receive('\u0000binary');
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        handle.receive(text);
      });
      socket.on('close', () => handle.close());
      socket.on('error', () => handle.close());
    },
  );
}

/** ws server options: frames larger than any signaling message are refused by ws itself (close 1009). */
export const CONSULT_WS_OPTIONS = { maxPayload: MAX_SIGNALING_BYTES + 1024 };
