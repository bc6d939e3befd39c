/**
 * The built packages are what runs in production: none of their files may import vitest, and no
 * package exports a test helper. Test-only modules that import vitest (the shared store suites) are
 * excluded from the build; the `testing/` helpers are reachable from tests and bench only by path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, ROOT, readPackage, workspaces } from './workspace-files.js';

const VITEST_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]vitest(?:\/[^'"]*)?['"]/;

describe('built packages', () => {
  it.each(workspaces)('%s/dist imports no vitest', (ws) => {
    // npm test builds first (tsc -b); a missing dist/ is a setup error, not a pass.
    expect(existsSync(join(ROOT, ws, 'dist')), `${ws}/dist is missing: run \`npx tsc -b\``).toBe(true);
    const offenders = filesUnder(join(ws, 'dist'), /\.(?:m|c)?js$|\.d\.(?:m|c)?ts$/, new Set(['node_modules'])).filter((f) =>
      VITEST_IMPORT.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    // A stale output of a file since excluded from the build also shows here: `npm run clean` then build.
    expect(offenders, 'built files importing vitest (test-only code compiled into the package)').toEqual([]);
  });

  it.each(workspaces)('%s exports no test helper', (ws) => {
    const exported = JSON.stringify(readPackage(ws).exports ?? {});
    expect(exported).not.toMatch(/testing|\.test\./);
    const index = join(ROOT, ws, 'src', 'index.ts');
    if (existsSync(index)) expect(readFileSync(index, 'utf8')).not.toMatch(/from\s+['"]\.\/(?:.*\/)?testing\//);
  });
});
