/**
 * GET /join/:token/ws?act= — public WebSocket: the home patient waits here to be let in
 * (teleconsult/participants.ts). The right is the link's token, the device cookie its first opening
 * set, and an identity confirmed under that link (identity-check.ts); without them the upgrade is
 * refused (403 JSON, an audit line) and nothing waits. The cloud tells the page `waiting`, then
 * `admitted` or `refused` (the socket is then closed); once admitted, the page and the specialist's
 * page signal their conversation through it (teleconsult/participant-signaling.ts). Anything else the
 * page sends is refused to it, with an audit line; the socket stays open. A patient whose act is in
 * progress in the store was let in before (a dropped socket, a reload, a cloud restart): their new
 * socket is `admitted` at once by the specialist who admitted them, never `waiting` first.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ActLinkRecord } from '../../store/act-link-records.js';
import type { AppointmentRecord } from '../../store/appointment-records.js';
import { isConfirmed } from '../../teleconsult/identity-check.js';
import { JOIN_PATH } from '../../teleconsult/join-links.js';
import type { Arrival, ToParticipant } from '../../teleconsult/participants.js';
import type { HttpDeps } from '../deps.js';
import { boundLink, JoinParams, JoinQuery, type JoinRequest } from './join-identity.js';

type Admitted = { link: ActLinkRecord; appointment: AppointmentRecord };

export function registerJoinParticipantRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  now: () => Date,
): void {
  // What the checks before the upgrade found, for the socket's handler.
  const checked = new WeakMap<FastifyRequest, Admitted>();
  app.get<{ Params: Static<typeof JoinParams>; Querystring: Static<typeof JoinQuery> }>(
    `${JOIN_PATH}:token/ws`,
    {
      websocket: true,
      schema: { params: JoinParams, querystring: JoinQuery },
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
        const l = await boundLink(deps, tc, now, req as JoinRequest, reply, 'participant-connect-refused');
        if (!l) return reply;
        if (!(await isConfirmed(deps.store, req.params.token))) {
          tc.relay.recordAudit({
            actor: 'link:patient',
            actorRole: 'anonymous',
            action: 'participant-connect-refused',
            sessionId: l.appointment.id,
            gatewayId: l.appointment.gatewayId,
            patientId: l.appointment.patientId,
            detail: `identity not confirmed; from ${req.ip}`,
          });
          return reply.code(403).header('cache-control', 'no-store').send({
            statusCode: 403,
            error: 'Forbidden',
            message: 'confirm who you are under this link first',
            reason: 'not-confirmed',
          });
        }
        checked.set(req, l);
      },
    },
    async (socket: WebSocket, req) => {
      const l = checked.get(req);
      if (!l) return socket.close(1008, 'not allowed');
      const a = l.appointment;
      const [patient, act] = await Promise.all([deps.store.getPatient(a.patientId), deps.store.getTeleconsultation(a.id)]);
      const name = [patient?.given, patient?.family].filter((x) => x).join(' ') || a.patientId;
      // In progress: the act's specialist let this patient in (an act in progress has no other way in).
      const back =
        act?.status === 'in-progress' && act.specialistName && act.joinedAt ? { by: act.specialistName, at: act.joinedAt } : null;
      hostParticipant(tc, socket, {
        sessionId: a.id,
        gatewayId: a.gatewayId,
        patientId: a.patientId,
        role: 'patient',
        name,
        specialistId: a.specialistId,
        from: req.ip,
        ...(back ? { admittedBefore: back } : {}),
      });
    },
  );
}

/** A participant's open socket joins the act's room (here, or on the instance holding the act); its frames go there, its end is their leaving. */
export function hostParticipant(
  tc: NonNullable<HttpDeps['teleconsult']>,
  socket: WebSocket,
  arrival: Omit<Arrival, 'send' | 'close'>,
): void {
  const send = (m: ToParticipant) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  const stay = tc.relay.host(arrival, { send, close: (code, reason) => socket.close(code, reason) });
  socket.on('message', (data, isBinary) => {
    if (isBinary) send({ type: 'error', message: 'binary frames are not accepted: JSON text only' });
    else stay.receive(String(data));
  });
  socket.on('close', () => stay.leave());
  socket.on('error', () => stay.leave());
}
