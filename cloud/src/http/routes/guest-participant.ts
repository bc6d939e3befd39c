/**
 * GET /guest/:token/ws?act= — public WebSocket: a guest invited into a running act waits here to be
 * let in, as the home patient does under their join link (join-participant.ts, participants.ts).
 * The right is the guest link (its token, for that act, not removed, not expired, the act in
 * progress) and the device cookie its first opening set; without them the upgrade is refused (403
 * / 404 / 410 JSON, an audit line `participant-connect-refused`) and nothing waits. The act's joined
 * specialist admits or refuses them. Once admitted, the socket carries their signaling with the act's
 * room on the forwarding unit (teleconsult/unit-signaling.ts); anything else is refused with an audit
 * line. A guest the specialist removes is taken out of the room and their socket is closed. A guest
 * let in before (the link's admission is stored) is let in again at once on a new socket, even after a
 * cloud restart.
 */
import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ActLinkRecord } from '../../store/act-link-records.js';
import type { TeleconsultationRecord } from '../../store/teleconsult-records.js';
import { DEVICE_COOKIE, GUEST_PATH, openGuestLink } from '../../teleconsult/join-links.js';
import type { HttpDeps } from '../deps.js';
import { hostParticipant } from './join-participant.js';

const Params = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });
const Query = Type.Object(
  {
    act: Type.String({ minLength: 1, maxLength: 64 }),
    lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])),
  },
  { additionalProperties: false },
);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function registerGuestParticipantRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  now: () => Date,
): void {
  const checked = new WeakMap<FastifyRequest, { link: ActLinkRecord; act: TeleconsultationRecord }>();
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    `${GUEST_PATH}:token/ws`,
    {
      websocket: true,
      schema: { params: Params, querystring: Query },
      config: { access: 'public' },
      preValidation: [
        async (req, reply) => {
          // Cross-site WebSocket hijacking: browsers send Origin; it must be this very host.
          const origin = req.headers.origin;
          if (origin !== undefined && new URL(origin).host !== req.headers.host)
            return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'cross-origin WebSocket refused' });
        },
      ],
      preHandler: async (req, reply) => {
        const refuse = (statusCode: number, message: string, reason: string, link: ActLinkRecord | null) => {
          tc.relay.recordAudit({
            actor: 'link:guest',
            actorRole: 'anonymous',
            action: 'participant-connect-refused',
            ...(link ? { sessionId: link.appointmentId, patientId: link.patientId } : {}),
            detail: `guest ${reason}: ${message}; from ${req.ip}`.slice(0, 512),
          });
          return reply
            .code(statusCode)
            .header('cache-control', 'no-store')
            .send({ statusCode, error: statusCode === 403 ? 'Forbidden' : 'Refused', message, reason });
        };
        const cookie = req.cookies[DEVICE_COOKIE];
        const link = /^[A-Za-z0-9_-]{43}$/.test(req.params.token) ? await deps.store.getActLink(sha256(req.params.token)) : null;
        // This socket never binds a device: the guest's page (GET /guest/:token) did.
        if (cookie === undefined || link === null || link.role !== 'guest' || link.deviceSha256 === null)
          return refuse(403, 'open the link of the invitation on this device first', 'not-bound', link?.role === 'guest' ? link : null);
        const r = await openGuestLink(deps.store, req.params.token, req.query.act, cookie, now());
        if (!r.ok) return refuse(r.status, r.message, r.reason, link);
        checked.set(req, { link: r.link, act: r.act });
      },
    },
    async (socket: WebSocket, req) => {
      const ok = checked.get(req);
      if (!ok) return socket.close(1008, 'not allowed');
      const { link, act } = ok;
      hostParticipant(tc, socket, {
        sessionId: act.sessionId,
        gatewayId: act.gatewayId,
        patientId: act.patientId,
        role: 'guest',
        name: link.guestName ?? 'guest',
        // The specialist who joined the act invited them and decides.
        specialistId: act.specialistId,
        from: req.ip,
        // The specialist's removal finds their open socket by it.
        linkId: link.tokenSha256,
        // Let in before (a dropped socket, a cloud restart): not sent back to the waiting room.
        ...(link.admittedAt !== null
          ? {
              admittedBefore: {
                by: (act.specialistId && tc.directory.get(act.specialistId)?.name) || 'the specialist',
                at: link.admittedAt,
              },
            }
          : {}),
      });
    },
  );
}
