/**
 * GET /agenda?view=day|week&date=YYYY-MM-DD&lang=   the specialist's agenda and scheduling form (pages/agenda/)
 * GET /acts?from=&to=&site=&specialist=&status=&lang=   the list of acts, linking to the CSV export with the same filters
 * Signed-in clinicians (login page otherwise), each seeing their carts only; both reads are audited.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TeleconsultStatus } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import { localDay, periodEnd, periodStart, zonedMidnight } from '../../activity/zoned-days.js';
import { actsPageCsp, agendaPageCsp, renderActsPage, renderAgendaPage } from '../../pages/agenda/page.js';
import { displayName } from '../../pages/dashboard/format.js';
import { MAX_PAGE_SIZE } from '../../store/cloud-store.js';
import { currentReader, type DataAccess, type Reader } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { DateOrDateTime } from '../query-schemas.js';
import { cloudPatients } from './acts-export.js';

const HTML = 'text/html; charset=utf-8';
const Lang = Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' });
const Ymd = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const AgendaQuery = Type.Object(
  { view: Type.Union([Type.Literal('day'), Type.Literal('week')], { default: 'day' }), date: Type.Optional(Ymd), lang: Lang },
  { additionalProperties: false },
);
const ActsQuery = Type.Object(
  {
    from: Type.Optional(Type.Union([DateOrDateTime, Type.Literal('')])),
    to: Type.Optional(Type.Union([DateOrDateTime, Type.Literal('')])),
    site: Type.Optional(Type.String({ maxLength: 64 })),
    specialist: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Type.Union([TeleconsultStatus, Type.Literal('')])),
    lang: Lang,
  },
  { additionalProperties: false },
);

const addDays = (ymd: string, n: number) => new Date(Date.parse(`${ymd}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const scope = (r: Reader) => (r.carts.includes('*') ? {} : { gatewayPatterns: r.carts });

export function registerAgendaPageRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  access: DataAccess,
  tc: NonNullable<HttpDeps['teleconsult']>,
): void {
  const timeZone = deps.timeZone ?? 'Europe/Paris';
  const { store } = deps;

  app.get<{ Querystring: Static<typeof AgendaQuery> }>(
    '/agenda',
    { schema: { querystring: AgendaQuery }, config: { access: 'page', permission: 'appointments.schedule' } },
    async (req, reply) => {
      const r = currentReader(req);
      const q = req.query;
      const today = localDay(new Date(), timeZone);
      const date = q.date ?? today;
      const days = q.view === 'week' ? 7 : 1;
      const appointments = await store.listAppointments({
        ...scope(r),
        from: zonedMidnight(date, timeZone),
        to: new Date(zonedMidnight(addDays(date, days), timeZone).getTime() - 1),
        limit: MAX_PAGE_SIZE,
      });
      const visible = await access.visiblePatients(r);
      const patients = [];
      for (const p of visible.filter((x) => x.source === 'configured')) {
        const gateways = (await store.patientGateways(p.id)).filter((g) => access.mayReadGateway(r, g));
        if (gateways.length > 0) patients.push({ id: p.id, name: displayName(p, p.id), gateways });
      }
      const specialists = tc.directory.all();
      access.recordRead(req, 'view-agenda');
      const html = renderAgendaPage({
        lang: q.lang,
        timeZone,
        view: q.view,
        date,
        previous: addDays(date, -days),
        next: addDays(date, days),
        appointments,
        patientNames: new Map(visible.map((p) => [p.id, displayName(p, p.id)])),
        specialistNames: new Map(specialists.map((s) => [s.id, s.name])),
        patients,
        specialists: specialists.map((s) => ({ id: s.id, name: s.name })),
        specialties: [...new Set(specialists.flatMap((s) => (s.specialty ? [s.specialty] : [])))].sort(),
      });
      return reply.type(HTML).header('content-security-policy', agendaPageCsp()).header('cache-control', 'no-store').send(html);
    },
  );

  app.get<{ Querystring: Static<typeof ActsQuery> }>(
    '/acts',
    { schema: { querystring: ActsQuery }, config: { access: 'page', permission: 'acts.export' } },
    async (req, reply) => {
      const r = currentReader(req);
      const q = req.query;
      const f = {
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.site ? { site: q.site } : {}),
        ...(q.specialist ? { specialist: q.specialist } : {}),
        ...(q.status ? { status: q.status } : {}),
      };
      // The export's query (acts-export.ts): the same filters give the same acts, one page here.
      const found = await store.listTeleconsultations({
        ...scope(r),
        ...(f.status ? { status: [f.status] } : {}),
        ...(f.specialist ? { specialistId: f.specialist } : {}),
        ...(f.from ? { from: periodStart(f.from, timeZone) } : {}),
        ...(f.to ? { to: periodEnd(f.to, timeZone) } : {}),
        limit: MAX_PAGE_SIZE,
      });
      const patients = await cloudPatients(store, found);
      const acts = found
        .map((act) => ({ act, site: tc.directory.siteOf(act.gatewayId), patient: patients.get(`${act.gatewayId}\u0000${act.patientId}`) }))
        .filter((l) => f.site === undefined || l.site?.id === f.site)
        .map((l) => ({ act: l.act, site: l.site?.name ?? '', patient: l.patient?.id ?? l.act.patientId }));
      const names = new Map((await access.visiblePatients(r)).map((p) => [p.id, displayName(p, p.id)]));
      access.recordRead(req, 'view-acts');
      const html = renderActsPage({
        lang: q.lang,
        timeZone,
        filters: f,
        sites: tc.directory.siteList(),
        acts: acts.map((a) => ({ ...a, patient: names.get(a.patient) ?? a.patient })),
      });
      return reply.type(HTML).header('content-security-policy', actsPageCsp()).header('cache-control', 'no-store').send(html);
    },
  );
}
