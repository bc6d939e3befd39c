import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (ws: string) => fileURLToPath(new URL(`./${ws}/src/index.ts`, import.meta.url));

/**
 * Two projects. `unit`: the workspaces' in-process tests (`npm run test:unit`, under a minute).
 * `e2e`: everything under tests/, and the workspaces' tests named `*.e2e.test.ts` (they spawn
 * processes: PostgreSQL, Mosquitto, dbus-daemon, the built CLI) or `*.browser.test.ts` (Chromium).
 */
const OUT_OF_PROCESS = ['*/src/**/*.e2e.test.ts', '*/src/**/*.browser.test.ts'];

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; spawned processes run the built dist/ (npm test builds first).
    alias: {
      '@telecart/protocol': src('protocol'),
      '@telecart/devices': src('devices'),
      '@telecart/ui': src('ui'),
      '@telecart/gateway': src('gateway'),
      '@telecart/cloud': src('cloud'),
      '@telecart/firmware-sim': src('firmware-sim'),
    },
  },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...OUT_OF_PROCESS],
          // Importing the sources again for each file (fastify, werift, TypeBox…) was two thirds of
          // the time; these tests mock no module, fake no timer and set no global, so one worker
          // keeps its imports from file to file.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'e2e', include: ['tests/**/*.test.ts', ...OUT_OF_PROCESS] } },
    ],
  },
});
