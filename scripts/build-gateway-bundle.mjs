#!/usr/bin/env node
// Bundles `telecart gateway` (cli/dist/commands/gateway.js and everything it imports: our
// workspaces and the npm packages) with esbuild into cli/dist/gateway-bundle/, so the gateway
// process starts by reading a few files instead of ~1,000 modules (docs/footprint.md: start to
// ready). Runs after tsc (`npm run build`); the CLI uses the bundle when it is there.
//
// - Native addons (better-sqlite3, the serial bindings) and the packages the idle gateway loads
//   only on first use (werift, onvif, fast-xml-parser, @peculiar/x509, reflect-metadata) stay
//   external: loaded from node_modules as before, and only when needed.
// - Code splitting keeps each dynamic import() a chunk of its own, loaded when first called (the
//   media session and its werift import stay out of the start).
// - `import.meta.url` of a bundled module is rewritten to its own file's URL, relative to the
//   bundle, so a page still finds its browser bundle and createRequire resolves from its package.
// - meta.json lists the inputs of each output (tests/e2e/gateway-lazy-modules.test.ts reads it).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'cli', 'dist', 'gateway-bundle');
const quiet = process.argv.includes('--quiet');

/** Loaded from node_modules at run time: native code, or what the idle gateway does not need. */
export const GATEWAY_BUNDLE_EXTERNAL = [
  'better-sqlite3',
  '@serialport/*',
  'serialport',
  'werift',
  'onvif',
  'fast-xml-parser',
  '@peculiar/x509',
  'reflect-metadata',
  // dbus-next's optional transports (X11 session bus, abstract sockets): not installed, required
  // only on those paths, as without the bundle.
  'x11',
  'usocket',
];

/** Rewrites `import.meta.url` in our compiled modules to the URL of the module's own file. */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url') || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const rel = relative(outdir, args.path).split(sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { gateway: join(root, 'cli', 'dist', 'commands', 'gateway.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  // The CommonJS packages inside call require() for Node's built-ins: give the ESM bundle one.
  banner: {
    js: "import { createRequire as __telecartCreateRequire } from 'node:module';\nconst require = __telecartCreateRequire(import.meta.url);",
  },
  external: GATEWAY_BUNDLE_EXTERNAL,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  plugins: [ownUrl],
  logLevel: 'warning',
});
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
if (!quiet) {
  let bytes = 0;
  for (const o of Object.values(result.metafile.outputs)) bytes += o.bytes;
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(
    `gateway bundle: ${inputs} modules → ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
  );
}
