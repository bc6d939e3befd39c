/**
 * The browser code of a page is TypeScript in `<workspace>/src/pages/<page>/browser/`, bundled at
 * build time (scripts/build-pages.mjs, esbuild) to `<workspace>/dist/pages/<page>/browser.js`. A
 * page's server module finds its bundle from its own URL, in src/ (tests run the sources) or dist/.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cspHash } from '../html/csp-hash.js';

export interface PageBundle {
  /** The bundle's JavaScript. */
  source: string;
  /** CSP source expression of the bundle: 'sha256-…'. */
  cspHash: string;
  /** SHA-256, base64url: an ETag, or the version of an immutable URL. */
  sha256: string;
  bytes: number;
}

const cache = new Map<string, PageBundle>();

/** The path of the bundle built for the page module at `pageModuleUrl` (its import.meta.url). */
export function pageBundlePath(pageModuleUrl: string): string {
  const dir = dirname(fileURLToPath(pageModuleUrl));
  const marker = `${sep}src${sep}pages${sep}`;
  const at = dir.lastIndexOf(marker);
  const built = at >= 0 ? `${dir.slice(0, at)}${sep}dist${sep}pages${sep}${dir.slice(at + marker.length)}` : dir;
  return join(built, 'browser.js');
}

export function loadPageBundle(pageModuleUrl: string): PageBundle {
  const path = pageBundlePath(pageModuleUrl);
  const hit = cache.get(path);
  if (hit) return hit;
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`page bundle ${path} cannot be read (${(e as Error).message}): run npm run build`);
  }
  const digest = createHash('sha256').update(source, 'utf8').digest();
  const bundle: PageBundle = {
    source,
    cspHash: cspHash(source),
    sha256: digest.toString('base64url'),
    bytes: Buffer.byteLength(source, 'utf8'),
  };
  cache.set(path, bundle);
  return bundle;
}
