import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { JOIN_KEY_FILE, loadJoinKey } from './join-links.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('makes the key (and a data directory nothing made yet, as with a PostgreSQL store) once, then reads it back', () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-join-key-'));
  const file = join(dir, 'cloud', JOIN_KEY_FILE);
  const key = loadJoinKey(file);
  expect(key).toHaveLength(32);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(loadJoinKey(file).equals(key)).toBe(true);
});
