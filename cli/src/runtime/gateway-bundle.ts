/**
 * `telecart gateway` runs from its esbuild bundle (scripts/build-gateway-bundle.mjs, part of
 * `npm run build`) when there is one: it starts by reading a few files instead of ~1,200 modules
 * (docs/footprint.md). A bundle older than the last tsc build of a workspace it holds would run
 * older code than the modules beside it (after a bare `tsc -b`): then the modules are used.
 */
import { existsSync, statSync } from 'node:fs';

/** The workspaces bundled into the gateway: their tsc build info is rewritten at each build. */
const BUNDLED_WORKSPACES = ['protocol', 'devices', 'ui', 'gateway', 'cli'];

/**
 * The bundle's entry for the `dist` directory at `distDir` (cli/dist/, a URL ending in '/'), or
 * why it is not used: missing, or older than a workspace's tsc output.
 */
export function gatewayBundle(distDir: URL): { entry: URL } | { entry: null; reason: string } {
  const entry = new URL('gateway-bundle/gateway.js', distDir);
  if (!existsSync(entry)) return { entry: null, reason: 'not built' };
  const built = statSync(entry).mtimeMs;
  for (const ws of BUNDLED_WORKSPACES) {
    const info = new URL(`../../${ws}/dist/.tsbuildinfo`, distDir);
    // An installed copy may ship without build info: nothing says the bundle is stale.
    if (existsSync(info) && statSync(info).mtimeMs > built)
      return { entry: null, reason: `older than the tsc build of ${ws} (npm run build makes a new one)` };
  }
  return { entry };
}
