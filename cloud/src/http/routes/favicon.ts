/**
 * GET /favicon.svg (and /favicon.ico, what a browser asks for when a page names no icon): the
 * cloud pages' icon, a small SVG made here (no binary in the repository). Every page links it
 * (FAVICON_LINK) and its CSP allows images from 'self' (csp.ts): no 404 and no CSP refusal in the
 * browser's console.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

/** A white cross on the dashboard's blue. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5394"/>' +
  '<path d="M13 6h6v7h7v6h-7v7h-6v-7H6v-6h7z" fill="#fff"/></svg>';

/** Where every cloud page's <link rel="icon"> points. */
export const FAVICON_HREF = '/favicon.svg';

/** The <link> of the pages still written as template strings. */
export const FAVICON_LINK = `<link rel="icon" href="${FAVICON_HREF}" type="image/svg+xml">`;

const NoQuery = Type.Object({}, { additionalProperties: false });

export function registerFaviconRoutes(app: FastifyInstance): void {
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    app.get<{ Querystring: Static<typeof NoQuery> }>(
      path,
      { schema: { querystring: NoQuery }, config: { access: 'public' } },
      async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
    );
  }
}
