import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { gatewayBundle } from './gateway-bundle.js';

let root: string;
let dist: URL;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'telecart-gateway-bundle-'));
  dist = pathToFileURL(`${join(root, 'cli', 'dist')}/`);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Writes `path` (under the temporary root) with its modification time `seconds` after the epoch. */
function file(path: string, seconds: number): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), '');
  utimesSync(join(root, path), seconds, seconds);
}

it('is not used when not built', () => {
  expect(gatewayBundle(dist)).toEqual({ entry: null, reason: 'not built' });
});

it('is used when newer than every bundled workspace’s tsc build (or when there is no build info)', () => {
  file('cli/dist/gateway-bundle/gateway.js', 2_000);
  file('gateway/dist/.tsbuildinfo', 1_000);
  file('protocol/dist/.tsbuildinfo', 1_500);
  expect(gatewayBundle(dist).entry?.href).toBe(new URL('gateway-bundle/gateway.js', dist).href);
});

it('is not used when a bundled workspace was built by tsc after it: it would run older code', () => {
  file('cli/dist/gateway-bundle/gateway.js', 2_000);
  file('protocol/dist/.tsbuildinfo', 1_000);
  file('devices/dist/.tsbuildinfo', 3_000);
  expect(gatewayBundle(dist)).toEqual({ entry: null, reason: 'older than the tsc build of devices (npm run build makes a new one)' });
  // The cloud is not in the bundle: its builds do not matter.
  rmSync(join(root, 'devices'), { recursive: true });
  file('cloud/dist/.tsbuildinfo', 3_000);
  expect(gatewayBundle(dist).entry).not.toBeNull();
});
