/**
 * Closed by default: one root hook decides who may call each route of the cloud's HTTP app, from
 * the route's `config.access`; a route that says nothing needs a signed-in reader. A new route is
 * therefore closed unless its author opens it on purpose (docs/security.md, "Who reads patient data").
 *
 *   'reader' (default)  a signed-in clinician (or anyone in the 'open' data-access mode), else 401
 *   'page'              the same reader, else a redirect to /login (HTML pages)
 *   'specialist'        a specialist account whatever the data-access mode (teleconsultation, audit), else 401
 *   'public'            anyone: health, metrics, the login page and its API, static assets
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { requireSpecialist } from '../routes/specialist-auth.js';
import type { DataAccess } from './data-access.js';

export const ROUTE_ACCESS = ['reader', 'page', 'specialist', 'public'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (see http/access/route-access.ts); default 'reader'. */
    access?: RouteAccess;
  }
}

export interface RouteAccessEntry {
  method: string;
  url: string;
  access: RouteAccess;
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
    const responseSchemas = Object.keys((route.schema?.response as Record<string, unknown> | undefined) ?? {});
    for (const method of [route.method].flat()) table.push({ method, url: route.url, access: a as RouteAccess, responseSchemas });
  });

  const specialist = tc ? requireSpecialist(tc) : undefined;
  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    // Unknown URLs answer 404 as before, login or not.
    if (req.is404) return;
    switch (req.routeOptions.config.access ?? 'reader') {
      case 'public':
        return;
      case 'page':
        return access.requirePage(req, reply);
      case 'specialist':
        if (specialist) return specialist(req, reply);
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'no specialist accounts are configured' });
      default:
        return access.requireApi(req, reply);
    }
  };
  // onRequest, before parsing and validation: nothing about a closed route is answered to a stranger
  // but 401 (the login cookie is parsed by @fastify/cookie's own onRequest hook, registered before this one).
  // A WebSocket upgrade is checked at preValidation instead: @fastify/websocket marks the request in
  // its own (scoped, later) onRequest hook and only then closes the socket of a refused upgrade.
  app.addHook('onRequest', async (req, reply) => (req.headers.upgrade === undefined ? guard(req, reply) : undefined));
  app.addHook('preValidation', async (req, reply) => (req.headers.upgrade === undefined ? undefined : guard(req, reply)));
}
