/**
 * The e2e project keeps its imports from file to file (isolate: false). A file that mocks a module
 * would see the module another file already imported, so it must be listed in FRESH_PROCESS
 * (vitest.config.ts), which runs it in a process of its own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRESH_PROCESS } from '../../vitest.config.js';
import { filesUnder, ROOT } from './workspace-files.js';

const MOCKS_MODULES = /\bvi\.(?:mock|doMock|hoisted)\(/;

describe('the e2e-fresh project', () => {
  it('lists every end-to-end test that mocks a module', () => {
    const e2e = [
      ...filesUnder('tests', /\.test\.ts$/, new Set(['node_modules'])),
      ...['cloud', 'gateway', 'cli', 'devices', 'protocol', 'firmware-sim', 'ui'].flatMap((w) =>
        filesUnder(w, /\.(?:e2e|browser)\.test\.ts$/, new Set(['node_modules', 'dist'])),
      ),
    ];
    const mocking = e2e.filter((f) => MOCKS_MODULES.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(mocking.length).toBeGreaterThan(0);
    expect(mocking.filter((f) => !FRESH_PROCESS.includes(f))).toEqual([]);
  });
});
