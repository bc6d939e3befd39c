/**
 * `npm run test:lab`: tests kept out of the suite because they do not pass reliably yet on a shared
 * 2-core machine; each says why in its header and in docs. Same aliases and pool as the suite.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

const { projects: _projects, ...baseTest } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    ...baseTest,
    include: ['tests/**/*.lab.ts'],
    // Empty when every lab test has earned its place in the suite.
    passWithNoTests: true,
    maxWorkers: 1,
    testTimeout: 10 * 60_000,
    silent: false,
  },
});
