/**
 * Administration of accounts (permission accounts.manage, docs/roles.md):
 *   GET   /api/admin/accounts                    the accounts this administrator manages (no secrets)
 *   POST  /api/admin/accounts                    create one: {id, name, role, sites, rpps?, email?, phone?, password}
 *   PATCH /api/admin/accounts/:id                change name, role, sites, RPPS, contact; disable or enable; reset TOTP
 *   POST  /api/admin/accounts/:id/end-sessions   end every login of the account
 *   GET   /api/admin/carts                       the carts of those sites that reported (carts.manage): online state, backlog, version, last seen
 * A site administrator manages the accounts whose sites are all among its own, and grants only its
 * sites; an account with every cart ('*') manages all. The store is written first, then the
 * directory every request asks: a disabled account's next request is refused. Each change is audited.
 */
import { type Static, Type } from '@sinclair/typebox';
import { GatewayStatus } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { accountConfigOf } from '../../auth/accounts.js';
import { ROLE_TABLE, ROLES, rppsProblem } from '../../auth/permissions.js';
import type { AccountRecord } from '../../store/account-records.js';
import { hashPassword } from '../../teleconsult/passwords.js';
import type { Specialist } from '../../teleconsult/specialists.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from './specialist-auth.js';

type TeleconsultDeps = NonNullable<HttpDeps['teleconsult']>;

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' });
const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Sites = Type.Array(Id, { maxItems: 100 });
const Rpps = Type.String({ pattern: '^[0-9]{11}$' });
const Email = Type.String({ pattern: '^[^@\\s<>]+@[^@\\s<>]+$', maxLength: 320 });
const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' });
const Name = Type.String({ minLength: 1, maxLength: 128 });

const CreateBody = Type.Object(
  {
    id: Id,
    name: Name,
    role: Role,
    sites: Sites,
    rpps: Type.Optional(Rpps),
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    password: Type.String({ minLength: 12, maxLength: 256 }),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    role: Type.Optional(Role),
    sites: Type.Optional(Sites),
    rpps: Type.Optional(Type.Union([Rpps, Type.Null()])),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
    /** null: the account's second factor is removed (a lost phone); it enrolls again. */
    totp: Type.Optional(Type.Null()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

const AccountView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: Role,
    rpps: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    sites: Type.Array(Type.String()),
    gateways: Type.Array(Type.String()),
    source: Type.Union([Type.Literal('config'), Type.Literal('admin')]),
    hasPassword: Type.Boolean(),
    hasTotp: Type.Boolean(),
    hasOidc: Type.Boolean(),
    disabledAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });
const AccountReply = Type.Object({ account: AccountView }, { additionalProperties: false });

function view(a: AccountRecord): Static<typeof AccountView> {
  return {
    id: a.id,
    name: a.name,
    role: a.role,
    rpps: a.rpps,
    email: a.email,
    phone: a.phone,
    sites: a.sites,
    gateways: a.gateways,
    source: a.source,
    hasPassword: a.passwordHash !== null,
    hasTotp: a.totp !== null,
    hasOidc: a.oidcSubject !== null,
    disabledAt: a.disabledAt,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

const fail = (reply: FastifyReply, code: 400 | 403 | 404 | 409, message: string) =>
  reply.code(code).send({
    statusCode: code,
    error: code === 400 ? 'Bad Request' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : 'Conflict',
    message,
  });

/** Why an account's fields do not hold together (RPPS of a practitioner), or null. */
function accountProblem(role: AccountRecord['role'], rpps: string | null): string | null {
  if (rpps !== null) {
    const p = rppsProblem(rpps);
    if (p) return p;
  }
  if (ROLE_TABLE[role].rpps && rpps === null) return `a ${role} account needs the practitioner's RPPS number (rpps)`;
  return null;
}

export function registerAdminAccountRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: TeleconsultDeps,
  now: () => Date = () => new Date(),
): void {
  const store = deps.store;
  const config = { access: 'specialist', permission: 'accounts.manage' } as const;

  /** The sites this administrator manages, or 'all' for an account that sees every cart. */
  const managedSites = (admin: Specialist): 'all' | ReadonlySet<string> => {
    const c = tc.directory.config(admin.id);
    if (!c || c.gateways.includes('*')) return c ? 'all' : new Set();
    return new Set(c.sites);
  };
  const within = (scope: 'all' | ReadonlySet<string>, sites: readonly string[]) => scope === 'all' || sites.every((s) => scope.has(s));
  const manages = (scope: 'all' | ReadonlySet<string>, a: AccountRecord) =>
    scope === 'all' || (a.gateways.length === 0 && a.sites.length > 0 && within(scope, a.sites));
  const audit = (admin: Specialist, action: string, detail: string) =>
    tc.relay.recordAudit({ actor: admin.id, actorRole: admin.role, action, detail: detail.slice(0, 512) });
  /** Store first, then the directory the requests ask; a directory refusal (an unknown site, a subject taken) is a 409. */
  const apply = async (a: AccountRecord): Promise<string | null> => {
    const before = tc.directory.config(a.id);
    try {
      tc.directory.put(accountConfigOf(a));
    } catch (e) {
      return (e as Error).message;
    }
    try {
      await store.saveAccount(a);
    } catch (e) {
      if (before) tc.directory.put(before);
      throw e;
    }
    // A nurse's carts (or a nurse disabled) change the carts' nurse lists: republished at once.
    void deps.nurses?.refresh();
    return null;
  };

  app.get(
    '/api/admin/accounts',
    { schema: { response: { 200: Type.Object({ accounts: Type.Array(AccountView) }) } }, config },
    async (req, reply) => {
      const scope = managedSites(currentSpecialist(req));
      const accounts = (await store.listAccounts()).filter((a) => manages(scope, a)).map(view);
      return reply.header('cache-control', 'no-store').send({ accounts });
    },
  );

  const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
  const CartsReply = Type.Object(
    {
      carts: Type.Array(
        Type.Object(
          {
            gatewayId: Type.String(),
            site: OrNull(Type.String()),
            online: Type.Boolean(),
            version: OrNull(Type.String()),
            backlog: OrNull(Type.Required(GatewayStatus).properties.backlog),
            lastSeenAt: OrNull(Type.String()),
            /** When its first certificate still valid was issued (with TLS); a cart enrolled but never seen has only this. */
            enrolledAt: OrNull(Type.String()),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  );
  app.get(
    '/api/admin/carts',
    { schema: { response: { 200: CartsReply } }, config: { access: 'specialist', permission: 'carts.manage' } },
    async (req, reply) => {
      const scope = managedSites(currentSpecialist(req));
      const inScope = (site: string | null) => scope === 'all' || (site !== null && scope.has(site));
      // Enrolled carts (a certificate not revoked, with TLS): the first issue date of each.
      const enrolled = new Map<string, string>();
      for (const c of deps.security?.registry.certs() ?? [])
        if (c.revokedAt === null && !enrolled.has(c.gatewayId)) enrolled.set(c.gatewayId, c.issuedAt);
      const gateways = await store.listGateways();
      const carts = gateways.flatMap((g) => {
        const site = tc.directory.siteOf(g.gatewayId)?.id ?? null;
        if (!inScope(site)) return [];
        // Last seen: the newer of its last status and its last batch.
        const seen = [g.statusReceivedAt, g.lastBatchAt].filter((t): t is string => t !== null).sort();
        const enrolledAt = enrolled.get(g.gatewayId) ?? null;
        return [
          {
            gatewayId: g.gatewayId,
            site,
            online: g.online,
            version: g.version,
            backlog: g.backlog,
            lastSeenAt: seen.at(-1) ?? null,
            enrolledAt,
          },
        ];
      });
      // Enrolled but never seen: listed too, so an administrator sees a cart that never connected.
      const seenIds = new Set(gateways.map((g) => g.gatewayId));
      for (const [gatewayId, enrolledAt] of enrolled) {
        const site = tc.directory.siteOf(gatewayId)?.id ?? null;
        if (seenIds.has(gatewayId) || !inScope(site)) continue;
        carts.push({ gatewayId, site, online: false, version: null, backlog: null, lastSeenAt: null, enrolledAt });
      }
      return reply.header('cache-control', 'no-store').send({ carts });
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/admin/accounts',
    { schema: { body: CreateBody, response: { 201: AccountReply, '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const admin = currentSpecialist(req);
      const b = req.body;
      const scope = managedSites(admin);
      if (b.sites.length === 0 || !within(scope, b.sites))
        return fail(
          reply,
          403,
          `you manage the sites ${scope === 'all' ? 'all' : [...scope].join(', ')}: grant at least one, and only those`,
        );
      const problem = accountProblem(b.role, b.rpps ?? null);
      if (problem) return fail(reply, 400, problem);
      if (await store.getAccount(b.id)) return fail(reply, 409, `the account ${b.id} exists already`);
      const at = now().toISOString();
      const a: AccountRecord = {
        id: b.id,
        name: b.name,
        role: b.role,
        rpps: b.rpps ?? null,
        email: b.email ?? null,
        phone: b.phone ?? null,
        sites: b.sites,
        gateways: [],
        specialty: null,
        audit: false,
        passwordHash: await hashPassword(b.password),
        tokenSha256: null,
        totp: null,
        oidcSubject: null,
        source: 'admin',
        disabledAt: null,
        createdAt: at,
        updatedAt: at,
      };
      const refused = await apply(a);
      if (refused) return fail(reply, 409, refused);
      audit(admin, 'account-create', `${a.id} (${a.role}) sites ${a.sites.join(', ')}`);
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ account: view(a) });
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchBody> }>(
    '/api/admin/accounts/:id',
    { schema: { params: IdParams, body: PatchBody, response: { 200: AccountReply, '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const admin = currentSpecialist(req);
      const scope = managedSites(admin);
      const old = await store.getAccount(req.params.id);
      // Another site's account answers as an unknown one.
      if (!old || !manages(scope, old)) return fail(reply, 404, `no account ${req.params.id} among those you manage`);
      const b = req.body;
      if (b.sites !== undefined && (b.sites.length === 0 || !within(scope, b.sites)))
        return fail(reply, 403, 'grant at least one site, and only sites you manage');
      const a: AccountRecord = {
        ...old,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.role !== undefined ? { role: b.role } : {}),
        ...(b.sites !== undefined ? { sites: b.sites } : {}),
        ...(b.rpps !== undefined ? { rpps: b.rpps } : {}),
        ...(b.email !== undefined ? { email: b.email } : {}),
        ...(b.phone !== undefined ? { phone: b.phone } : {}),
        ...(b.totp === null ? { totp: null } : {}),
        ...(b.disabled !== undefined ? { disabledAt: b.disabled ? (old.disabledAt ?? now().toISOString()) : null } : {}),
        updatedAt: now().toISOString(),
      };
      const problem = accountProblem(a.role, a.rpps);
      if (problem) return fail(reply, 400, problem);
      const refused = await apply(a);
      if (refused) return fail(reply, 409, refused);
      const changes = Object.keys(b).map((k) =>
        k === 'disabled' ? (b.disabled ? 'disabled' : 'enabled') : k === 'totp' ? 'second factor reset' : k,
      );
      // A disabled account's open logins end now (they are refused already: the directory says so).
      const ended = b.disabled === true ? tc.logins.endAll(a.id) : 0;
      audit(
        admin,
        b.disabled === true ? 'account-disable' : 'account-update',
        `${a.id}: ${changes.join(', ')}${ended > 0 ? `; ${ended} logins ended` : ''}`,
      );
      return reply.header('cache-control', 'no-store').send({ account: view(a) });
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/admin/accounts/:id/end-sessions',
    { schema: { params: IdParams, response: { 200: Type.Object({ ended: Type.Integer() }), '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const admin = currentSpecialist(req);
      const a = await store.getAccount(req.params.id);
      if (!a || !manages(managedSites(admin), a)) return fail(reply, 404, `no account ${req.params.id} among those you manage`);
      const ended = tc.logins.endAll(a.id);
      audit(admin, 'account-sessions-ended', `${a.id}: ${ended} logins ended`);
      return reply.header('cache-control', 'no-store').send({ ended });
    },
  );
}
