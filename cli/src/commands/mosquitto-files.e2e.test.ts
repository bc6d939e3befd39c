/**
 * `telecart cloud mosquitto-files` (the built CLI): the files an operator gives Mosquitto, with every
 * cloud instance's identities in the ACL when several share it (docs/security.md).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'telecart-mosquitto-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('lists each named instance’s ingest workers and signaling services in the ACL, and prints the listener', async () => {
  const out = join(dir, 'mosquitto');
  const args = ['cloud', 'mosquitto-files', '--out', out, '--data-dir', join(dir, 'data'), '--port', '18883'];
  const { stdout } = await run(process.execPath, [CLI, ...args, '--instances', 'a,b', '--ingest-workers', '2']);
  expect(stdout).toContain('listener 18883 ');
  expect(stdout).toContain('use_username_as_clientid true');
  const acl = readFileSync(join(out, 'acl'), 'utf8');
  const users = [...acl.matchAll(/^user (.+)$/gm)].map((m) => m[1]);
  expect(users).toEqual([
    'telecart-cloud:ingest:a:0',
    'telecart-cloud:ingest:a:1',
    'telecart-cloud:ingest:b:0',
    'telecart-cloud:ingest:b:1',
    ...['a', 'b'].flatMap((i) => ['relay', 'agenda', 'patients', 'nurses'].map((s) => `telecart-cloud:signaling:${i}:${s}`)),
  ]);
  // A name that cannot be a CN part is refused with the reason, and nothing is written.
  const bad = await run(process.execPath, [CLI, ...args, '--out', join(dir, 'bad'), '--instances', 'Site A']).catch(
    (e: { stderr: string }) => e,
  );
  expect('stderr' in bad ? bad.stderr : '').toMatch(/instance name "Site A"/);
  expect(existsSync(join(dir, 'bad', 'acl'))).toBe(false);
});
