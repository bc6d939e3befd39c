/**
 * What a cloud process loads at start (docs/region.md, « A cloud instance's start »): without TLS it
 * does not load the certificate library (@peculiar/x509 and its reflect-metadata), before its first
 * report not the PDF library (pdfkit), before an act's first room not the WebRTC stack (werift). With `--tls` the same start loads x509:
 * the hook sees these packages when they are used, so their absence means something.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_MAIN } from '../support/cloud-child.js';
import { loadedModules, moduleLogEnv } from '../support/module-log.js';
import { startServiceChild } from '../support/service-child.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-cloud-lazy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function modulesAtStart(name: string, extra: string[]): Promise<string[]> {
  const log = join(dir, `${name}.txt`);
  const cloud = await startServiceChild(
    'cloud',
    ['cloud', '--data-dir', join(dir, name), '--http-port', '0', '--mqtt-port', '0', '--host', '127.0.0.1', ...extra],
    { main: CLI_MAIN, logFile: join(dir, `${name}.log`), env: { TELECART_LOG_LEVEL: 'warn', ...moduleLogEnv(log) } },
  );
  try {
    return loadedModules(log);
  } finally {
    await cloud.stop(5000);
  }
}

/** The repository's own node_modules (werift's own x509 is below werift/). */
const ROOT_MODULES = pathToFileURL(fileURLToPath(new URL('../../node_modules/', import.meta.url))).href;
const LAZY = ['@peculiar/x509/', 'reflect-metadata/', 'pdfkit/', 'werift/'].map((p) => ROOT_MODULES + p);
const lazyIn = (urls: string[]) => urls.filter((u) => LAZY.some((p) => u.startsWith(p)));

it('a cloud without TLS loads neither x509, pdfkit nor werift at start; with --tls it loads x509', async () => {
  const plain = await modulesAtStart('plain', []);
  // The cloud itself was seen: an empty list would pass anything.
  expect(plain.some((u) => u.includes('/cloud/dist/cloud.js'))).toBe(true);
  expect(lazyIn(plain), 'modules a cloud without TLS should not load before use').toEqual([]);

  const tls = await modulesAtStart('tls', ['--tls']);
  expect(tls.some((u) => u.startsWith(`${ROOT_MODULES}@peculiar/x509/`))).toBe(true);
  expect(tls.filter((u) => u.startsWith(`${ROOT_MODULES}pdfkit/`))).toEqual([]);
}, 90_000);
