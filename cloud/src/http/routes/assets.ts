/**
 * GET /assets/uplot.iife.min.js and /assets/uplot.min.css: the chart library of the trends page,
 * served byte for byte from the installed npm package (no CDN: hospital networks are often cut off
 * from the Internet). Pages link them with `?v=<content hash>`: such a URL is cached for a year as
 * immutable; without it (or with an old hash) the browser revalidates with the ETag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export interface StaticAsset {
  /** The route, e.g. '/assets/uplot.min.css'. */
  path: string;
  body: Buffer;
  contentType: string;
  /** First 16 hex digits of the SHA-256: the `v` of an immutable URL. */
  version: string;
  etag: string;
  /** Subresource Integrity value (sha384). */
  integrity: string;
}

const require = createRequire(import.meta.url);

function load(path: string, file: string, contentType: string): StaticAsset {
  const body = readFileSync(require.resolve(file));
  const sha256 = createHash('sha256').update(body).digest();
  return {
    path,
    body,
    contentType,
    version: sha256.subarray(0, 8).toString('hex'),
    etag: `"${sha256.toString('base64url')}"`,
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
  };
}

let cached: { js: StaticAsset; css: StaticAsset } | undefined;

/** uPlot's browser build and stylesheet, read once from node_modules. */
export function uplotAssets(): { js: StaticAsset; css: StaticAsset } {
  cached ??= {
    js: load('/assets/uplot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'),
    css: load('/assets/uplot.min.css', 'uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'),
  };
  return cached;
}

/** The URL a page links: relative to a page one level down (/patients/:id), with the content hash. */
export function assetHref(a: StaticAsset, fromDepth = 1): string {
  return `${'../'.repeat(fromDepth)}${a.path.slice(1)}?v=${a.version}`;
}

const AssetQuery = Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });

export function registerAssetRoutes(app: FastifyInstance): void {
  const { js, css } = uplotAssets();
  for (const a of [js, css]) {
    app.get<{ Querystring: Static<typeof AssetQuery> }>(
      a.path,
      { schema: { querystring: AssetQuery }, config: { access: 'public' } },
      async (req, reply) => {
        void reply
          .header('etag', a.etag)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', req.query.v === a.version ? 'public, max-age=31536000, immutable' : 'public, no-cache');
        if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(a.etag)) return reply.code(304).send();
        return reply.type(a.contentType).send(a.body);
      },
    );
  }
}
