/** GET / (the clinician dashboard page, pages/dashboard/), GET /dashboard/patients?lang= and /dashboard/gateways?lang= (the tables it refreshes). */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { dashboardPageCsp, renderDashboardPage, renderGatewaysFragment, renderPatientsFragment } from '../../pages/dashboard/page.js';
import { patientOverviews } from '../../vitals/overview.js';
import { currentReader, type DataAccess, type Reader } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { DashboardQuery } from '../query-schemas.js';

const HTML = 'text/html; charset=utf-8';
export function registerDashboardRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  const timeZone = deps.timeZone ?? 'Europe/Paris';
  // What this reader may see: the patients of their carts, and those carts.
  const patients = async (r: Reader) => patientOverviews(deps.store, await access.visiblePatients(r));
  const gateways = async (r: Reader) => (await deps.store.listGateways()).filter((g) => access.mayReadGateway(r, g.gatewayId));

  app.get<{ Querystring: Static<typeof DashboardQuery> }>(
    '/',
    { schema: { querystring: DashboardQuery }, config: { access: 'page', permission: 'vitals.read' } },
    async (req, reply) => {
      const r = currentReader(req);
      access.recordRead(req, 'view-dashboard');
      const reader = r.role === 'specialist' ? { name: r.name } : null;
      const html = renderDashboardPage(await patients(r), { lang: req.query.lang, timeZone, reader }, await gateways(r));
      return reply.type(HTML).header('content-security-policy', dashboardPageCsp()).header('cache-control', 'no-store').send(html);
    },
  );

  app.get<{ Querystring: Static<typeof DashboardQuery> }>(
    '/dashboard/patients',
    { config: { permission: 'vitals.read' }, schema: { querystring: DashboardQuery } },
    async (req, reply) => {
      access.recordRead(req, 'view-dashboard');
      const html = renderPatientsFragment(await patients(currentReader(req)), { lang: req.query.lang, timeZone });
      return reply.type(HTML).header('cache-control', 'no-store').send(html);
    },
  );

  app.get<{ Querystring: Static<typeof DashboardQuery> }>(
    '/dashboard/gateways',
    { config: { permission: 'vitals.read' }, schema: { querystring: DashboardQuery } },
    async (req, reply) => {
      const html = renderGatewaysFragment(await gateways(currentReader(req)), { lang: req.query.lang, timeZone });
      return reply.type(HTML).header('cache-control', 'no-store').send(html);
    },
  );
}
