/**
 * The CSP source expression that allows one inline script or stylesheet: 'sha256-<base64>'. Pages
 * ask for it on every response; the sources are the few built bundles and stylesheets, so each is
 * hashed once.
 */
import { createHash } from 'node:crypto';

const known = new Map<string, string>();

export function cspHash(source: string): string {
  let h = known.get(source);
  if (h === undefined) {
    h = `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
    // Bounded: page sources are a handful; anything else is hashed without being kept.
    if (known.size < 64) known.set(source, h);
  }
  return h;
}
