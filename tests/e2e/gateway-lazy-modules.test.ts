/**
 * What the idle gateway process loads (docs/footprint.md): the built CLI's `telecart gateway`
 * must not load the cloud (the enroll commands' workspaces are imported in their actions), nor
 * the WebRTC stack (werift, loaded at the first act), nor the ONVIF client (at the first camera
 * connect). The test reads the modules it loaded (tests/support/module-log.ts) once it says it is ready.
 *
 * `npm run build` bundles the gateway (scripts/build-gateway-bundle.mjs) and `telecart gateway`
 * runs the bundle: then the hook sees the bundle's files, not the modules inside them, so the
 * bundle's own record of its inputs (meta.json) says which modules the loaded files hold.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gatewayBundle } from '../../cli/src/runtime/gateway-bundle.js';
import { freePort } from '../../cloud/src/testing/mosquitto.js';
import { CLI_MAIN } from '../chaos/rig.js';
import { loadedModules, moduleLogEnv } from '../support/module-log.js';
import { startServiceChild } from '../support/service-child.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-lazy-modules-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the idle gateway loads neither the cloud, nor werift, nor the ONVIF client', async () => {
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(
    configFile,
    ['gatewayId: lazy-1', 'mode: home', 'homePatientId: p1', 'timeZone: UTC', 'patients: [{ id: p1, family: LAZY, given: Test }]', ''].join(
      '\n',
    ),
  );
  const moduleLog = join(dir, 'modules.txt');
  // Nothing listens at the cloud URL: the gateway is ready without it.
  const cloud = `mqtt://127.0.0.1:${await freePort()}`;
  const gateway = await startServiceChild(
    'gateway',
    ['gateway', '--config', configFile, '--data-dir', join(dir, 'data'), '--cloud', cloud, '--http-port', '0'],
    {
      main: CLI_MAIN,
      logFile: join(dir, 'gateway.log'),
      env: {
        TELECART_LOG_LEVEL: 'warn',
        ...moduleLogEnv(moduleLog),
      },
    },
  );
  let loaded: string[];
  try {
    loaded = loadedModules(moduleLog);
  } finally {
    await gateway.stop(5000);
  }
  // The modules loaded from their own files, and those inside the bundle's files that were loaded.
  const modules = [...loaded];
  const bundleDir = join(ROOT, 'cli', 'dist', 'gateway-bundle');
  if (existsSync(join(bundleDir, 'meta.json')) && gatewayBundle(pathToFileURL(join(ROOT, 'cli', 'dist/'))).entry !== null) {
    // A current bundle is what runs (npm run build makes it; a bare `tsc -b` afterwards makes it stale: the modules run).
    expect(loaded.some((u) => u.includes('/cli/dist/gateway-bundle/gateway.js'))).toBe(true);
    const meta = JSON.parse(readFileSync(join(bundleDir, 'meta.json'), 'utf8')) as BundleMeta;
    for (const u of loaded.filter((x) => x.includes('/cli/dist/gateway-bundle/'))) {
      const output = meta.outputs[relative(ROOT, fileURLToPath(u))];
      expect(output, `${u} is not in the bundle's meta.json`).toBeDefined();
      modules.push(...Object.keys(output?.inputs ?? {}).map((input) => `/${input}`));
    }
  }
  // The gateway itself was seen: an empty list would pass anything.
  expect(modules.some((u) => u.includes('/gateway/dist/gateway.js'))).toBe(true);
  const unwanted = modules.filter((u) =>
    /\/cloud\/dist\/|\/node_modules\/(werift|onvif|fast-xml-parser|@peculiar\/x509|reflect-metadata)\//.test(u),
  );
  expect(unwanted, 'modules the idle gateway should not load').toEqual([]);
}, 90_000);

/** What esbuild's metafile says of each output file: the modules it holds (paths from the repository root). */
interface BundleMeta {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
