/**
 * The conversation's signaling for the cart's page (its own WebRTC peer with the specialist's page,
 * docs/conversation.md), through the gateway's MQTT link and the cloud relay:
 *   POST /api/teleconsult/convo           {sessionId, signal: ConvoFromCart} → 202 (RtcUp convo)
 *   POST /api/teleconsult/unit            {sessionId, signal: UnitFromCart} → 202 (RtcUp unit: the act's room on
 *                                          the cloud's forwarding unit, once a guest is in)
 *   POST /api/teleconsult/uplink          {sessionId, loss, rttMs} → 204: the conversation peer's view of the
 *                                          link, for the cart's uplink budget (docs/conversation.md « Bandwidth »)
 *   GET  /api/teleconsult/convo/events    server-sent events: `act` {sessionId, status, iceServers} when the act
 *                                          changes, `convo` {sessionId, signal} from the specialist, `unit`
 *                                          {sessionId, signal: UnitToCart} from the act's room, `uplink`
 *                                          {sessionId, plan} what the cart sends on its uplink (also on connect)
 * The body is checked against the protocol's schema (the cart's browser is not trusted either);
 * 409 for any act but the one in progress on this cart, 503 without teleconsultation or broker.
 * A page that (re)connects while the specialist waits for an offer gets their `ready` again, and the
 * room's `ready` while the act's room is open.
 */
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import {
  ConvoFromCart,
  type ConvoFromSpecialist,
  compile,
  formatIssues,
  MAX_REPORTED_RTT_MS,
  SseStreams,
  UnitFromCart,
  type UnitToCart,
  Uuid,
} from '@telecart/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { UplinkPlan } from '../../media/uplink-budget.js';
import { ConvoNotLiveError, type TeleconsultAgent, type TeleconsultView } from '../../teleconsult/agent.js';

const ConvoBody = Type.Object({ sessionId: Uuid, signal: ConvoFromCart }, { additionalProperties: false });
const NoQuery = Type.Object({}, { additionalProperties: false });
/** Checked with the protocol's own validator: the refusal names the protocol's issues. */
const checkBody = compile(ConvoBody);
const UnitBody = Type.Object({ sessionId: Uuid, signal: UnitFromCart }, { additionalProperties: false });
const checkUnitBody = compile(UnitBody);
/** The nurse page's conversation peer, from its getStats: packets lost (remote-inbound-rtp) and round trip. */
const UplinkBody = Type.Object(
  {
    sessionId: Uuid,
    loss: Type.Number({ minimum: 0, maximum: 1, description: 'fraction of packets lost since the last report' }),
    rttMs: Type.Union([Type.Number({ minimum: 0, maximum: MAX_REPORTED_RTT_MS }), Type.Null()], {
      description: 'round trip, ms; null: not known',
    }),
  },
  { additionalProperties: false },
);
const checkUplinkBody = compile(UplinkBody);

const SSE_RETRY_MS = 1000;
const SSE_HEARTBEAT_MS = 25_000;

function problem(reply: FastifyReply, statusCode: number, message: string) {
  return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

export function registerConversationRoutes(app: FastifyInstance, agent: TeleconsultAgent | undefined): void {
  const streams = new SseStreams();
  app.addHook('onClose', async () => streams.closeAll());

  app.post<{ Body: unknown }>('/api/teleconsult/convo', { schema: { querystring: NoQuery } }, async (req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    const v = checkBody.validate(req.body);
    if (!v.ok) return problem(reply, 400, `not a conversation signal: ${formatIssues(v.issues)}`.slice(0, 500));
    const body: Static<typeof ConvoBody> = v.value;
    try {
      await agent.sendConvo(body.sessionId, body.signal);
      return reply.code(202).send({ sessionId: body.sessionId });
    } catch (e) {
      if (e instanceof ConvoNotLiveError) return problem(reply, 409, e.message);
      return problem(reply, 503, `the conversation could not reach the cloud: ${(e as Error).message}`);
    }
  });

  app.post<{ Body: unknown }>('/api/teleconsult/unit', { schema: { querystring: NoQuery } }, async (req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    const v = checkUnitBody.validate(req.body);
    if (!v.ok) return problem(reply, 400, `not a signal for the act's room: ${formatIssues(v.issues)}`.slice(0, 500));
    const body: Static<typeof UnitBody> = v.value;
    try {
      await agent.sendUnit(body.sessionId, body.signal);
      return reply.code(202).send({ sessionId: body.sessionId });
    } catch (e) {
      if (e instanceof ConvoNotLiveError) return problem(reply, 409, e.message);
      return problem(reply, 503, `the signal could not reach the cloud: ${(e as Error).message}`);
    }
  });

  app.post<{ Body: unknown }>('/api/teleconsult/uplink', { schema: { querystring: NoQuery } }, async (req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    const v = checkUplinkBody.validate(req.body);
    if (!v.ok) return problem(reply, 400, `not a link report: ${formatIssues(v.issues)}`.slice(0, 500));
    const body: Static<typeof UplinkBody> = v.value;
    try {
      agent.reportUplink(body.sessionId, { loss: body.loss, rttMs: body.rttMs });
      return reply.code(204).send();
    } catch (e) {
      if (e instanceof ConvoNotLiveError) return problem(reply, 409, e.message);
      throw e;
    }
  });

  app.get('/api/teleconsult/convo/events', { schema: { querystring: NoQuery } }, (req, reply) => {
    if (!agent) return problem(reply, 503, 'teleconsultation is not available on this gateway');
    reply.hijack();
    const stream = streams.start(req.raw, reply.raw, { retryMs: SSE_RETRY_MS, heartbeatMs: SSE_HEARTBEAT_MS });
    const act = (v: TeleconsultView['session']) =>
      stream.send('act', v ? { sessionId: v.sessionId, status: v.status, iceServers: agent.convoIceServers(v.sessionId) } : null);
    const convo = (e: { sessionId: string; signal: ConvoFromSpecialist }) => stream.send('convo', e);
    const unit = (e: { sessionId: string; signal: UnitToCart }) => stream.send('unit', e);
    const uplink = (e: { sessionId: string; plan: UplinkPlan }) => stream.send('uplink', e);
    agent.on('session', act);
    agent.on('convo', convo);
    agent.on('unit', unit);
    agent.on('uplink', uplink);
    stream.onClose(() => {
      agent.off('session', act);
      agent.off('convo', convo);
      agent.off('unit', unit);
      agent.off('uplink', uplink);
    });
    act(agent.status().session);
    const ready = agent.convoReady();
    if (ready) convo({ sessionId: ready, signal: { kind: 'ready' } });
    const room = agent.unitReady();
    if (room) unit(room);
    const plan = agent.uplinkPlan();
    if (plan) uplink(plan);
  });
}
