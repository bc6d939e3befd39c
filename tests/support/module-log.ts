/**
 * Which modules a child process loads: a module hook (it runs off the main thread), passed through
 * NODE_OPTIONS, appends each loaded URL to a file. For the lazy-loading tests (docs/footprint.md,
 * docs/region.md): an optional feature's library must not be loaded until the feature is used.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.TELECART_TEST_MODULE_LOG, url + '\\n');
  return next(url, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** The environment that makes a child log its modules to `file` (emptied now). */
export function moduleLogEnv(file: string): Record<string, string> {
  writeFileSync(file, '');
  return { TELECART_TEST_MODULE_LOG: file, NODE_OPTIONS: `--import=${`data:text/javascript,${encodeURIComponent(REGISTER)}`}` };
}

/** The module URLs logged so far. */
export function loadedModules(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}
