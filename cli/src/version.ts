/** The version of the `telecart` package, read from its package.json (one place to bump). */
import { readFileSync } from 'node:fs';

// src/version.ts and dist/version.js both sit one level below the package root.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };

export const CLI_VERSION: string = typeof pkg.version === 'string' ? pkg.version : '0.0.0-unknown';
