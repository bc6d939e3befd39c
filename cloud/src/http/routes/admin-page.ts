/**
 * GET /admin?lang=   the administration page (pages/admin/): accounts, carts and patients of the
 * administrator's sites. Behind accounts.manage (the site administrator's); the page then opens
 * only the tabs the account's permissions allow, and every API it calls checks its own.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { adminPageCsp, renderAdminPage } from '../../pages/admin/page.js';

const Query = Type.Object(
  { lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }) },
  { additionalProperties: false },
);

export function registerAdminPageRoute(app: FastifyInstance): void {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/admin',
    { schema: { querystring: Query }, config: { access: 'page', permission: 'accounts.manage' } },
    async (req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', adminPageCsp())
        .header('cache-control', 'no-store')
        .send(renderAdminPage(req.query.lang)),
  );
}
