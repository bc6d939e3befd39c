/**
 * The patient confirms who they are, under their join link (teleconsult/identity-check.ts):
 *   GET  /join/:token/identity?act=        where they are: confirmed, locked, tries left, the ways offered
 *   POST /join/:token/identity/code?act=   {channel: 'sms' | 'email'}: a 6-digit code sent through the outbox
 *   POST /join/:token/identity?act=        {birthDate: 'YYYY-MM-DD'} or {code: '123456'}
 * Public routes: the right is the link's token plus the device cookie its first opening set (the
 * link must already be bound to this device: these routes never bind one). Each code sent, answer,
 * confirmation and lock is a line of the audit trail, never with the code or the date given.
 */
import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { format, home, textsIn } from '@telecart/ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActLinkRecord } from '../../store/act-link-records.js';
import type { AppointmentRecord } from '../../store/appointment-records.js';
import type { LinkIdentityRecord } from '../../store/link-identity-records.js';
import {
  type CodeChannel,
  decideAttempt,
  decideSend,
  freshIdentity,
  identityConfirmed,
  MAX_ATTEMPTS,
  MAX_CODES,
  maskedTelecom,
  newCode,
} from '../../teleconsult/identity-check.js';
import { DEVICE_COOKIE, JOIN_PATH, openJoinLink } from '../../teleconsult/join-links.js';
import type { HttpDeps } from '../deps.js';

const Params = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });
const Query = Type.Object(
  {
    act: Type.String({ minLength: 1, maxLength: 64 }),
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
  },
  { additionalProperties: false },
);
const CodeBody = Type.Object({ channel: Type.Union([Type.Literal('sms'), Type.Literal('email')]) }, { additionalProperties: false });
const ProofBody = Type.Union([
  Type.Object(
    { birthDate: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD' }) },
    { additionalProperties: false },
  ),
  Type.Object({ code: Type.String({ pattern: '^\\d{6}$' }) }, { additionalProperties: false }),
]);

const IdentityReply = Type.Object(
  {
    confirmed: Type.Boolean(),
    locked: Type.Boolean(),
    attemptsLeft: Type.Integer(),
    codesLeft: Type.Integer(),
    /** The last code's end of validity, while one is pending. */
    codeExpiresAt: Type.Union([Type.String(), Type.Null()]),
    /** The ways offered: a date of birth is on record; where a code can go (masked), null if nowhere. */
    methods: Type.Object(
      { birthDate: Type.Boolean(), sms: Type.Union([Type.String(), Type.Null()]), email: Type.Union([Type.String(), Type.Null()]) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
type IdentityReply = Static<typeof IdentityReply>;
const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    /** Why, for the page: e.g. wrong, locked, code-expired, too-soon. */
    reason: Type.Optional(Type.String()),
    attemptsLeft: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
const replies = { 200: IdentityReply, '4xx': ErrorReply, '5xx': ErrorReply };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const JoinParams = Params;
export const JoinQuery = Query;
export const JoinErrorReply = ErrorReply;

/**
 * The link and its act, if the request comes from the device the link is bound to (its cookie); else
 * a 403/404/410 JSON reply is sent, the refusal audited as `action`, and null returned. Never binds a
 * device: the join page's GET did that.
 */
export async function boundLink(
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  now: () => Date,
  req: JoinRequest,
  reply: FastifyReply,
  action: string,
): Promise<{ link: ActLinkRecord; appointment: AppointmentRecord } | null> {
  const refuse = (statusCode: number, message: string, reason: string) =>
    reply
      .code(statusCode)
      .header('cache-control', 'no-store')
      .send({ statusCode, error: statusCode === 403 ? 'Forbidden' : 'Refused', message, reason });
  const cookie = req.cookies[DEVICE_COOKIE];
  const link = /^[A-Za-z0-9_-]{43}$/.test(req.params.token) ? await deps.store.getActLink(sha256(req.params.token)) : null;
  if (cookie === undefined || link === null || link.deviceSha256 === null) {
    await refuse(403, 'open the link of the invitation on this device first', 'not-bound');
    return null;
  }
  const r = await openJoinLink(deps.store, req.params.token, req.query.act, cookie, now());
  if (!r.ok) {
    tc.relay.recordAudit({
      actor: 'link:patient',
      actorRole: 'anonymous',
      action,
      sessionId: link.appointmentId,
      patientId: link.patientId,
      detail: `${r.reason}: ${r.message}; from ${req.ip}`.slice(0, 512),
    });
    await refuse(r.status, r.message, r.reason);
    return null;
  }
  return { link: r.link, appointment: r.appointment };
}
/** A lost compare-and-set is retried with the fresh state this many times (two tabs at once). */
const CAS_TRIES = 5;

export type JoinRequest = FastifyRequest<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>;

export function registerJoinIdentityRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  now: () => Date,
): void {
  const store = deps.store;
  const ident = deps.homeIdentity;
  const fail = (reply: FastifyReply, statusCode: number, message: string, reason: string, attemptsLeft?: number) =>
    reply
      .code(statusCode)
      .header('cache-control', 'no-store')
      .send({
        statusCode,
        error: statusCode === 400 ? 'Bad Request' : statusCode === 403 ? 'Forbidden' : statusCode === 429 ? 'Too Many Requests' : 'Refused',
        message,
        reason,
        ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
      });
  const audit = (action: string, a: { id: string; gatewayId: string; patientId: string }, detail: string) =>
    tc.relay.recordAudit({
      actor: 'link:patient',
      actorRole: 'anonymous',
      action,
      sessionId: a.id,
      gatewayId: a.gatewayId,
      patientId: a.patientId,
      detail: detail.slice(0, 512),
    });

  const linkOf = (req: JoinRequest, reply: FastifyReply) => boundLink(deps, tc, now, req, reply, 'identity-refused');

  async function view(link: ActLinkRecord, s: LinkIdentityRecord): Promise<IdentityReply> {
    const patient = await store.getPatient(link.patientId);
    const telecom = await ident?.telecomOf(link.patientId);
    const offered = (ch: CodeChannel) => {
      const to = ch === 'sms' ? telecom?.phone : telecom?.email;
      return to !== undefined && ident?.channels.includes(ch) ? maskedTelecom(ch, to) : null;
    };
    const pending = s.codeHmac !== null && s.codeExpiresAt !== null && Date.parse(s.codeExpiresAt) > now().getTime();
    return {
      confirmed: identityConfirmed(s),
      locked: s.lockedAt !== null,
      attemptsLeft: Math.max(0, MAX_ATTEMPTS - s.attempts),
      codesLeft: Math.max(0, MAX_CODES - s.codesSent),
      codeExpiresAt: pending ? s.codeExpiresAt : null,
      methods: { birthDate: patient?.birthDate != null, sms: offered('sms'), email: offered('email') },
    };
  }

  const current = async (tokenSha256: string) => (await store.getLinkIdentity(tokenSha256)) ?? freshIdentity(tokenSha256);
  const path = `${JOIN_PATH}:token/identity`;
  const common = { config: { access: 'public' as const } };

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    path,
    { ...common, schema: { params: Params, querystring: Query, response: replies } },
    async (req, reply) => {
      const l = await linkOf(req, reply);
      if (!l) return reply;
      return reply.header('cache-control', 'no-store').send(await view(l.link, await current(l.link.tokenSha256)));
    },
  );

  app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof Query>; Body: Static<typeof CodeBody> }>(
    `${path}/code`,
    { ...common, schema: { params: Params, querystring: Query, body: CodeBody, response: replies } },
    async (req, reply) => {
      const l = await linkOf(req, reply);
      if (!l) return reply;
      const { link, appointment: a } = l;
      const channel = req.body.channel;
      // The patient's contact now (the directory's): a number changed since the invitation gets the code.
      const telecom = await ident?.telecomOf(link.patientId);
      const to = channel === 'sms' ? telecom?.phone : telecom?.email;
      if (!ident?.channels.includes(channel))
        return fail(
          reply,
          409,
          `no ${channel === 'sms' ? 'SMS' : 'e-mail'} can be sent from this service: confirm with the date of birth`,
          'no-channel',
        );
      if (to === undefined)
        return fail(reply, 409, `no ${channel === 'sms' ? 'mobile number' : 'e-mail address'} on record for this patient`, 'no-telecom');
      const code = newCode();
      for (let i = 0; i < CAS_TRIES; i++) {
        const s = await current(link.tokenSha256);
        const d = decideSend(s, req.params.token, code, channel, now());
        if (!d.ok) {
          audit('identity-code-refused', a, `${d.reason}; ${channel}; from ${req.ip}`);
          if (d.reason === 'too-soon') return fail(reply, 429, `a code was just sent: ask again after ${d.retryAt}`, d.reason);
          const why = {
            locked: 'this link is locked after too many wrong answers: ask the service for a new link',
            confirmed: 'already confirmed',
            'too-many-codes': `${MAX_CODES} codes were sent already: confirm with the last one, or the date of birth`,
          } as const;
          return fail(reply, 409, why[d.reason], d.reason);
        }
        if (!(await store.putLinkIdentity(d.next))) continue;
        const lang = req.query.lang === 'en' ? 'en' : 'fr';
        const t = textsIn(home, lang);
        const text = format(t.codeMessage, { code, minutes: '10' });
        await store.enqueueOutbox(
          [
            {
              idempotencyKey: `identity-code:${link.tokenSha256}:${d.next.version}`,
              topic: `identity:${a.id}`,
              recipient: to,
              payload: channel === 'sms' ? { kind: 'sms', text } : { kind: 'email', subject: t.codeSubject, text },
              notBefore: now(),
            },
          ],
          now(),
        );
        ident.wake();
        audit(
          'identity-code-sent',
          a,
          `${channel} to ${maskedTelecom(channel, to)}, code ${d.next.codesSent} of ${MAX_CODES}; from ${req.ip}`,
        );
        return reply.header('cache-control', 'no-store').send(await view(link, d.next));
      }
      return fail(reply, 409, 'too many requests at once on this link: try again', 'busy');
    },
  );

  app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof Query>; Body: Static<typeof ProofBody> }>(
    path,
    { ...common, schema: { params: Params, querystring: Query, body: ProofBody, response: replies } },
    async (req, reply) => {
      const l = await linkOf(req, reply);
      if (!l) return reply;
      const { link, appointment: a } = l;
      const birthDate = (await store.getPatient(link.patientId))?.birthDate ?? null;
      const kind = 'birthDate' in req.body ? 'birth-date' : 'code';
      for (let i = 0; i < CAS_TRIES; i++) {
        const s = await current(link.tokenSha256);
        const d = decideAttempt(s, req.params.token, req.body, birthDate, now());
        if (d.outcome === 'refused') {
          audit('identity-attempt-refused', a, `${d.reason}; ${kind}; from ${req.ip}`);
          const why = {
            locked: 'this link is locked after too many wrong answers: ask the service for a new link',
            confirmed: 'already confirmed',
            'no-code': 'no code was sent for this link: ask for one first',
            'code-expired': 'the code has expired: ask for a new one',
            'no-birth-date': 'no date of birth on record for this patient: confirm with a code',
          } as const;
          return fail(reply, 409, why[d.reason], d.reason);
        }
        if (!(await store.putLinkIdentity(d.next))) continue;
        if (d.outcome === 'confirmed') {
          audit('identity-confirmed', a, `by ${kind}; from ${req.ip}`);
          return reply.header('cache-control', 'no-store').send(await view(link, d.next));
        }
        audit('identity-attempt-failed', a, `wrong ${kind}, attempt ${d.next.attempts} of ${MAX_ATTEMPTS}; from ${req.ip}`);
        if (d.outcome === 'locked') {
          audit('identity-locked', a, `after ${MAX_ATTEMPTS} wrong answers; from ${req.ip}`);
          return fail(reply, 403, 'too many wrong answers: this link is locked, ask the service for a new link', 'locked', 0);
        }
        return fail(reply, 400, `this does not match the patient's record: ${d.attemptsLeft} tries left`, 'wrong', d.attemptsLeft);
      }
      return fail(reply, 409, 'too many requests at once on this link: try again', 'busy');
    },
  );
}
