/**
 * GET /api/acts.csv?from=&to=&site=&specialist=&status=&lang=  — the activity export (activity/acts-csv.ts).
 * A specialist exports the acts of their carts; an auditor every cart's. The export is a read of
 * patient data: it is audited (acts-export, with the filters and the number of acts).
 */
import { type Static, Type } from '@sinclair/typebox';
import { TeleconsultStatus } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import { type ActLine, actsCsv } from '../../activity/acts-csv.js';
import { localDay, periodEnd, periodStart } from '../../activity/zoned-days.js';
import { type CloudStore, MAX_PAGE_SIZE } from '../../store/cloud-store.js';
import type { TeleconsultationRecord } from '../../store/teleconsult-records.js';
import type { HttpDeps } from '../deps.js';
import { DateOrDateTime } from '../query-schemas.js';
import { currentSpecialist } from './specialist-auth.js';

/** An export larger than this is refused (narrow the period): 50 pages of the store's largest page. */
export const MAX_EXPORT_ACTS = 50 * MAX_PAGE_SIZE;

const Text = Type.String({ minLength: 1, maxLength: 64 });
const ActsQuery = Type.Object(
  {
    from: Type.Optional(DateOrDateTime),
    to: Type.Optional(DateOrDateTime),
    site: Type.Optional(Text),
    specialist: Type.Optional(Text),
    status: Type.Optional(Type.Array(TeleconsultStatus, { maxItems: 6 })),
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
  },
  { additionalProperties: false },
);

/**
 * The cloud's patient of each act, by (cart, the cart's local id) through the configured
 * assignments; an act whose patient this cart is not assigned has none.
 */
export async function cloudPatients(
  store: CloudStore,
  acts: readonly TeleconsultationRecord[],
): Promise<Map<string, { id: string; ins: string | null }>> {
  const byCart = new Map<string, Set<string>>();
  for (const a of acts) byCart.set(a.gatewayId, (byCart.get(a.gatewayId) ?? new Set()).add(a.patientId));
  const out = new Map<string, { id: string; ins: string | null }>();
  const records = new Map<string, { id: string; ins: string | null } | null>();
  for (const [gatewayId, localIds] of byCart) {
    const served = await store.servedPatients(gatewayId, [...localIds]);
    for (const [localId, cloudId] of served) {
      if (!records.has(cloudId)) {
        const p = await store.getPatient(cloudId);
        records.set(cloudId, p ? { id: p.id, ins: p.ins ?? null } : null);
      }
      const p = records.get(cloudId);
      if (p) out.set(`${gatewayId}\u0000${localId}`, p);
    }
  }
  return out;
}

export function registerActsExportRoute(app: FastifyInstance, deps: HttpDeps, tc: NonNullable<HttpDeps['teleconsult']>): void {
  app.get<{ Querystring: Static<typeof ActsQuery> }>(
    '/api/acts.csv',
    { schema: { querystring: ActsQuery }, config: { access: 'specialist', permission: 'acts.export' } },
    async (req, reply) => {
      const timeZone = deps.timeZone ?? 'Europe/Paris';
      const s = currentSpecialist(req);
      const q = req.query;
      if (q.site !== undefined && !tc.directory.hasSite(q.site)) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `no site ${q.site} in teleconsult.sites` });
      }
      const acts: TeleconsultationRecord[] = [];
      for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
        const page = await deps.store.listTeleconsultations({
          ...(s.audit ? {} : { gatewayPatterns: tc.directory.patternsFor(s.id) }),
          ...(q.status ? { status: q.status } : {}),
          ...(q.specialist !== undefined ? { specialistId: q.specialist } : {}),
          ...(q.from !== undefined ? { from: periodStart(q.from, timeZone) } : {}),
          ...(q.to !== undefined ? { to: periodEnd(q.to, timeZone) } : {}),
          limit: MAX_PAGE_SIZE,
          offset,
        });
        acts.push(...page);
        if (acts.length > MAX_EXPORT_ACTS) {
          return reply
            .code(413)
            .send({ statusCode: 413, error: 'Payload Too Large', message: `more than ${MAX_EXPORT_ACTS} acts: export a shorter period` });
        }
        if (page.length < MAX_PAGE_SIZE) break;
      }
      const patients = await cloudPatients(deps.store, acts);
      const lines: ActLine[] = acts
        .map((act) => ({ act, site: tc.directory.siteOf(act.gatewayId), patient: patients.get(`${act.gatewayId}\u0000${act.patientId}`) }))
        .filter((l) => q.site === undefined || l.site?.id === q.site)
        .sort((a, b) => a.act.createdAt.localeCompare(b.act.createdAt))
        .map((l) => ({ ...l, actCode: l.act.status === 'completed' ? tc.config.actCodes.teleconsultation : '' }));
      const filters = Object.entries(q)
        .filter(([k, v]) => k !== 'lang' && v !== undefined)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join('&');
      tc.relay.recordAudit({
        actor: s.id,
        actorRole: s.role,
        action: 'acts-export',
        detail: `${lines.length} acts${filters ? ` (${filters})` : ''}`,
      });
      // Named after the platform's own day: from midnight to 1 or 2 a.m. in Paris, the UTC date is still the day before.
      const day = localDay(new Date(), timeZone);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="telecart-actes-${day}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(actsCsv(lines, { lang: q.lang, timeZone }));
    },
  );
}
