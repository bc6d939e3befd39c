/** `telecart --version` (and -V) prints the package's version, from the built CLI as installed. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('telecart --version', () => {
  it.each(['--version', '-V'])('%s prints the package version and exits 0', async (flag) => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, flag]);
    expect(stdout).toBe(`telecart ${PACKAGE.version}\n`);
    expect(PACKAGE.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(stderr).toBe('');
  });
});
