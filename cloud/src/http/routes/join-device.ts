/**
 * What the patient's device check calls under the join link (ui/src/browser/device-check.ts), from
 * the device the link is bound to only:
 *   POST /join/:token/net-probe?act=    an application/octet-stream body of at most 256 KiB, read and
 *                                        dropped: the page times an empty one (round trip) and a full one (upload)
 *   GET  /join/:token/ice-servers?act=  the patient's TURN credentials for this act (subject `<act>.patient`),
 *                                        so the page can see whether the relay answers; [] without teleconsult.turn
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { turnRestOptions } from '../../teleconsult/service.js';
import { issueTurnCredentials, type TurnRestOptions } from '../../teleconsult/turn-credentials.js';
import type { HttpDeps } from '../deps.js';
import { boundLink, JoinErrorReply, JoinParams, JoinQuery } from './join-identity.js';

/** Enough for a rate over a few hundred milliseconds on a thin uplink, small enough to cost nothing. */
export const NET_PROBE_MAX_BYTES = 256 * 1024;

const ProbeReply = Type.Object({ bytes: Type.Integer() }, { additionalProperties: false });
const IceReply = Type.Object(
  {
    iceServers: Type.Array(
      Type.Object({ urls: Type.Array(Type.String()), username: Type.String(), credential: Type.String() }, { additionalProperties: false }),
    ),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

type Route = { Params: Static<typeof JoinParams>; Querystring: Static<typeof JoinQuery> };

export function registerJoinDeviceRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  now: () => Date,
): void {
  // Read once at start, as the relay does (a missing secret file fails the start, not a patient).
  const turnConfig = tc.config?.turn;
  const turn: TurnRestOptions | undefined = turnConfig ? turnRestOptions(turnConfig) : undefined;

  void app.register(async (scope) => {
    // Only here: the probe's body is bytes, counted and dropped.
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: NET_PROBE_MAX_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    scope.post<Route & { Body: Buffer | undefined }>(
      '/join/:token/net-probe',
      {
        schema: { params: JoinParams, querystring: JoinQuery, response: { 200: ProbeReply, '4xx': JoinErrorReply } },
        config: { access: 'public' },
      },
      async (req, reply) => {
        const l = await boundLink(deps, tc, now, req, reply, 'device-check-refused');
        if (!l) return reply;
        return reply.header('cache-control', 'no-store').send({ bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 });
      },
    );
  });

  app.get<Route>(
    '/join/:token/ice-servers',
    {
      schema: { params: JoinParams, querystring: JoinQuery, response: { 200: IceReply, '4xx': JoinErrorReply } },
      config: { access: 'public' },
    },
    async (req, reply) => {
      const l = await boundLink(deps, tc, now, req, reply, 'device-check-refused');
      if (!l) return reply;
      if (!turn) return reply.header('cache-control', 'no-store').send({ iceServers: [], expiresAt: null });
      const c = issueTurnCredentials(turn, `${l.appointment.id}.patient`, now().getTime());
      return reply
        .header('cache-control', 'no-store')
        .send({ iceServers: [{ urls: c.urls, username: c.username, credential: c.credential }], expiresAt: c.expiresAt });
    },
  );
}
