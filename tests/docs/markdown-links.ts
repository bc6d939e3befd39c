/**
 * What "every citation in the repository resolves" means, as pure functions over file texts, so
 * the test can run them on the tracked tree and on small made-up cases alike.
 *
 * - Markdown links: inline `[text](target)`, images, and reference definitions `[id]: target`,
 *   outside fenced code blocks and code spans. A relative target must name a file or directory
 *   of the repository; a `#anchor` into a Markdown file must name one of its headings, by the
 *   slug GitHub gives it (or an explicit `<a name>` / `id`).
 * - Mentions of `docs/<name>.md` in any tracked text (code comments, schema descriptions, docs)
 *   are paths from the repository root and must exist too.
 */
import { posix } from 'node:path';

export interface Link {
  /** Repository path of the Markdown file the link is in. */
  from: string;
  line: number;
  target: string;
}

export interface BrokenLink extends Link {
  why: string;
}

/** The lines of a Markdown text with fenced code blocks blanked out (line numbers kept). */
function proseLines(text: string): string[] {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines.map((line) => {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null && m?.[1]) {
      fence = m[1];
      return '';
    }
    if (fence !== null) {
      if (m?.[1] && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1]) fence = null;
      return '';
    }
    return line;
  });
}

/** A line without its code spans (`…`), which are not links. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(?:(?!\1).)+?\1/g, (s) => ' '.repeat(s.length));
}

/** A link destination as written: `<…>` unwrapped, an optional "title" dropped. */
function destination(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('<')) return t.slice(1, t.indexOf('>') > 0 ? t.indexOf('>') : undefined);
  return t.split(/\s+/)[0] ?? '';
}

/** Every link of a Markdown file (inline, image, reference definition). */
export function extractLinks(from: string, text: string): Link[] {
  const links: Link[] = [];
  proseLines(text).forEach((raw, i) => {
    const line = withoutCodeSpans(raw);
    // [text](dest) and ![alt](dest); the text may hold one level of brackets ([`x`][y] is rare here).
    for (const m of line.matchAll(/!?\[(?:[^\][]|\[[^\]]*\])*\]\(([^()\s]*(?:\([^()]*\))?[^()]*?)\)/g)) {
      links.push({ from, line: i + 1, target: destination(m[1] ?? '') });
    }
    const def = /^ {0,3}\[[^\]]+\]:\s+(\S+)/.exec(line);
    if (def?.[1]) links.push({ from, line: i + 1, target: destination(def[1]) });
  });
  return links;
}

/** True for targets that leave the repository: a URL scheme (https:, mailto:…) or //host. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/** The heading text as GitHub renders it, before slugging: links, code marks, emphasis and tags gone. */
function headingText(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\*+/g, '')
    .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '');
}

/** GitHub's anchor for a heading text (github-slugger): lower case, punctuation dropped, spaces → '-'. */
export function githubSlug(heading: string): string {
  return headingText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats get -1, -2…) and explicit names/ids. */
export function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const h = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+\s*)?$/.exec(line);
    if (h) {
      const base = githubSlug(h[1] ?? '');
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s[^>]*(?:name|id)="([^"]+)"/g)) if (m[1]) out.add(m[1]);
  }
  return out;
}

export interface RepoView {
  /** Is there a file or directory at this repository path ('' = the root)? */
  exists(path: string): boolean;
  /** Text of a Markdown file of the repository, or null. */
  markdown(path: string): string | null;
}

function checkTarget(repoPath: string, anchor: string | undefined, repo: RepoView): string | null {
  if (repoPath.startsWith('../') || repoPath === '..') return 'points outside the repository';
  if (!repo.exists(repoPath)) return `no such file or directory: ${repoPath}`;
  if (anchor === undefined || anchor === '' || !repoPath.endsWith('.md')) return null;
  const text = repo.markdown(repoPath);
  if (text === null) return `cannot read ${repoPath}`;
  return anchorsOf(text).has(anchor.toLowerCase()) ? null : `no heading with anchor #${anchor} in ${repoPath}`;
}

/** Why a Markdown link does not resolve, or null when it does (external links are not checked). */
export function brokenReason(link: Link, repo: RepoView): string | null {
  const t = link.target;
  if (t === '' || isExternal(t)) return null;
  const hash = t.indexOf('#');
  const pathPart = decodeURIComponent(hash < 0 ? t : t.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(t.slice(hash + 1));
  const repoPath =
    pathPart === ''
      ? link.from
      : pathPart.startsWith('/')
        ? posix.normalize(pathPart.slice(1)) || ''
        : posix.normalize(posix.join(posix.dirname(link.from), pathPart));
  return checkTarget(repoPath.replace(/\/$/, ''), anchor, repo);
}

/** Mentions of `docs/<name>.md[#anchor]` in any text, as links from the repository root. */
export function docMentions(from: string, text: string): Link[] {
  const out: Link[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/(?<![\w./-])docs\/[A-Za-z0-9_.-]+\.md(?:#[\p{L}\p{N}_-]+)?/gu)) {
      out.push({ from, line: i + 1, target: `/${m[0]}` });
    }
  });
  return out;
}

const TOP_LEVEL = /^(?:protocol|devices|gateway|cloud|firmware-sim|cli|tests|bench|configs|systemd|docs|scripts)\//;

/**
 * Repository paths a map page names in code spans (`gateway/src/sync/sync-client.ts`), as links from
 * the root. A placeholder (`cloud/src/http/routes/<name>.ts`) or a glob (`tests/e2e/ble-racp*.test.ts`)
 * stands for its directory, which must exist.
 */
export function namedPaths(from: string, text: string): Link[] {
  const out: Link[] = [];
  proseLines(text).forEach((line, i) => {
    for (const m of line.matchAll(/`([^`\s]+)`/g)) {
      const p = m[1] ?? '';
      if (!TOP_LEVEL.test(p)) continue;
      const wild = p.search(/[<*]/);
      const path = wild < 0 ? p : p.slice(0, p.lastIndexOf('/', wild) + 1);
      out.push({ from, line: i + 1, target: `/${path}` });
    }
  });
  return out;
}
