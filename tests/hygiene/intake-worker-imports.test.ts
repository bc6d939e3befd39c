/**
 * The SQLite intake worker (cloud/src/store/sqlite-intake-worker.ts) loads its modules in a new isolate at
 * each start, and the first round after a worker's death waits for that start (docs/testing.md, sixth
 * round). Its built module graph keeps to what a round needs: better-sqlite3, Kysely for the alert
 * upsert, and the store's own modules — not the protocol's schemas (row-decoder.ts compiles them when
 * loaded) nor TypeBox (the outbox's payloads), which made most of its start's CPU.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './workspace-files.js';

const WORKER = join(ROOT, 'cloud/dist/store/sqlite-intake-worker.js');
/** Runtime imports of a built file: tsc erases the type-only ones. */
const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g;

/** Every built file the worker reaches, and the packages they import. */
function graph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      if (spec.startsWith('.')) walk(join(dirname(file), spec));
      else
        packages.add(
          spec.startsWith('node:')
            ? 'node:'
            : spec
                .split('/')
                .slice(0, spec.startsWith('@') ? 2 : 1)
                .join('/'),
        );
    }
  };
  walk(entry);
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

describe('the SQLite intake worker’s imports', () => {
  it('are better-sqlite3, Kysely and the store’s own modules', () => {
    // npm test builds first (tsc -b); a missing dist/ is a setup error, not a pass.
    expect(existsSync(WORKER), 'cloud/dist is missing: run `npx tsc -b`').toBe(true);
    const g = graph(WORKER);
    expect(g.packages).toEqual(['better-sqlite3', 'kysely', 'node:']);
    expect(g.files.filter((f) => !f.startsWith('cloud/dist/store/'))).toEqual([]);
    expect(g.files).not.toContain('cloud/dist/store/row-decoder.js');
    expect(g.files).not.toContain('cloud/dist/store/outbox-tables.js');
  });
});
