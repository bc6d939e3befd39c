#!/usr/bin/env node
// Bundles each page's browser code (`<workspace>/src/pages/<page>/browser/main.ts`) with esbuild to
// `<workspace>/dist/pages/<page>/browser.js`, minified, for the browsers the pages support (ES2020),
// and prints the size of each (raw and gzip: what a 100 kbit/s cart link pays). Type-checking is
// tsc's job (tsconfig.browser.json, run before this by `npm run build`). --json prints the sizes as JSON.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

const entries = [];
for (const ws of readdirSync(root, { withFileTypes: true })) {
  if (!ws.isDirectory() || ws.name === 'node_modules') continue;
  const pages = join(root, ws.name, 'src', 'pages');
  if (!existsSync(pages)) continue;
  for (const page of readdirSync(pages, { withFileTypes: true })) {
    const main = join(pages, page.name, 'browser', 'main.ts');
    if (page.isDirectory() && existsSync(main))
      entries.push({ ws: ws.name, page: page.name, main, out: join(root, ws.name, 'dist', 'pages', page.name, 'browser.js') });
  }
}

const rows = [];
for (const e of entries) {
  await build({
    entryPoints: [e.main],
    outfile: e.out,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    tsconfig: join(root, 'tsconfig.browser.json'),
    logLevel: 'warning',
  });
  const body = readFileSync(e.out);
  rows.push({ page: `${e.ws}/${e.page}`, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
else if (!quiet) {
  console.log('page bundle                 bytes   gzip');
  for (const r of rows) console.log(`${r.page.padEnd(24)} ${String(r.bytes).padStart(8)} ${String(r.gzip).padStart(6)}`);
}
