/** GET /login?next=/…&lang=: the care team's sign-in page (pages/login/). */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { loginPageCsp, renderLoginPage } from '../../pages/login/page.js';
import { type DataAccess, safeNext } from '../access/data-access.js';

const LoginQuery = Type.Object(
  {
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
    next: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** `oidcName`: the OpenID Connect provider's name, when sign-in with it is configured; `totp`: show the code field. */
export function registerLoginPageRoutes(
  app: FastifyInstance,
  access: DataAccess,
  o: { oidcName?: string | undefined; totp?: boolean | undefined } = {},
): void {
  app.get<{ Querystring: Static<typeof LoginQuery> }>(
    '/login',
    { schema: { querystring: LoginQuery }, config: { access: 'public' } },
    async (req, reply) => {
      const next = safeNext(req.query.next);
      // Already signed in (or open access): straight on.
      if (access.readerOf(req)) return reply.code(303).header('cache-control', 'no-store').redirect(next);
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', loginPageCsp())
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(renderLoginPage({ lang: req.query.lang, next, oidcName: o.oidcName, totp: o.totp }));
    },
  );
}
