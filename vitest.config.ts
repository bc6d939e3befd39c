import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (ws: string) => fileURLToPath(new URL(`./${ws}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; spawned processes run the built dist/ (npm test builds first).
    alias: {
      '@telecart/protocol': src('protocol'),
      '@telecart/devices': src('devices'),
      '@telecart/gateway': src('gateway'),
      '@telecart/cloud': src('cloud'),
      '@telecart/firmware-sim': src('firmware-sim'),
    },
  },
  test: {
    include: ['*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
