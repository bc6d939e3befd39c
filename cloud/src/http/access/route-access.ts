/**
 * Closed by default: one root hook decides who may call each route of the cloud's HTTP app, from
 * the route's `config.access`; a route that says nothing needs a signed-in reader. A new route is
 * therefore closed unless its author opens it on purpose (docs/security.md, "Who reads patient data").
 *
 *   'reader' (default)  a signed-in clinician (or anyone in the 'open' data-access mode), else 401
 *   'page'              the same reader, else a redirect to /login (HTML pages)
 *   'specialist'        a specialist account whatever the data-access mode (teleconsultation, audit), else 401
 *   'public'            anyone: health, metrics, the login page and its API, static assets
 *
 * Then, for a signed-in account, the route's `config.permission` (auth/permissions.ts): the account's
 * role must carry it, else 403 (and an audit line when the permission guards patient data). A
 * non-public route that names no permission answers 403 to everyone: closed by default here too.
 * 'own-account' is for the few routes about the caller's own login (who am I, sign out everywhere).
 * In the 'open' data-access mode the anonymous reader is not checked (no account, no role).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPermission, PATIENT_DATA_PERMISSIONS, type Permission, type Role } from '../../auth/permissions.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { LOGIN_COOKIE } from '../../teleconsult/logins.js';
import type { HttpDeps } from '../deps.js';
import { requireSpecialist, specialistOnRequest } from '../routes/specialist-auth.js';
import { type DataAccess, readerOnRequest } from './data-access.js';

export const ROUTE_ACCESS = ['reader', 'page', 'specialist', 'public'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];
/** A permission of the role table, or 'own-account' (any signed-in account, for its own login only). */
export type RoutePermission = Permission | 'own-account';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (see http/access/route-access.ts); default 'reader'. */
    access?: RouteAccess;
    /** What the signed-in account's role must allow (auth/permissions.ts); required unless access is 'public'. */
    permission?: RoutePermission;
  }
}

export interface RouteAccessEntry {
  method: string;
  url: string;
  access: RouteAccess;
  /** Undefined on public routes (and on a route someone forgot: refused to everyone). */
  permission: RoutePermission | undefined;
  /** The status codes (or ranges, '2xx') the route declares a response schema for. */
  responseSchemas: string[];
}

const tables = new WeakMap<FastifyInstance, RouteAccessEntry[]>();

/** Every route of an app built with closedByDefault and who may call it, in registration order. */
export function routeAccessTable(app: FastifyInstance): readonly RouteAccessEntry[] {
  const t = tables.get(app);
  if (!t) throw new Error('routeAccessTable: this app was not built with closedByDefault');
  return t;
}

/** Installs the access hooks on the root app; call before any route is registered. */
export function closedByDefault(app: FastifyInstance, access: DataAccess, tc: HttpDeps['teleconsult']): void {
  const table: RouteAccessEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    const a: unknown = route.config?.access ?? 'reader';
    // A typo must not leave a route open or closed by accident: refuse it at start.
    if (!ROUTE_ACCESS.includes(a as RouteAccess))
      throw new Error(`route ${route.url}: config.access ${JSON.stringify(a)} is not one of ${ROUTE_ACCESS.join(', ')}`);
    const p: unknown = route.config?.permission;
    if (p !== undefined && p !== 'own-account' && !isPermission(p))
      throw new Error(`route ${route.url}: config.permission ${JSON.stringify(p)} is not a permission of auth/permissions.ts`);
    const permission = p as RoutePermission | undefined;
    const responseSchemas = Object.keys((route.schema?.response as Record<string, unknown> | undefined) ?? {});
    for (const method of [route.method].flat())
      table.push({ method, url: route.url, access: a as RouteAccess, permission, responseSchemas });
  });

  const specialist = tc ? requireSpecialist(tc) : undefined;
  const signedIn = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    switch (req.routeOptions.config.access ?? 'reader') {
      case 'page':
        return access.requirePage(req, reply);
      case 'specialist':
        if (specialist) return specialist(req, reply);
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'no specialist accounts are configured' });
      default:
        return access.requireApi(req, reply);
    }
  };
  const syncLogin = async (req: FastifyRequest): Promise<void> => {
    try {
      await tc?.syncLogin?.(req.cookies[LOGIN_COOKIE]);
    } catch (e) {
      // The store unreachable: this instance's memory answers, as before several instances.
      req.log.warn({ err: e }, 'access: the login could not be checked against the store');
    }
  };
  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    // Unknown URLs answer 404 as before, login or not.
    if (req.is404) return;
    if (req.routeOptions.config.access === 'public') return;
    // Several cloud instances share the store: the login and its account as the store has them now.
    await syncLogin(req);
    await signedIn(req, reply);
    if (reply.sent) return;
    const who = specialistOnRequest(req) ?? readerOnRequest(req);
    // The open mode's anonymous reader: no account, nothing to check.
    if (!who || who.role === 'anonymous') return;
    const needed = req.routeOptions.config.permission;
    if (needed === 'own-account') return;
    if (needed !== undefined && who.permissions.has(needed)) return;
    return refuse(req, reply, { id: who.id, role: who.role }, needed);
  };
  const refuse = async (req: FastifyRequest, reply: FastifyReply, who: { id: string; role: Role }, needed: Permission | undefined) => {
    const path = req.url.split('?')[0] ?? req.url;
    const message =
      needed === undefined
        ? `${req.method} ${path} declares no permission: refused to every account (closed by default)`
        : `the role ${who.role} does not have the permission ${needed} (docs/roles.md)`;
    // A refused attempt on patient data is part of the trail (who tried what), like a refused audit read.
    if (tc && (needed === undefined || PATIENT_DATA_PERMISSIONS.has(needed)))
      tc.relay.recordAudit({
        actor: who.id,
        actorRole: who.role,
        action: needed === 'audit.read' ? 'audit-refused' : 'access-refused',
        detail: `${req.method} ${path}: ${message}`.slice(0, 512),
      });
    void reply.code(403).header('cache-control', 'no-store');
    if (req.url.startsWith('/fhir/')) return reply.type(FHIR_JSON).send(operationOutcome('forbidden', message));
    return reply.send({ statusCode: 403, error: 'Forbidden', message, ...(needed !== undefined ? { permission: needed } : {}) });
  };
  // onRequest, before parsing and validation: nothing about a closed route is answered to a stranger
  // but 401 (the login cookie is parsed by @fastify/cookie's own onRequest hook, registered before this one).
  // A WebSocket upgrade is checked at preValidation instead: @fastify/websocket marks the request in
  // its own (scoped, later) onRequest hook and only then closes the socket of a refused upgrade.
  app.addHook('onRequest', async (req, reply) => (req.headers.upgrade === undefined ? guard(req, reply) : undefined));
  app.addHook('preValidation', async (req, reply) => (req.headers.upgrade === undefined ? undefined : guard(req, reply)));
}
