/**
 * GET /join/:token?act=<appointment id>&lang=fr|en — public: the patient's join link of a home act
 * (teleconsult/join-links.ts). The token is the right (256 bits, compared by its hash); the first
 * device that opens it is bound by an HttpOnly cookie and only it may open it again. Every opening,
 * refused or not, is a line of the audit trail; a refusal is 403 / 404 / 410 with a page saying why.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { whenOf } from '../../outbox/appointment-messages.js';
import { joinPageCsp, renderJoinPage } from '../../pages/join/page.js';
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

export function registerJoinRoutes(app: FastifyInstance, deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>, now: () => Date): void {
  const secure = deps.secureCookies ?? 'auto';
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    `${JOIN_PATH}:token`,
    { schema: { params: Params, querystring: Query }, config: { access: 'public' }, attachValidation: true },
    async (req, reply) => {
      const lang = req.query.lang === 'en' ? 'en' : 'fr';
      const page = (status: number, html: string) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .header('content-security-policy', joinPageCsp())
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          // The device check asks for the camera and the microphone of this page only.
          .header('permissions-policy', 'camera=(self), microphone=(self), geolocation=()')
          .send(html);
      if (req.validationError) {
        tc.relay.recordAudit({
          actor: 'link:patient',
          actorRole: 'anonymous',
          action: 'join-link-refused',
          detail: `malformed request, from ${req.ip}`,
        });
        return page(404, renderJoinPage({ lang, ok: false, reason: 'malformed' }));
      }
      const r = await openJoinLink(deps.store, req.params.token, req.query.act, req.cookies[DEVICE_COOKIE], now());
      if (!r.ok) {
        tc.relay.recordAudit({
          actor: 'link:patient',
          actorRole: 'anonymous',
          action: 'join-link-refused',
          ...(r.link ? { sessionId: r.link.appointmentId, patientId: r.link.patientId } : {}),
          detail: `${r.reason}: ${r.message}; act asked ${req.query.act}, from ${req.ip}`.slice(0, 512),
        });
        return page(r.status, renderJoinPage({ lang, ok: false, reason: r.reason }));
      }
      const a = r.appointment;
      tc.relay.recordAudit({
        actor: 'link:patient',
        actorRole: 'anonymous',
        action: r.newDeviceSecret ? 'join-link-bound' : 'join-link-opened',
        sessionId: a.id,
        gatewayId: a.gatewayId,
        patientId: a.patientId,
        detail: `from ${req.ip}`,
      });
      if (r.newDeviceSecret)
        void reply.setCookie(DEVICE_COOKIE, r.newDeviceSecret, {
          path: `${JOIN_PATH}${req.params.token}`,
          httpOnly: true,
          sameSite: 'lax',
          secure,
          expires: new Date(r.link.expiresAt),
        });
      const withWhom = a.specialistId ? (tc.directory.get(a.specialistId)?.name ?? a.specialistId) : (a.specialty ?? '');
      return page(200, renderJoinPage({ lang, ok: true, when: whenOf(a.start, deps.timeZone ?? 'Europe/Paris', lang), withWhom }));
    },
  );
}
