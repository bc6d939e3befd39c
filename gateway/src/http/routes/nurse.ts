/**
 * Nurse sign-in on the cart (docs/nurse-sign-in.md):
 *
 *   GET    /api/nurse/nurses        the nurses allowed on this cart: {id, name, hasPin, locked}
 *   GET    /api/nurse/session       {nurse: {id, name} | null, lockAfterSeconds, required}
 *   POST   /api/nurse/pin           {nurseId, pin} → 200 + cookie | 401 wrong | 423 locked | 409 no PIN yet
 *   POST   /api/nurse/full-sign-in  {nurseId, password, totp?, pin} → 200 + cookie | 401 | 403 | 422 | 503 offline
 *   POST   /api/nurse/badge         the badge tapped on the cart's reader within 15 s → 200 + cookie | 401
 *   DELETE /api/nurse/session       sign out ("change nurse")
 *
 * And the guard: with nurseSignIn.required, every request that changes something (any method
 * other than GET/HEAD/OPTIONS under /api/, except these sign-in routes) needs the nurse's cookie
 * (401 otherwise); the signed-in nurse is on req.nurse for the routes that name them.
 */
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../logger.js';
import type { NurseAuditQueue } from '../../nurses/audit-queue.js';
import { CloudUnreachable, type FullSignIn } from '../../nurses/full-sign-in.js';
import { pinProblem } from '../../nurses/pin.js';
import type { NurseRoster } from '../../nurses/roster.js';
import { cookieValue, NURSE_COOKIE, type NurseSessions, type SignedInNurse } from '../../nurses/sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The nurse signed in on the cart, when there is one. */
    nurse: SignedInNurse | null;
  }
}

const NurseId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$' });
const Pin = Type.String({ pattern: '^[0-9]{4,6}$' });
const PinBody = Type.Object({ nurseId: NurseId, pin: Pin }, { additionalProperties: false });
const FullBody = Type.Object(
  {
    nurseId: NurseId,
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    pin: Pin,
  },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });
const Signed = Type.Object({ id: Type.String(), name: Type.String() });
const SessionReply = Type.Object({ nurse: Type.Union([Signed, Type.Null()]), lockAfterSeconds: Type.Integer() });
/** The page's question at load: who is signed in, when to lock, and whether it must show its lock screen. */
const SessionState = Type.Object({
  nurse: Type.Union([Signed, Type.Null()]),
  lockAfterSeconds: Type.Integer(),
  required: Type.Boolean(),
});

export interface NurseRouteDeps {
  roster: NurseRoster;
  sessions: NurseSessions;
  fullSignIn: FullSignIn;
  /** Sign-in attempts for the cloud's audit trail (sent now or when back online). */
  audit?: NurseAuditQueue;
  required: boolean;
  logger: Logger;
}

function problem(statusCode: number, message: string, extra: Record<string, unknown> = {}) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra };
}

const SIGN_IN_PATHS = new Set(['/api/nurse/pin', '/api/nurse/full-sign-in', '/api/nurse/session', '/api/nurse/badge']);

export function registerNurseRoutes(app: FastifyInstance, d: NurseRouteDeps): void {
  const { roster, sessions, logger } = d;
  app.decorateRequest('nurse', null);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    req.nurse = sessions.touch(cookieValue(req.headers.cookie, NURSE_COOKIE));
    const path = req.url.split('?')[0] ?? '';
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method) && path.startsWith('/api/') && !SIGN_IN_PATHS.has(path);
    if (d.required && changes && req.nurse === null)
      return reply.code(401).send(problem(401, `${req.method} ${path} needs a nurse signed in on the cart (PIN, badge or full sign-in)`));
  });

  const signedIn = (reply: FastifyReply, nurse: SignedInNurse) => {
    const token = sessions.open(nurse);
    logger.info({ nurseId: nurse.id, method: nurse.method }, 'nurse signed in on the cart');
    void reply.header('set-cookie', `${NURSE_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`);
    return { nurse: { id: nurse.id, name: nurse.name }, lockAfterSeconds: sessions.idleSeconds };
  };

  app.get('/api/nurse/nurses', { schema: { querystring: NoQuery } }, async () =>
    roster.nurses().map((n) => ({ id: n.id, name: n.name, hasPin: n.pin !== null, locked: roster.locked(n.id) })),
  );

  app.get('/api/nurse/session', { schema: { querystring: NoQuery, response: { 200: SessionState } } }, async (req) => ({
    nurse: req.nurse ? { id: req.nurse.id, name: req.nurse.name } : null,
    lockAfterSeconds: sessions.idleSeconds,
    required: d.required,
  }));

  app.delete('/api/nurse/session', { schema: { querystring: NoQuery, response: { 200: SessionReply } } }, async (req, reply) => {
    if (req.nurse) {
      logger.info({ nurseId: req.nurse.id }, 'nurse signed out on the cart');
      d.audit?.record(req.nurse.id, 'nurse-sign-out');
    }
    sessions.close();
    void reply.header('set-cookie', `${NURSE_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { nurse: null, lockAfterSeconds: sessions.idleSeconds };
  });

  // The tap itself comes from the reader (BadgeReader → offerTap, announced as the 'badge' event of /api/events).
  app.post('/api/nurse/badge', { schema: { querystring: NoQuery } }, async (_req, reply) => {
    const nurse = sessions.claimTap();
    if (!nurse) return reply.code(401).send(problem(401, 'no badge of a nurse of this cart was tapped in the last 15 s'));
    d.audit?.record(nurse.id, 'nurse-badge-sign-in');
    return signedIn(reply, nurse);
  });

  app.post<{ Body: Static<typeof PinBody> }>('/api/nurse/pin', { schema: { body: PinBody } }, async (req, reply) => {
    const r = await roster.checkPin(req.body.nurseId, req.body.pin);
    if (r.ok) {
      d.audit?.record(r.nurse.id, 'nurse-pin-sign-in');
      return signedIn(reply, { id: r.nurse.id, name: r.nurse.name, method: 'pin' });
    }
    logger.warn({ nurseId: req.body.nurseId, reason: r.reason }, 'nurse PIN sign-in refused on the cart');
    d.audit?.record(
      req.body.nurseId,
      r.reason === 'locked' ? 'nurse-pin-locked' : 'nurse-pin-failed',
      r.reason === 'wrong-pin' ? `wrong PIN, ${r.attemptsLeft} tries left` : r.reason,
    );
    if (r.reason === 'wrong-pin')
      return reply.code(401).send(problem(401, `wrong PIN (${r.attemptsLeft} tries left)`, { attemptsLeft: r.attemptsLeft }));
    if (r.reason === 'unknown-nurse') return reply.code(401).send(problem(401, 'this nurse is not known on this cart'));
    if (r.reason === 'no-pin') return reply.code(409).send(problem(409, 'no PIN on this cart yet: sign in once with your password'));
    return reply.code(423).send(problem(423, 'PIN locked on this cart after 5 wrong tries: sign in with your password'));
  });

  app.post<{ Body: Static<typeof FullBody> }>('/api/nurse/full-sign-in', { schema: { body: FullBody } }, async (req, reply) => {
    const b = req.body;
    const weak = pinProblem(b.pin);
    if (weak !== null) return reply.code(422).send(problem(422, weak));
    let answer: Awaited<ReturnType<FullSignIn['request']>>;
    try {
      answer = await d.fullSignIn.request({ nurseId: b.nurseId, password: b.password, pin: b.pin, ...(b.totp ? { totp: b.totp } : {}) });
    } catch (e) {
      if (e instanceof CloudUnreachable) return reply.code(503).send(problem(503, e.message));
      throw e;
    }
    if (!answer.ok || answer.nurse === null) {
      logger.warn({ nurseId: b.nurseId, reason: answer.reason }, 'nurse full sign-in refused by the cloud');
      if (answer.reason === 'not-on-this-cart') return reply.code(403).send(problem(403, 'this nurse does not work on this cart'));
      if (answer.reason === 'totp-required')
        return reply.code(401).send(problem(401, 'the 6-digit code of your authenticator is needed', { totpRequired: true }));
      if (answer.reason === 'throttled') return reply.code(429).send(problem(429, 'too many failed sign-ins: wait 15 minutes'));
      return reply.code(401).send(problem(401, 'wrong id, password or code'));
    }
    return signedIn(reply, { id: answer.nurse.id, name: answer.nurse.name, method: 'full' });
  });
}
