/**
 * Sign-in with the OpenID Connect provider (auth.oidc), for the dashboard and the consultation page:
 *   GET /auth/oidc/start?next=/…&lang= → 303 to the provider; an HttpOnly cookie binds the sign-in
 *     to this browser (PKCE verifier, state and nonce stay on the server)
 *   GET /auth/oidc/callback?code=…&state=… → the provider's answer: on success the login cookie and a
 *     page that moves on to `next`; else 401 and the sign-in page saying why. Each outcome is an
 *     audit line (login with acr and amr, or login-refused with the reason).
 */
import { type Static, Type } from '@sinclair/typebox';
import { CATALOGUE, format, isLang, type Lang, textsIn } from '@telecart/ui';
import type { FastifyInstance } from 'fastify';
import { type OidcIdentity, OidcRefusal, type OidcSignIn, refusalOf } from '../../auth/oidc.js';
import { loginPageCsp, renderLoginPage, renderSignedInPage, signedInPageCsp } from '../../pages/login/page.js';
import { LOGIN_COOKIE } from '../../teleconsult/logins.js';
import { safeNext } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';

type TeleconsultDeps = NonNullable<HttpDeps['teleconsult']>;

/** Binds a started sign-in to the browser; Lax, as the provider sends the browser back with a cross-site GET. */
export const OIDC_COOKIE = 'telecart_oidc';
const OIDC_COOKIE_PATH = '/auth/oidc/';

const StartQuery = Type.Object(
  {
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
    next: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** The refusal as the clinician reads it, in the page's language. */
export function refusalText(r: OidcRefusal, lang: Lang, accepted: readonly string[]): string {
  const t = textsIn(CATALOGUE.login, lang);
  const acr = /level ("[^"]*"|\(none\))/.exec(r.message)?.[1] ?? '';
  const detail =
    r.reason === 'acr' || r.reason === 'site-acr'
      ? acr
      : r.reason === 'unknown-account'
        ? (r.subject ?? '')
        : r.reason === 'provider'
          ? r.message
          : '';
  const site = r.site?.name ?? '';
  return format(t.refused, { why: format(t[r.reason], { detail, site, accepted: (r.site?.accept ?? accepted).join(', ') }) });
}

export function registerOidcAuthRoutes(app: FastifyInstance, deps: HttpDeps, tc: TeleconsultDeps, oidc: OidcSignIn): void {
  const secure = deps.secureCookies ?? 'auto';

  app.get<{ Querystring: Static<typeof StartQuery> }>(
    '/auth/oidc/start',
    { schema: { querystring: StartQuery }, config: { access: 'public' } },
    async (req, reply) => {
      const { url, key } = await oidc.begin(safeNext(req.query.next), req.query.lang);
      return reply
        .setCookie(OIDC_COOKIE, key, { path: OIDC_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: 600 })
        .header('cache-control', 'no-store')
        .code(303)
        .redirect(url.href);
    },
  );

  // No query schema: the provider's answer has its own parameters (code, state, iss, error, …), checked by openid-client.
  app.get('/auth/oidc/callback', { config: { access: 'public' } }, async (req, reply) => {
    const key = req.cookies[OIDC_COOKIE];
    const started = oidc.peek(key);
    const lang: Lang = started && isLang(started.lang) ? started.lang : 'fr';
    const next = started?.next ?? '/';
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    reply
      .clearCookie(OIDC_COOKIE, { path: OIDC_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure })
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8');
    let id: OidcIdentity;
    try {
      id = await oidc.finish(key, query);
    } catch (e) {
      return refuse(refusalOf(e));
    }
    const s = tc.directory.byOidcSubject(id.subject);
    const disabled = s ? undefined : tc.directory.disabledBySubject(id.subject);
    if (disabled !== undefined) return refuse(new OidcRefusal('disabled', `the account ${disabled} is disabled`, id.subject), id);
    if (!s) return refuse(new OidcRefusal('unknown-account', `no account has oidcSubject ${JSON.stringify(id.subject)}`, id.subject), id);
    const site = tc.directory.acrRefusal(s.id, id.acr);
    if (site)
      return refuse(
        new OidcRefusal(
          'site-acr',
          `authentication level ${id.acr === null ? '(none)' : JSON.stringify(id.acr)} is below the policy of site ${site.id} (accepted: ${site.accept.join(', ')})`,
          id.subject,
          site,
        ),
        id,
      );
    const { token, expiresAt } = tc.logins.create(s, { method: 'oidc', acr: id.acr, amr: id.amr });
    tc.relay.recordAudit({
      actor: s.id,
      actorRole: s.role,
      action: 'login',
      detail: `oidc ${oidc.config.issuer} acr=${id.acr ?? '-'} amr=${id.amr.join(',') || '-'} ${req.ip}`,
    });
    // In the store before the answer: the next request may reach another cloud instance.
    await tc.logins.flushed();
    return reply
      .setCookie(LOGIN_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: expiresAt })
      .header('content-security-policy', signedInPageCsp())
      .send(renderSignedInPage({ lang, next, name: s.name }));

    function refuse(r: OidcRefusal, who?: OidcIdentity) {
      tc.relay.recordAudit({
        actor: r.subject ?? 'unknown',
        actorRole: 'anonymous',
        action: 'login-refused',
        detail: `oidc ${r.reason}: ${r.message}${who ? ` acr=${who.acr ?? '-'}` : ''} ${req.ip}`.slice(0, 1000),
      });
      req.log.warn({ reason: r.reason, subject: r.subject, source: req.ip }, `oidc: sign-in refused: ${r.message}`);
      return reply
        .code(401)
        .header('content-security-policy', loginPageCsp())
        .send(
          renderLoginPage({
            lang,
            next,
            oidcName: oidc.config.name,
            totp: tc.directory.hasTotp || tc.config.requireTotp,
            error: refusalText(r, lang, oidc.config.acr.accept),
          }),
        );
    }
  });
}
