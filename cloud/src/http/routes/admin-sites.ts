/**
 * Administration of sites and carts (docs/roles.md, docs/security.md):
 *   GET   /api/admin/sites                  the sites this administrator manages (sites.manage)
 *   POST  /api/admin/sites                  create one: {id, name, kind, gateways?, contact?} (an administrator of every cart)
 *   PATCH /api/admin/sites/:id              change name, kind, contact; gateways and acrAccept (an administrator of every cart)
 *   POST  /api/admin/carts                  {gatewayId, site}: a one-time enrolment token for a new cart of the site (carts.manage)
 *   POST  /api/admin/carts/:id/revoke       revoke the cart's certificates: the broker closes it and refuses it from then on
 * The store is written first, then the directory every request asks (scope follows at once).
 * Another site's site or cart answers as an unknown one (404) with an audit line; each change is audited.
 */
import { type Static, Type } from '@sinclair/typebox';
import { GatewayId } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { siteConfigOf } from '../../sites/store-sites.js';
import { SITE_KINDS, type SiteRecord } from '../../store/site-records.js';
import { Telecom } from '../../teleconsult/config.js';
import { LOGIN_COOKIE } from '../../teleconsult/logins.js';
import { auditOutOfScope, managedSites, managesSite } from '../access/admin-scope.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from './specialist-auth.js';

type Tc = NonNullable<HttpDeps['teleconsult']>;

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' });
const Kind = Type.Union(SITE_KINDS.map((k) => Type.Literal(k)));
const Pattern = Type.String({ minLength: 1, maxLength: 64, pattern: '^(\\*|[A-Za-z0-9][A-Za-z0-9_.-]*\\*?)$' });
const Gateways = Type.Array(Pattern, { maxItems: 1000 });
const Name = Type.String({ minLength: 1, maxLength: 128 });
/** The site's authentication policy: the acr levels a sign-in needs to reach its carts (empty: the cloud's policy alone). */
const AcrAccept = Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }), { maxItems: 8 });

const CreateSite = Type.Object(
  {
    id: Id,
    name: Name,
    kind: Kind,
    gateways: Type.Optional(Gateways),
    contact: Type.Optional(Telecom),
    acrAccept: Type.Optional(AcrAccept),
  },
  { additionalProperties: false },
);
const PatchSite = Type.Object(
  {
    name: Type.Optional(Name),
    kind: Type.Optional(Kind),
    gateways: Type.Optional(Gateways),
    contact: Type.Optional(Type.Union([Telecom, Type.Null()])),
    acrAccept: Type.Optional(AcrAccept),
  },
  { additionalProperties: false, minProperties: 1 },
);
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const CartParams = Type.Object({ id: GatewayId }, { additionalProperties: false });
const EnrolCart = Type.Object({ gatewayId: GatewayId, site: Id }, { additionalProperties: false });

const SiteView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Kind,
    gateways: Type.Array(Type.String()),
    contact: Type.Union([Telecom, Type.Null()]),
    acrAccept: Type.Array(Type.String()),
    source: Type.Union([Type.Literal('config'), Type.Literal('admin')]),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);
const SiteReply = Type.Object({ site: SiteView }, { additionalProperties: false });
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });
const TokenReply = Type.Object(
  { gatewayId: Type.String(), site: Type.String(), token: Type.String(), expiresAt: Type.String() },
  { additionalProperties: false },
);
const RevokeReply = Type.Object({ gatewayId: Type.String(), revoked: Type.Integer() }, { additionalProperties: false });

const view = (s: SiteRecord): Static<typeof SiteView> => ({
  id: s.id,
  name: s.name,
  kind: s.kind,
  gateways: s.gateways,
  contact: s.contact,
  acrAccept: s.acrAccept,
  source: s.source,
  updatedAt: s.updatedAt,
});

const ERRORS = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' } as const;
const fail = (reply: FastifyReply, code: keyof typeof ERRORS, message: string) =>
  reply.code(code).send({ statusCode: code, error: ERRORS[code], message });

export function registerAdminSiteRoutes(app: FastifyInstance, deps: HttpDeps, tc: Tc, now: () => Date = () => new Date()): void {
  const { store } = deps;
  const sitesConfig = { access: 'specialist', permission: 'sites.manage' } as const;
  const cartsConfig = { access: 'specialist', permission: 'carts.manage' } as const;
  const audit = (req: FastifyRequest, action: string, detail: string, gatewayId?: string) => {
    const who = currentSpecialist(req);
    tc.relay.recordAudit({ actor: who.id, actorRole: who.role, action, ...(gatewayId ? { gatewayId } : {}), detail: detail.slice(0, 512) });
  };
  const scopeOf = (req: FastifyRequest) => managedSites(tc, currentSpecialist(req).id);
  /** Store first, then the directory the requests ask. */
  const put = async (s: SiteRecord) => {
    await store.saveSite(s);
    tc.directory.putSite(siteConfigOf(s));
  };
  /** The stored site that holds this cart (the first whose patterns match it, as the directory decides). */
  const siteOfCart = async (gatewayId: string) => {
    const id = tc.directory.siteOf(gatewayId)?.id;
    return id === undefined ? null : store.getSite(id);
  };

  app.get(
    '/api/admin/sites',
    { schema: { response: { 200: Type.Object({ sites: Type.Array(SiteView) }, { additionalProperties: false }) } }, config: sitesConfig },
    async (req, reply) => {
      const scope = scopeOf(req);
      const sites = (await store.listSites()).filter((s) => managesSite(scope, s.id)).map(view);
      return reply.header('cache-control', 'no-store').send({ sites });
    },
  );

  app.post<{ Body: Static<typeof CreateSite> }>(
    '/api/admin/sites',
    { schema: { body: CreateSite, response: { 201: SiteReply, '4xx': ErrorReply } }, config: sitesConfig },
    async (req, reply) => {
      const b = req.body;
      // A new site is a new perimeter: only an administrator of every cart draws one.
      if (scopeOf(req) !== 'all') return fail(reply, 403, 'only an administrator of every cart creates sites');
      if (await store.getSite(b.id)) return fail(reply, 409, `the site ${b.id} exists already`);
      const at = now().toISOString();
      const s: SiteRecord = {
        id: b.id,
        name: b.name,
        kind: b.kind,
        gateways: b.gateways ?? [],
        contact: b.contact ?? null,
        acrAccept: b.acrAccept ?? [],
        source: 'admin',
        createdAt: at,
        updatedAt: at,
      };
      await put(s);
      audit(req, 'site-create', `${s.id} (${s.kind}) carts ${s.gateways.join(', ') || 'none'}`);
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ site: view(s) });
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchSite> }>(
    '/api/admin/sites/:id',
    { schema: { params: IdParams, body: PatchSite, response: { 200: SiteReply, '4xx': ErrorReply } }, config: sitesConfig },
    async (req, reply) => {
      const scope = scopeOf(req);
      const old = await store.getSite(req.params.id);
      if (old === null || !managesSite(scope, old.id)) {
        if (old !== null) auditOutOfScope(tc, req, { detail: `site ${old.id} is not one this account manages` });
        return fail(reply, 404, `no site ${req.params.id} among those you manage`);
      }
      const b = req.body;
      // Carts are added one by one by enrolment; patterns could take another site's carts.
      if (b.gateways !== undefined && scope !== 'all')
        return fail(reply, 403, "only an administrator of every cart sets a site's cart patterns");
      // A site's administrator could otherwise lower the level that protects its own patients.
      if (b.acrAccept !== undefined && scope !== 'all')
        return fail(reply, 403, "only an administrator of every cart sets a site's authentication policy");
      // An administrator of every cart reaches this site too: a policy their own sign-in does not meet
      // would end their session at the next request, with no one left to undo it from the page.
      if (b.acrAccept !== undefined && b.acrAccept.length > 0) {
        const acr = tc.logins.resolveLogin(req.cookies[LOGIN_COOKIE])?.acr ?? null;
        if (acr === null || !b.acrAccept.includes(acr))
          return fail(
            reply,
            409,
            `your own sign-in (${acr === null ? 'a password or a token: no level' : `level ${acr}`}) does not meet this policy: sign in through the identity provider at one of ${b.acrAccept.join(', ')} first`,
          );
      }
      const s: SiteRecord = {
        ...old,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.kind !== undefined ? { kind: b.kind } : {}),
        ...(b.gateways !== undefined ? { gateways: b.gateways } : {}),
        ...(b.contact !== undefined ? { contact: b.contact } : {}),
        ...(b.acrAccept !== undefined ? { acrAccept: b.acrAccept } : {}),
        updatedAt: now().toISOString(),
      };
      await put(s);
      audit(
        req,
        'site-update',
        `${s.id}: ${Object.keys(b).join(', ')}${b.acrAccept !== undefined ? `; acr policy ${s.acrAccept.join(', ') || 'none'}` : ''}`,
      );
      return reply.header('cache-control', 'no-store').send({ site: view(s) });
    },
  );

  app.post<{ Body: Static<typeof EnrolCart> }>(
    '/api/admin/carts',
    { schema: { body: EnrolCart, response: { 201: TokenReply, '4xx': ErrorReply } }, config: cartsConfig },
    async (req, reply) => {
      const { gatewayId, site: siteId } = req.body;
      const site = await store.getSite(siteId);
      if (site === null || !managesSite(scopeOf(req), site.id)) {
        if (site !== null) auditOutOfScope(tc, req, { gatewayId, detail: `site ${site.id} is not one this account manages` });
        return fail(reply, 404, `no site ${siteId} among those you manage`);
      }
      const holder = await siteOfCart(gatewayId);
      if (holder !== null && holder.id !== site.id) {
        auditOutOfScope(tc, req, { gatewayId, detail: `cart ${gatewayId} belongs to site ${holder.id}` });
        return fail(reply, 409, `the cart id ${gatewayId} is taken: choose another`);
      }
      if (!deps.security)
        return fail(reply, 409, 'this cloud runs without TLS (tls.enabled): carts connect without certificates, there is nothing to enrol');
      // The cart joins its site first (scope, nurses' and administrators' lists), then the token is made.
      if (holder === null) await put({ ...site, gateways: [...site.gateways, gatewayId], updatedAt: now().toISOString() });
      const t = deps.security.createToken(gatewayId);
      audit(req, 'cart-enrol-token', `${gatewayId} at site ${site.id}; token expires ${t.expiresAt.toISOString()}`, gatewayId);
      // Shown once: only its hash is kept (security/registry.ts).
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ gatewayId, site: site.id, token: t.token, expiresAt: t.expiresAt.toISOString() });
    },
  );

  app.post<{ Params: Static<typeof CartParams> }>(
    '/api/admin/carts/:id/revoke',
    { schema: { params: CartParams, response: { 200: RevokeReply, '4xx': ErrorReply } }, config: cartsConfig },
    async (req, reply) => {
      const gatewayId = req.params.id;
      const site = await siteOfCart(gatewayId);
      if (site === null || !managesSite(scopeOf(req), site.id)) {
        if (site !== null)
          auditOutOfScope(tc, req, { gatewayId, detail: `cart ${gatewayId} is on site ${site.id}, not one this account manages` });
        return fail(reply, 404, `no cart ${gatewayId} among those you manage`);
      }
      if (!deps.security) return fail(reply, 409, 'this cloud runs without TLS (tls.enabled): carts have no certificate to revoke');
      const serials = await deps.security.revoke(gatewayId);
      audit(req, 'cart-revoke', `${gatewayId} at site ${site.id}: ${serials.length} certificates revoked`, gatewayId);
      return reply.header('cache-control', 'no-store').send({ gatewayId, revoked: serials.length });
    },
  );
}
