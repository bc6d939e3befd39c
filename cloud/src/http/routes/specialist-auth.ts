/**
 * Specialist login for the consultation page, its WebSocket and the teleconsultation API:
 *   POST /api/specialist/login {id, password} → 200 {specialist} + HttpOnly SameSite=Strict cookie;
 *     401 wrong id or password, or a second factor missing, wrong or reused (`reason` says which);
 *     429 + Retry-After while the account or the address is throttled
 *   POST /api/specialist/logout → 204
 *   POST /api/specialist/logout-everywhere → 204, every login of the account ended (other browsers, other devices)
 *   GET  /api/specialist/me → {specialist} | 401
 * API clients may instead send `Authorization: Bearer <token>` (a token configured by its SHA-256).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PERMISSIONS, ROLES } from '../../auth/permissions.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { retryAfterSeconds, sourceOf, type ThrottleSubject } from '../../security/auth-throttle.js';
import { LOGIN_COOKIE } from '../../teleconsult/logins.js';
import type { Specialist } from '../../teleconsult/specialists.js';
import type { HttpDeps } from '../deps.js';

type TeleconsultDeps = NonNullable<HttpDeps['teleconsult']>;

const LoginBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    /** The 6-digit code of the account's authenticator app (accounts with teleconsult.specialists[].totp). */
    totp: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
);

const publicView = (s: Specialist) => ({ id: s.id, name: s.name, audit: s.audit, role: s.role, permissions: [...s.permissions] });
/** What a login and /me answer: never the account's hashes or carts. */
const SpecialistReply = Type.Object(
  {
    specialist: Type.Object(
      {
        id: Type.String(),
        name: Type.String(),
        audit: Type.Boolean(),
        role: Type.Union(ROLES.map((r) => Type.Literal(r))),
        /** What the pages may offer this account (the server checks each request anyway). */
        permissions: Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p)))),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The audit's actor of an account's act: its id and its own role (a coordinator is not written as a specialist). */
export const actorOf = (s: Pick<Specialist, 'id' | 'role'>) => ({ actor: s.id, actorRole: s.role });

/** The specialist behind a request (login cookie or bearer token), or null. */
export function specialistOf(req: FastifyRequest, tc: TeleconsultDeps): Specialist | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    // An API token vouches for no authentication level: it cannot reach a site that requires one.
    const s = tc.directory.byToken(auth.slice(7).trim());
    return s && tc.directory.acrRefusal(s.id, null) === null ? s : null;
  }
  const login = tc.logins.resolveLogin(req.cookies[LOGIN_COOKIE]);
  if (login === null) return null;
  // Checked at every request, not only at sign-in: a site's policy raised since is met by the logins that
  // still meet it, the others sign in again.
  if (tc.directory.acrRefusal(login.specialistId, login.acr ?? null) !== null) return null;
  return tc.directory.get(login.specialistId);
}

/** Guard that answers 401 unless a specialist is logged in; the specialist is then on `req` (routes with config.access 'specialist'). */
export function requireSpecialist(tc: TeleconsultDeps) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const s = specialistOf(req, tc);
    const message = 'log in first (POST /api/specialist/login)';
    // Under /fhir/ every answer is a FHIR resource: the refusal is an OperationOutcome.
    if (!s && req.url.startsWith('/fhir/')) return reply.code(401).type(FHIR_JSON).send(operationOutcome('login', message));
    if (!s) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message });
    (req as FastifyRequest & { specialist?: Specialist }).specialist = s;
  };
}

/** The specialist the access hook put on the request, if any (routes with config.access 'specialist'). */
export function specialistOnRequest(req: FastifyRequest): Specialist | null {
  return (req as FastifyRequest & { specialist?: Specialist }).specialist ?? null;
}

export function currentSpecialist(req: FastifyRequest): Specialist {
  const s = (req as FastifyRequest & { specialist?: Specialist }).specialist;
  if (!s) throw new Error('route without config.access "specialist"');
  return s;
}

/** Why a right password is not enough, or null: the account's TOTP code, or the site policy (requireTotp). */
function checkSecondFactor(
  tc: TeleconsultDeps,
  accountId: string,
  code: string | undefined,
): { reason: string; message: string; audit: string } | null {
  const secret = tc.directory.totpSecret(accountId);
  if (secret === undefined)
    return tc.config.requireTotp
      ? {
          reason: 'totp-not-enrolled',
          message: 'this site requires a second factor and this account has none: ask for `telecart cloud totp-enroll`',
          audit: 'password alone refused by the site policy (requireTotp): no second factor enrolled',
        }
      : null;
  if (code === undefined || code === '')
    return { reason: 'totp-required', message: 'enter the 6-digit code of your authenticator app', audit: 'second-factor code missing' };
  if (!tc.totp?.verify(accountId, secret, code))
    return { reason: 'totp-wrong', message: 'wrong or already used code', audit: 'second-factor code wrong or reused' };
  return null;
}

export function registerSpecialistAuthRoutes(app: FastifyInstance, deps: HttpDeps, tc: TeleconsultDeps): void {
  const secure = deps.secureCookies ?? 'auto';

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/specialist/login',
    { schema: { body: LoginBody, response: { 200: SpecialistReply } }, config: { access: 'public' } },
    async (req, reply) => {
      const { id, password } = req.body;
      const source = sourceOf(req.ip);
      // Same keys whether the account exists or not: the answer tells nothing about the id.
      const subjects: ThrottleSubject[] = [
        { scope: 'source', id: source },
        { scope: 'account', id },
      ];
      const gate = await tc.throttle.attempt(subjects);
      if (!gate.allowed) {
        const seconds = retryAfterSeconds(gate.retryAfterMs);
        req.log.warn({ account: id, source, by: gate.by.scope, retryAfterS: seconds }, 'login refused: too many failed attempts');
        return reply
          .code(429)
          .header('retry-after', String(seconds))
          .header('cache-control', 'no-store')
          .send({ statusCode: 429, error: 'Too Many Requests', message: `too many failed attempts; try again in ${seconds} s` });
      }
      // Scrypt with a decoy hash for an unknown id, constant-time compare (teleconsult/passwords.ts).
      const s = await tc.directory.login(id, password);
      if (!s) {
        tc.relay.recordAudit({ actor: id, actorRole: 'anonymous', action: 'login-failed', detail: req.ip });
        // One audit line when a block starts; the refusals during it are only logged (a flood stays out of the trail).
        for (const b of gate.blocked)
          tc.relay.recordAudit({
            actor: id,
            actorRole: 'anonymous',
            action: 'login-throttled',
            detail: `${b.scope === 'source' ? `source ${source}` : 'account'}: ${b.failures} failures in a row; next attempt in ${retryAfterSeconds(b.delayMs)} s`,
          });
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'unknown id or wrong password' });
      }
      // A site of this account requires a level only its identity provider vouches for: a password is not one.
      const site = tc.directory.acrRefusal(s.id, null);
      if (site) {
        tc.relay.recordAudit({
          actor: id,
          actorRole: 'anonymous',
          action: 'login-failed',
          detail: `password refused by site ${site.id}'s policy (acr ${site.accept.join(', ')}); ${req.ip}`,
        });
        return reply.code(401).send({
          statusCode: 401,
          error: 'Unauthorized',
          message: `site ${site.name} requires signing in through the identity provider (level ${site.accept.join(', ')})`,
          reason: 'site-acr',
          site: site.name,
          accepted: site.accept,
        });
      }
      // Second factor: a refusal here stays counted as a failure by the throttle (no succeeded()).
      const totpRefusal = checkSecondFactor(tc, s.id, req.body.totp);
      if (totpRefusal) {
        tc.relay.recordAudit({ actor: id, actorRole: 'anonymous', action: 'login-failed', detail: `${totpRefusal.audit}; ${req.ip}` });
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: totpRefusal.message, reason: totpRefusal.reason });
      }
      await tc.throttle.succeeded(subjects);
      const { token, expiresAt } = tc.logins.create(s, {
        method: 'password',
        ...(tc.directory.totpSecret(s.id) ? { amr: ['pwd', 'otp'] } : { amr: ['pwd'] }),
      });
      tc.relay.recordAudit({ actor: s.id, actorRole: s.role, action: 'login', detail: req.ip });
      // In the store before the answer: the next request may reach another cloud instance.
      await tc.logins.flushed();
      return reply
        .setCookie(LOGIN_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: expiresAt })
        .header('cache-control', 'no-store')
        .send({ specialist: publicView(s) });
    },
  );

  app.post('/api/specialist/logout', { config: { access: 'public' } }, async (req, reply) => {
    const token = req.cookies[LOGIN_COOKIE];
    const id = tc.logins.resolve(token);
    tc.logins.end(token);
    if (id !== null) tc.relay.recordAudit({ actor: id, actorRole: tc.directory.get(id)?.role ?? 'specialist', action: 'logout' });
    return reply.clearCookie(LOGIN_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure }).code(204).send();
  });

  app.post('/api/specialist/logout-everywhere', { config: { access: 'specialist', permission: 'own-account' } }, async (req, reply) => {
    const s = currentSpecialist(req);
    const ended = tc.logins.endAll(s.id);
    tc.relay.recordAudit({ actor: s.id, actorRole: s.role, action: 'logout-everywhere', detail: `${ended} logins ended` });
    // Other cloud instances read the store at their next request: the deletion is there before the answer.
    await tc.logins.flushed();
    return reply.clearCookie(LOGIN_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure }).code(204).send();
  });

  app.get(
    '/api/specialist/me',
    { schema: { response: { 200: SpecialistReply } }, config: { access: 'specialist', permission: 'own-account' } },
    async (req, reply) => reply.header('cache-control', 'no-store').send({ specialist: publicView(currentSpecialist(req)) }),
  );
}
