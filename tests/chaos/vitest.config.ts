/** `npm run chaos`: the long fault-injection run, on the repo's vitest setup (aliases, forks). */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// Not the unit/e2e projects of the base config: this run is its own single project.
const { projects: _projects, ...baseTest } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    ...baseTest,
    include: ['tests/chaos/full-run.chaos.ts', 'tests/cluster/cluster-run.chaos.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    // The table and the per-trial lines go straight to the terminal.
    silent: false,
  },
});
