/**
 * The repository explains itself: every relative link in its Markdown (and every `#anchor` into a
 * Markdown file) resolves, every `docs/<name>.md` a comment or a doc cites exists, and nothing
 * points at documents kept outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  anchorsOf,
  type BrokenLink,
  brokenReason,
  docMentions,
  extractLinks,
  githubSlug,
  namedPaths,
  type RepoView,
} from './markdown-links.js';

const root = new URL('../../', import.meta.url).pathname;
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((p) => p !== '' && existsSync(join(root, p)));
const markdownFiles = tracked.filter((p) => p.endsWith('.md'));
/** Text files worth scanning for citations (lock files and data are not prose). */
const textFiles = tracked.filter(
  (p) => /\.(md|ts|mts|mjs|js|json|ya?ml|sh|rules|service|conf|html|css)$/.test(p) && !p.endsWith('package-lock.json'),
);

const repo: RepoView = {
  exists: (p) => p === '' || existsSync(join(root, p)),
  markdown: (p) => (existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : null),
};

const show = (b: BrokenLink[]) => b.map((x) => `${x.from}:${x.line} → ${x.target}: ${x.why}`).join('\n');

describe('the link checker itself', () => {
  it('slugs headings the way GitHub does', () => {
    expect(githubSlug('`patients` (gateway)')).toBe('patients-gateway');
    expect(githubSlug('Consent (Code de la santé publique R.6316-2)')).toBe('consent-code-de-la-santé-publique-r6316-2');
    expect(githubSlug('Contract 1: observations are born with an identity')).toBe('contract-1-observations-are-born-with-an-identity');
    expect(githubSlug('Where each concern lives')).toBe('where-each-concern-lives');
    expect(githubSlug('`snake_case` and *emphasis*')).toBe('snake_case-and-emphasis');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### B <a name="x"></a>\n')]).toEqual(['a', 'a-1', 'b', 'x']);
  });

  it('finds broken links and anchors, and leaves external links and code alone', () => {
    const files: Record<string, string> = { 'docs/a.md': '# Title\n## Part two\n', 'README.md': '' };
    const view: RepoView = {
      exists: (p) => p === '' || p === 'docs' || p in files,
      markdown: (p) => files[p] ?? null,
    };
    const text = [
      '[ok](a.md) [ok](a.md#part-two) [ok](#title) [ok](../README.md) [ok](/docs/a.md) [ok](https://example.org/x.md)',
      '[bad file](b.md) [bad anchor](a.md#part-three) [outside](../../elsewhere/x.md) `[code](nope.md)`',
      '```',
      '[fenced](nope.md)',
      '```',
      '[ref]: missing.md "title"',
    ].join('\n');
    const broken = extractLinks('docs/a.md', `# Title\n${text}`)
      .map((l) => ({ ...l, why: brokenReason(l, view) }))
      .filter((l) => l.why !== null)
      .map((l) => l.target);
    expect(broken).toEqual(['b.md', 'a.md#part-three', '../../elsewhere/x.md', 'missing.md']);
  });

  it('reads repository paths named in code spans, placeholders and globs as their directory', () => {
    const named = namedPaths(
      'docs/x.md',
      '`gateway/src/a.ts`, `cloud/src/routes/<name>.ts`, `tests/e2e/ble-*.test.ts`, `sync.*`, `/dev/ttyUSB0`',
    );
    expect(named.map((l) => l.target)).toEqual(['/gateway/src/a.ts', '/cloud/src/routes/', '/tests/e2e/']);
  });

  it('reads docs/… mentions in code as paths from the root', () => {
    const mentions = docMentions('x.ts', ` * see ${'docs'}/codes.md#lanes, not gateway/${'docs'}/x.md`);
    expect(mentions.map((m) => m.target)).toEqual(['/docs/codes.md#lanes']);
  });
});

describe('the repository explains itself', () => {
  it('finds the tracked Markdown files', () => {
    expect(markdownFiles).toContain('README.md');
    expect(markdownFiles).toContain('docs/architecture.md');
    expect(markdownFiles).toContain('docs/codes.md');
  });

  it('every relative link and anchor in tracked Markdown resolves', () => {
    const broken: BrokenLink[] = [];
    for (const file of markdownFiles) {
      for (const link of extractLinks(file, readFileSync(join(root, file), 'utf8'))) {
        const why = brokenReason(link, repo);
        if (why !== null) broken.push({ ...link, why });
      }
    }
    expect(show(broken)).toBe('');
  });

  it('every docs/<name>.md cited in code, schemas or docs exists (with its anchor)', () => {
    const broken: BrokenLink[] = [];
    // This directory's own fixtures name files that do not exist, on purpose.
    for (const file of textFiles.filter((f) => !f.startsWith('tests/docs/'))) {
      for (const link of docMentions(file, readFileSync(join(root, file), 'utf8'))) {
        const why = brokenReason(link, repo);
        if (why !== null) broken.push({ ...link, why });
      }
    }
    expect(show(broken)).toBe('');
  });

  it('every repository path the architecture and codes pages name exists (the map stays true as code moves)', () => {
    const broken: BrokenLink[] = [];
    for (const file of ['docs/architecture.md', 'docs/codes.md']) {
      const links = namedPaths(file, readFileSync(join(root, file), 'utf8'));
      expect(links.length).toBeGreaterThan(10);
      for (const link of links) {
        const why = brokenReason(link, repo);
        if (why !== null) broken.push({ ...link, why });
      }
    }
    expect(show(broken)).toBe('');
  });

  it('every "contract N" cited names docs/architecture.md, where contract N is stated', () => {
    const stated = new Set([...(repo.markdown('docs/architecture.md') ?? '').matchAll(/^#{2,4} Contract (\d+)\b/gm)].map((m) => m[1]));
    const missing: string[] = [];
    for (const file of textFiles.filter((f) => !f.startsWith('tests/docs/'))) {
      const text = readFileSync(join(root, file), 'utf8');
      const cited = [...new Set([...text.matchAll(/\b[Cc]ontracts? (\d+)\b/g)].map((m) => m[1] ?? ''))];
      if (cited.length === 0 || file === 'docs/architecture.md') continue;
      if (!/architecture\.md/.test(text)) missing.push(`${file}: cites contract ${cited.join(', ')} without naming docs/architecture.md`);
      for (const n of cited) if (!stated.has(n)) missing.push(`${file}: contract ${n} is not stated in docs/architecture.md`);
    }
    expect(missing.join('\n')).toBe('');
  });

  it('no tracked file points at documents kept outside the repository', () => {
    // Built from parts so that this file does not match itself.
    const outside = [['..', 'shared'].join('/'), ['device', 'protocols.md'].join('-'), ['device', 'protocols §'].join('-')];
    const hits: string[] = [];
    for (const file of textFiles) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const needle of outside) if (line.includes(needle)) hits.push(`${file}:${i + 1}: ${needle}`);
        });
    }
    expect(hits.join('\n')).toBe('');
  });
});
