/**
 * A nurse's cart credentials, set by an administrator (permission accounts.manage, docs/nurse-sign-in.md):
 *   GET /api/admin/nurse-credentials               the nurses this administrator manages: PIN set (when), badge set, carts
 *   PUT /api/admin/accounts/:id/nurse-credentials  {pin?, badgeUid?} (null removes): the PIN is kept as its
 *                                                  scrypt verifier, the badge as the SHA-256 of its UID; never clear
 * The nurse's carts get their new list at once (retained topic republished). Each change is audited,
 * without the PIN or the UID.
 */
import { type Static, Type } from '@sinclair/typebox';
import { BADGE_UID_PATTERN } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NURSE_ROLES, NurseCredentialsError } from '../../nurses/service.js';
import type { AccountRecord } from '../../store/account-records.js';
import type { Specialist } from '../../teleconsult/specialists.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from './specialist-auth.js';

type TeleconsultDeps = NonNullable<HttpDeps['teleconsult']>;
type Nurses = NonNullable<HttpDeps['nurses']>;

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Body = Type.Object(
  {
    /** 4 to 6 digits; weak ones (0000, 1234) are refused with the reason. */
    pin: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{4,6}$' }), Type.Null()])),
    badgeUid: Type.Optional(Type.Union([Type.String({ pattern: BADGE_UID_PATTERN }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
const NurseView = Type.Object(
  {
    id: Type.String(),
    hasPin: Type.Boolean(),
    pinSetAt: Type.Union([Type.String(), Type.Null()]),
    hasBadge: Type.Boolean(),
    carts: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

const fail = (reply: FastifyReply, code: 400 | 404, message: string) =>
  reply.code(code).send({ statusCode: code, error: code === 400 ? 'Bad Request' : 'Not Found', message });

export function registerAdminNurseRoutes(app: FastifyInstance, deps: HttpDeps, tc: TeleconsultDeps, nurses: Nurses): void {
  const store = deps.store;
  const config = { access: 'specialist', permission: 'accounts.manage' } as const;

  /** The same rule as the accounts' administration (admin-accounts.ts): an account all of whose sites are the administrator's. */
  const manages = (admin: Specialist, a: AccountRecord): boolean => {
    const c = tc.directory.config(admin.id);
    if (!c) return false;
    if (c.gateways.includes('*')) return true;
    return a.gateways.length === 0 && a.sites.length > 0 && a.sites.every((s) => c.sites.includes(s));
  };
  const isNurse = (a: AccountRecord) => NURSE_ROLES.has(a.role);

  app.get(
    '/api/admin/nurse-credentials',
    { schema: { response: { 200: Type.Object({ nurses: Type.Array(NurseView) }, { additionalProperties: false }) } }, config },
    async (req, reply) => {
      const admin = currentSpecialist(req);
      const ids = (await store.listAccounts()).filter((a) => isNurse(a) && manages(admin, a)).map((a) => a.id);
      return reply.header('cache-control', 'no-store').send({ nurses: await nurses.credentials(ids) });
    },
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof Body> }>(
    '/api/admin/accounts/:id/nurse-credentials',
    {
      schema: {
        params: IdParams,
        body: Body,
        response: { 200: Type.Object({ nurse: NurseView }, { additionalProperties: false }), '4xx': ErrorReply },
      },
      config,
    },
    async (req, reply) => {
      const admin = currentSpecialist(req);
      const a = await store.getAccount(req.params.id);
      // Another site's account, or one that is not a nurse's, answers as an unknown nurse.
      if (!a || !isNurse(a) || !manages(admin, a)) return fail(reply, 404, `no nurse account ${req.params.id} among those you manage`);
      const b = req.body;
      try {
        await nurses.setCredentials(a.id, b);
      } catch (e) {
        if (e instanceof NurseCredentialsError) return fail(reply, 400, `${a.id}: ${e.message}`);
        throw e;
      }
      const what = [
        ...(b.pin !== undefined ? [b.pin === null ? 'PIN removed' : 'PIN set'] : []),
        ...(b.badgeUid !== undefined ? [b.badgeUid === null ? 'badge removed' : 'badge set'] : []),
      ];
      tc.relay.recordAudit({ actor: admin.id, actorRole: admin.role, action: 'nurse-credentials', detail: `${a.id}: ${what.join(', ')}` });
      const [view] = await nurses.credentials([a.id]);
      if (!view) return fail(reply, 404, `no nurse account ${a.id}`);
      return reply.header('cache-control', 'no-store').send({ nurse: view });
    },
  );
}
