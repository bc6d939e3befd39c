/** The monorepo's packages and their source files, for the hygiene tests (read-only, no build needed). */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackageJson {
  name: string;
  workspaces?: string[];
  exports?: unknown;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as PackageJson;
}

export const rootPackage = readPackage('.');
export const workspaces: string[] = rootPackage.workspaces ?? [];

const SKIP = new Set(['node_modules', 'dist', '.git', 'data', 'coverage', '.bench', '.ci-out']);

/** Every file under `dir` (relative to the repo root) whose name matches `pattern`, skipping build outputs. */
export function filesUnder(dir: string, pattern: RegExp, skip: ReadonlySet<string> = SKIP): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (pattern.test(entry.name)) out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** The files of the root package itself: top-level files and folders that are not workspaces (tests/, bench/, scripts/…). */
export function rootFiles(pattern: RegExp): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => !SKIP.has(e.name) && !e.name.startsWith('.') && !workspaces.includes(e.name))
    .flatMap((e) => (e.isDirectory() ? filesUnder(e.name, pattern) : pattern.test(e.name) ? [e.name] : []));
}
