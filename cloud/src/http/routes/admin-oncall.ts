/**
 * The on-call teams of the alert notifications, from the administration page (sites.manage,
 * docs/notifications.md):
 *   GET    /api/admin/oncall-teams        the teams this administrator manages
 *   PUT    /api/admin/oncall-teams/:id    create or replace one (members, escalation levels, quiet hours)
 *   DELETE /api/admin/oncall-teams/:id
 * The notifier reads the store at each round: a change counts from the next alert, without a
 * restart. A site administrator manages the teams of its sites (`site`); a team without a site (told
 * of every site's patients) is an administrator of every cart's. Each change is audited.
 */
import { type Static, Type } from '@sinclair/typebox';
import { formatConfigIssue } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkAlertNotifications, NotifyTeam } from '../../alerts/notify/config.js';
import { auditOutOfScope, managedSites, type SiteScope } from '../access/admin-scope.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from './specialist-auth.js';

type Tc = NonNullable<HttpDeps['teleconsult']>;

const IdParams = Type.Object({ id: NotifyTeam.properties.id }, { additionalProperties: false });
const TeamBody = Type.Omit(NotifyTeam, ['id'], { additionalProperties: false });
const TeamView = Type.Object(
  { team: NotifyTeam, source: Type.Union([Type.Literal('config'), Type.Literal('admin')]), updatedAt: Type.String() },
  { additionalProperties: false },
);
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });
const ERRORS = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' } as const;
const fail = (reply: FastifyReply, code: keyof typeof ERRORS, message: string) =>
  reply.code(code).send({ statusCode: code, error: ERRORS[code], message });

const manages = (scope: SiteScope, site: string | undefined) => scope === 'all' || (site !== undefined && scope.has(site));

export function registerAdminOncallRoutes(app: FastifyInstance, deps: HttpDeps, tc: Tc, now: () => Date = () => new Date()): void {
  const { store } = deps;
  const config = { access: 'specialist', permission: 'sites.manage' } as const;
  const audit = (req: FastifyRequest, action: string, detail: string) => {
    const who = currentSpecialist(req);
    tc.relay.recordAudit({ actor: who.id, actorRole: who.role, action, detail: detail.slice(0, 512) });
  };
  const scopeOf = (req: FastifyRequest) => managedSites(tc, currentSpecialist(req).id);
  /** The stored team if this administrator manages it; another site's answers as unknown (audited). */
  const mine = async (req: FastifyRequest, id: string) => {
    const t = (await store.listOncallTeams()).find((r) => r.team.id === id) ?? null;
    if (t !== null && !manages(scopeOf(req), t.team.site)) {
      auditOutOfScope(tc, req, { detail: `on-call team ${id} is not of a site this account manages` });
      return { found: false as const, exists: true };
    }
    return t === null ? { found: false as const, exists: false } : { found: true as const, record: t };
  };

  app.get(
    '/api/admin/oncall-teams',
    { schema: { response: { 200: Type.Object({ teams: Type.Array(TeamView) }, { additionalProperties: false }) } }, config },
    async (req, reply) => {
      const scope = scopeOf(req);
      const teams = (await store.listOncallTeams()).filter((t) => manages(scope, t.team.site));
      return reply.header('cache-control', 'no-store').send({ teams });
    },
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof TeamBody> }>(
    '/api/admin/oncall-teams/:id',
    { schema: { params: IdParams, body: TeamBody, response: { 200: TeamView, '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const id = req.params.id;
      const old = await mine(req, id);
      if (!old.found && old.exists) return fail(reply, 404, `no on-call team ${id} among those you manage`);
      const team: NotifyTeam = { ...req.body, id };
      if (!manages(scopeOf(req), team.site))
        return fail(
          reply,
          403,
          'name one of your sites (site): a team without a site is told of every site and is an administrator of every cart’s',
        );
      if (team.site !== undefined && !tc.directory.hasSite(team.site)) return fail(reply, 400, `site: no site ${team.site}`);
      const channels = new Set(deps.outboxChannels ?? []);
      const issues = checkAlertNotifications(
        { teams: [team] },
        { ...(channels.has('email') ? { email: true } : {}), ...(channels.has('sms') ? { sms: true } : {}) },
      );
      if (issues.length > 0) return fail(reply, 400, issues.map((i) => formatConfigIssue({ ...i, path: i.path.slice(3) })).join('; '));
      const record = { team, source: 'admin' as const, updatedAt: now().toISOString() };
      await store.saveOncallTeam(record);
      const members = team.levels.reduce((n, l) => n + l.contacts.length, 0);
      audit(
        req,
        old.found ? 'oncall-team-update' : 'oncall-team-create',
        `${id}: ${team.programmes.join(', ')}; ${team.levels.length} levels, ${members} members`,
      );
      return reply.header('cache-control', 'no-store').send(record);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/admin/oncall-teams/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const id = req.params.id;
      const old = await mine(req, id);
      if (!old.found) return fail(reply, 404, `no on-call team ${id} among those you manage`);
      await store.deleteOncallTeam(id);
      audit(req, 'oncall-team-delete', id);
      return reply.code(204).send();
    },
  );
}
