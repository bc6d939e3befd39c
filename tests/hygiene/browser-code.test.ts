/**
 * The pages' browser code (the browser folder of each page, ui/src/browser/) puts untrusted text
 * in the page with textContent and attributes only, and never evaluates strings: no innerHTML and kin,
 * no document.write, no eval or Function constructor. The CSP would block eval; this keeps the
 * HTML-injection door shut too.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, ROOT, workspaces } from './workspace-files.js';

const FORBIDDEN = /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\s*\(|new\s+Function\s*\()/;

function browserFiles(): string[] {
  return workspaces.flatMap((ws) =>
    filesUnder(ws, /\.ts$/).filter(
      (f) => (/\/src\/pages\/[^/]+\/browser\//.test(f) || f.startsWith('ui/src/browser/')) && !f.endsWith('.test.ts'),
    ),
  );
}

describe('browser code', () => {
  it('exists (the pages are bundled from TypeScript modules)', () => {
    expect(browserFiles().length).toBeGreaterThan(0);
  });

  it('never writes HTML from strings nor evaluates them', () => {
    const offenders = browserFiles().flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        // Comments may name what is forbidden; line numbers stay right.
        .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
        .split('\n')
        .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
        .filter(({ line }) => FORBIDDEN.test(line.replace(/\/\/.*$/, ''))),
    );
    expect(offenders).toEqual([]);
  });

  it('is the only way pages are written: no HTML markup in a .ts string outside page components (.tsx)', () => {
    // Markup in a template string is what the pages were before (hand-escaped, untyped); comments may name a tag.
    const MARKUP = /<(!doctype html|html|head|body|script|style|table|tbody|div|form|section|main|button|input|label)[\s>]/i;
    const files = workspaces
      .flatMap((ws) => filesUnder(ws, /\.ts$/))
      .filter((f) => /\/src\//.test(f) && !/\.test\.ts$|\/testing\//.test(f));
    const offenders = files.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
        .split('\n')
        .map((line, i) => ({ at: `${f}:${i + 1}`, line: line.replace(/\/\/.*$/, '') }))
        .filter(({ line }) => MARKUP.test(line))
        .map(({ at }) => at),
    );
    expect(offenders).toEqual([]);
  });
});
