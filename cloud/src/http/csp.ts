/**
 * Content-Security-Policy of the cloud's pages: nothing runs or loads unless named. Inline script
 * and style are allowed by their SHA-256 (so no 'unsafe-inline'), connections go to this origin
 * only, and no page can be framed. Each page adds only what it needs (e.g. 'self' for the chart
 * library served from /assets, media from WebRTC streams).
 */
import { cspHash } from '@telecart/ui';

export { cspHash };

export interface PagePolicy {
  /** Inline scripts of the page, allowed by hash. */
  scripts: readonly string[];
  /** Inline styles of the page, allowed by hash. */
  styles: readonly string[];
  /** Also allow scripts and styles from this origin ('self'). */
  selfAssets?: boolean;
  /** Extra directives, e.g. "media-src 'self' blob: mediastream:". */
  extra?: readonly string[];
  /** Where the page's forms may post ('none' unless given: most pages send through their script). */
  formAction?: "'self'";
}

export function pageCsp(p: PagePolicy): string {
  // An empty list says 'none' (a page without script), rather than a directive with nothing after it.
  const sources = (inline: readonly string[]) => [...(p.selfAssets ? ["'self'"] : []), ...inline.map(cspHash)].join(' ') || "'none'";
  return [
    "default-src 'none'",
    `script-src ${sources(p.scripts)}`,
    `style-src ${sources(p.styles)}`,
    "connect-src 'self'",
    // The page icon (/favicon.svg); nothing else of a page is an image from elsewhere.
    "img-src 'self'",
    ...(p.extra ?? []),
    "base-uri 'none'",
    `form-action ${p.formAction ?? "'none'"}`,
    "frame-ancestors 'none'",
  ].join('; ');
}
