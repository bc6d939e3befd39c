/**
 * Guests invited into a running act (issue 12 part 2; teleconsult/join-links.ts):
 *
 *   POST   /api/teleconsult/acts/:sessionId/guests       {name, email?, lang?}  the joined specialist invites
 *          someone (the patient's GP, a relative, an interpreter): 201 with the link to copy, valid
 *          GUEST_LINK_MS at most, also e-mailed through the outbox when an address is given
 *   GET    /api/teleconsult/acts/:sessionId/guests               who was invited, opened their link, was removed
 *   DELETE /api/teleconsult/acts/:sessionId/guests/:id           removes a guest: their link is refused from then on
 *   GET    /guest/:token?act=                                    public: the guest opens the link (first device bound)
 *
 * Only the specialist who joined the act, while it is in progress, may invite, list or remove (403
 * otherwise, 404 for an unknown act, 409 for an act not under way); each invitation, removal and
 * refusal is a line of the audit trail. The guest's page after the link opens is the join page for
 * now: the participant page (waiting for admission, then the conversation) is not built yet.
 */
import { type Static, Type } from '@sinclair/typebox';
import { format, invite, textsIn } from '@telecart/ui';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { joinPageCsp, renderJoinPage } from '../../pages/join/page.js';
import type { ActLinkRecord } from '../../store/act-link-records.js';
import type { TeleconsultationRecord } from '../../store/teleconsult-records.js';
import { DEVICE_COOKIE, GUEST_PATH, issueGuestLink, openGuestLink } from '../../teleconsult/join-links.js';
import type { Specialist } from '../../teleconsult/specialists.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from './specialist-auth.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const ActParams = Type.Object({ sessionId: Uuid }, { additionalProperties: false });
const GuestParams = Type.Object({ sessionId: Uuid, id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false });
/**
 * The name the specialist gives the guest (shown to the others in the act, written in the audit
 * trail) and, optionally, an address the link is e-mailed to through the outbox (in `lang`).
 */
const Invite = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80, pattern: '\\S' }),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' })),
    lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])),
  },
  { additionalProperties: false },
);

const Guest = Type.Object(
  {
    /** The SHA-256 of the link's token (the token itself is shown once, at the invitation). */
    id: Type.String(),
    name: Type.String(),
    invitedAt: Type.String(),
    expiresAt: Type.String(),
    openedAt: Type.Union([Type.String(), Type.Null()]),
    removedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
const InviteReply = Type.Object({ guest: Guest, url: Type.String(), emailQueued: Type.Boolean() }, { additionalProperties: false });
const ListReply = Type.Object({ guests: Type.Array(Guest) }, { additionalProperties: false });
const ErrorReply = Type.Object(
  { statusCode: Type.Integer(), error: Type.String(), message: Type.String() },
  { additionalProperties: false },
);
type GuestView = Static<typeof Guest>;

const Query = Type.Object(
  {
    act: Type.String({ minLength: 1, maxLength: 64 }),
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
  },
  { additionalProperties: false },
);
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

const guestTopic = (tokenSha256: string) => `guest:${tokenSha256}`;

const view = (l: ActLinkRecord): GuestView => ({
  id: l.tokenSha256,
  name: l.guestName ?? '',
  invitedAt: l.createdAt,
  expiresAt: l.expiresAt,
  openedAt: l.boundAt,
  removedAt: l.revokedAt,
});

export function registerGuestRoutes(app: FastifyInstance, deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>, now: () => Date): void {
  const secure = deps.secureCookies ?? 'auto';
  const { store } = deps;
  const fail = (reply: FastifyReply, statusCode: 400 | 403 | 404 | 409, error: string, message: string) =>
    reply.code(statusCode).header('cache-control', 'no-store').send({ statusCode, error, message });

  /** The act, if `s` is the specialist who joined it and it is under way; else the refusal sent (audited). */
  async function ownAct(reply: FastifyReply, s: Specialist, sessionId: string, what: string): Promise<TeleconsultationRecord | null> {
    const rec = await store.getTeleconsultation(sessionId);
    const refused = (detail: string) =>
      tc.relay.recordAudit({
        actor: s.id,
        actorRole: s.role,
        action: 'guest-refused',
        ...(rec ? { sessionId, gatewayId: rec.gatewayId, patientId: rec.patientId } : { sessionId }),
        detail: `${what}: ${detail}`.slice(0, 512),
      });
    if (rec === null) {
      refused('unknown act');
      void fail(reply, 404, 'Not Found', `no teleconsultation ${sessionId}`);
      return null;
    }
    if (rec.specialistId !== s.id) {
      refused(`the act is ${rec.specialistId ?? 'nobody'}’s`);
      void fail(reply, 403, 'Forbidden', 'only the specialist who joined this teleconsultation may invite or remove its guests');
      return null;
    }
    if (rec.status !== 'in-progress') {
      refused(`the act is ${rec.status}`);
      void fail(reply, 409, 'Conflict', `this teleconsultation is ${rec.status}: guests join an act under way`);
      return null;
    }
    return rec;
  }

  const invalid = (reply: FastifyReply, s: Specialist, sessionId: string | undefined, message: string) => {
    tc.relay.recordAudit({
      actor: s.id,
      actorRole: s.role,
      action: 'guest-refused',
      ...(sessionId ? { sessionId } : {}),
      detail: `invalid request: ${message}`.slice(0, 512),
    });
    return fail(reply, 400, 'Bad Request', message);
  };

  app.post<{ Params: Static<typeof ActParams>; Body: Static<typeof Invite> }>(
    '/api/teleconsult/acts/:sessionId/guests',
    {
      schema: { params: ActParams, body: Invite, response: { 201: InviteReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'acts.join' },
      attachValidation: true,
    },
    async (req, reply) => {
      const s = currentSpecialist(req);
      if (req.validationError)
        return invalid(reply, s, undefined, `guest invitation: ${req.validationError.message} (a name of 1 to 80 characters)`);
      const rec = await ownAct(reply, s, req.params.sessionId, 'invite');
      if (!rec) return reply;
      const name = req.body.name.trim();
      const base = deps.publicBaseUrl ?? `${req.protocol}://${req.host}`;
      const at = now();
      const { url, link } = await issueGuestLink({ store, act: rec, guestName: name, publicBaseUrl: base, now: at });
      const email = req.body.email;
      if (email !== undefined) {
        // Who invites and the link, never the patient nor why (docs/notifications.md).
        const t = textsIn(invite, req.body.lang ?? 'fr');
        const v = { specialist: s.name, name };
        await store.enqueueOutbox(
          [
            {
              idempotencyKey: `guest-invitation:${link.tokenSha256}`,
              topic: guestTopic(link.tokenSha256),
              recipient: email,
              payload: {
                kind: 'email',
                subject: format(t.guestSubject, v),
                text: `${format(t.guestBody, v)}\n\n${format(t.linkLine, { link: url })}`,
              },
              notBefore: at,
            },
          ],
          at,
        );
      }
      tc.relay.recordAudit({
        actor: s.id,
        actorRole: s.role,
        action: 'guest-invited',
        sessionId: rec.sessionId,
        gatewayId: rec.gatewayId,
        patientId: rec.patientId,
        detail: `${name} (link ${link.tokenSha256.slice(0, 12)}…, until ${link.expiresAt})${email ? ', e-mailed' : ''}`.slice(0, 512),
      });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ guest: view(link), url, emailQueued: email !== undefined });
    },
  );

  app.get<{ Params: Static<typeof ActParams> }>(
    '/api/teleconsult/acts/:sessionId/guests',
    {
      schema: { params: ActParams, response: { 200: ListReply, '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'acts.join' },
      attachValidation: true,
    },
    async (req, reply) => {
      const s = currentSpecialist(req);
      if (req.validationError) return invalid(reply, s, undefined, `guest list: ${req.validationError.message}`);
      const rec = await ownAct(reply, s, req.params.sessionId, 'list');
      if (!rec) return reply;
      return reply.header('cache-control', 'no-store').send({ guests: (await store.guestLinksOf(rec.sessionId)).map(view) });
    },
  );

  app.delete<{ Params: Static<typeof GuestParams> }>(
    '/api/teleconsult/acts/:sessionId/guests/:id',
    {
      schema: { params: GuestParams, response: { 200: Type.Object({ guest: Guest }, { additionalProperties: false }), '4xx': ErrorReply } },
      config: { access: 'specialist', permission: 'acts.join' },
      attachValidation: true,
    },
    async (req, reply) => {
      const s = currentSpecialist(req);
      if (req.validationError) return invalid(reply, s, undefined, `guest removal: ${req.validationError.message}`);
      const rec = await ownAct(reply, s, req.params.sessionId, 'remove');
      if (!rec) return reply;
      const link = await store.getActLink(req.params.id);
      if (link === null || link.role !== 'guest' || link.appointmentId !== rec.sessionId)
        return fail(reply, 404, 'Not Found', `no guest ${req.params.id.slice(0, 12)}… in this teleconsultation`);
      const removed = (await store.revokeActLink(link.tokenSha256, now())) ?? link;
      // Connected now: out of the act's room and off their socket at once, not at their next reconnection.
      // The audit line `guest-removed` (with how many connections were closed) is written by the instance
      // holding the act's room: this one, or the act's owner the removal is passed to.
      await tc.relay.removeGuest(rec.sessionId, link.tokenSha256, s, link.guestName ?? '?');
      // An invitation not sent yet is withdrawn.
      await store.cancelOutbox(guestTopic(link.tokenSha256), now());
      return reply.header('cache-control', 'no-store').send({ guest: view(removed) });
    },
  );

  app.get<{ Params: Static<typeof TokenParams>; Querystring: Static<typeof Query> }>(
    `${GUEST_PATH}:token`,
    { schema: { params: TokenParams, querystring: Query }, config: { access: 'public' }, attachValidation: true },
    async (req, reply) => {
      const lang = req.query.lang === 'en' ? 'en' : 'fr';
      const page = (status: number, html: string) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .header('content-security-policy', joinPageCsp())
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .send(html);
      if (req.validationError) {
        tc.relay.recordAudit({
          actor: 'link:guest',
          actorRole: 'anonymous',
          action: 'guest-link-refused',
          detail: `malformed request, from ${req.ip}`,
        });
        return page(404, renderJoinPage({ lang, ok: false, reason: 'malformed' }));
      }
      const r = await openGuestLink(store, req.params.token, req.query.act, req.cookies[DEVICE_COOKIE], now());
      if (!r.ok) {
        tc.relay.recordAudit({
          actor: 'link:guest',
          actorRole: 'anonymous',
          action: 'guest-link-refused',
          ...(r.link ? { sessionId: r.link.appointmentId, patientId: r.link.patientId } : {}),
          detail: `${r.reason}: ${r.message}; act asked ${req.query.act}, from ${req.ip}`.slice(0, 512),
        });
        return page(r.status, renderJoinPage({ lang, ok: false, reason: r.reason }));
      }
      tc.relay.recordAudit({
        actor: `link:guest:${r.link.tokenSha256.slice(0, 12)}`,
        actorRole: 'anonymous',
        action: r.newDeviceSecret ? 'guest-link-bound' : 'guest-link-opened',
        sessionId: r.act.sessionId,
        gatewayId: r.act.gatewayId,
        patientId: r.act.patientId,
        detail: `${r.link.guestName ?? '?'}, from ${req.ip}`.slice(0, 512),
      });
      if (r.newDeviceSecret)
        void reply.setCookie(DEVICE_COOKIE, r.newDeviceSecret, {
          path: `${GUEST_PATH}${req.params.token}`,
          httpOnly: true,
          sameSite: 'lax',
          secure,
          expires: new Date(r.link.expiresAt),
        });
      const when = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'fr-FR', {
        dateStyle: 'full',
        timeStyle: 'short',
        timeZone: deps.timeZone ?? 'Europe/Paris',
      }).format(now());
      return page(200, renderJoinPage({ lang, ok: true, when, withWhom: r.act.specialistName ?? '' }));
    },
  );
}
