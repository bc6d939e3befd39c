/** GET /consult/acts/:sessionId/report?lang=: the specialist's report page for one act (pages/report/). */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { renderReportPage, reportPageCsp } from '../../pages/report/page.js';

const Params = Type.Object(
  { sessionId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }) },
  { additionalProperties: false },
);
const Query = Type.Object(
  { lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }) },
  { additionalProperties: false },
);

export function registerReportPageRoutes(app: FastifyInstance): void {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/consult/acts/:sessionId/report',
    { schema: { params: Params, querystring: Query }, config: { access: 'page', permission: 'reports.write' } },
    async (req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', reportPageCsp())
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(renderReportPage({ lang: req.query.lang, sessionId: req.params.sessionId })),
  );
}
