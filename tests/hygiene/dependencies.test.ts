/**
 * No unused dependency, no undeclared one. Each workspace's dependencies are referenced by its own
 * files; what its runtime files import is in its `dependencies`; what its tests import is in its
 * own package.json or the root's devDependencies (the shared test tooling). The root's
 * devDependencies are referenced somewhere in the repo or are the tools its scripts run; tests/,
 * bench/ and scripts/ may use any package the monorepo declares.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, type PackageJson, ROOT, readPackage, rootFiles, rootPackage, workspaces } from './workspace-files.js';

const SOURCE = /\.(?:m|c)?[jt]sx?$/;
/** Test-only files: tests, the shared store suites, and the `testing/` helpers. */
const TEST_ONLY = /\.test\.tsx?$|-suite\.ts$|(?:^|\/)testing\//;
const BUILTINS = new Set(builtinModules);

/** import/export … from, import '…', import(…), require(…), require.resolve(…). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire(?:\.resolve)?\s*\(\s*)['"]([^'"\s]+)['"]/g;
const TYPE_ONLY = /^\s*(?:import|export)\s+type\b/;
/** A file inside a package named by path, e.g. 'uplot/dist/uPlot.min.css' read through require.resolve. */
const PACKAGE_FILE = /['"]((?:@[\w.-]+\/)?[\w.-]+\/[\w./-]+\.(?:m?js|cjs|css|json|wasm))['"]/g;

interface Reference {
  name: string;
  file: string;
  typeOnly: boolean;
  /** Found as a path string ('uplot/dist/x.css'): proves a dependency used, never reported as missing. */
  byPath?: boolean;
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('#'))
    return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  return BUILTINS.has(name) ? undefined : name;
}

/** The packages a file references, comments left out. */
function references(file: string): Reference[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const out: Reference[] = [];
  for (const line of text.split('\n')) {
    for (const m of line.matchAll(SPECIFIER)) {
      const name = packageOf(m[1] ?? '');
      if (name) out.push({ name, file, typeOnly: TYPE_ONLY.test(line) });
    }
  }
  // JSX compiles to imports of the runtime named by tsconfig.base.json's jsxImportSource.
  if (file.endsWith('.tsx') && /<[A-Za-z>]/.test(text)) out.push({ name: 'preact', file, typeOnly: false });
  for (const m of text.matchAll(PACKAGE_FILE)) {
    const name = packageOf(m[1] ?? '');
    if (name) out.push({ name, file, typeOnly: false, byPath: true });
  }
  return out;
}

const declared = (p: PackageJson) => ({ ...p.dependencies, ...p.devDependencies });
const rootDev = rootPackage.devDependencies ?? {};
const names = new Set(workspaces.map((ws) => readPackage(ws).name));

/** `name` is satisfied by `deps` — for a type-only import, also by its DefinitelyTyped package. */
function satisfied(ref: Reference, deps: Record<string, string>): boolean {
  if (ref.name in deps) return true;
  const types = `@types/${ref.name.replace(/^@([^/]+)\/(.+)$/, '$1__$2')}`;
  return ref.typeOnly && types in deps;
}

/** A declared package is used when referenced, or (an @types package) when its library is. */
function unused(deps: Record<string, string>, refs: Reference[]): string[] {
  const used = new Set(refs.map((r) => r.name));
  return Object.keys(deps).filter((d) => {
    if (used.has(d)) return false;
    const typed = /^@types\/(.+)$/.exec(d)?.[1]?.replace(/^(.+)__(.+)$/, '@$1/$2');
    return !(typed && used.has(typed));
  });
}

describe('workspace dependencies', () => {
  it.each(workspaces)('%s declares what it imports and imports what it declares', (ws) => {
    const pkg = readPackage(ws);
    const refs = filesUnder(ws, SOURCE).flatMap(references);
    const runtime = refs.filter((r) => !TEST_ONLY.test(r.file));
    const tests = refs.filter((r) => TEST_ONLY.test(r.file));
    // The package itself, and paths into packages (they only prove a dependency used).
    const exempt = (r: Reference) => r.name === pkg.name || r.byPath === true;
    // A type-only import needs no runtime package: devDependencies (often its @types) will do.
    const forRuntime = (r: Reference) => (r.typeOnly ? declared(pkg) : (pkg.dependencies ?? {}));
    expect(unused(declared(pkg), refs), `${ws}/package.json: declared but never imported`).toEqual([]);
    expect(
      runtime.filter((r) => !exempt(r) && !satisfied(r, forRuntime(r))).map((r) => `${r.name} (${r.file})`),
      `${ws}: runtime imports absent from its dependencies`,
    ).toEqual([]);
    expect(
      tests.filter((r) => !exempt(r) && !satisfied(r, { ...declared(pkg), ...rootDev })).map((r) => `${r.name} (${r.file})`),
      `${ws}: test imports declared neither in ${ws}/package.json nor in the root devDependencies`,
    ).toEqual([]);
  });
});

describe('root devDependencies', () => {
  const rootOwn = rootFiles(SOURCE);
  const allFiles = [...rootOwn, ...workspaces.flatMap((ws) => filesUnder(ws, SOURCE))];

  it('each is imported somewhere, run by a script, or is the Node types of tsconfig.base.json', () => {
    const scripts = Object.values(rootPackage.scripts ?? {}).join(' && ');
    const bins: Record<string, RegExp> = { typescript: /\btsc\b/, '@biomejs/biome': /\bbiome\b/ };
    const tsTypes = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')) as { compilerOptions?: { types?: string[] } })
      .compilerOptions?.types;
    const left = unused(rootDev, allFiles.flatMap(references)).filter(
      (d) => !bins[d]?.test(scripts) && !(tsTypes ?? []).some((t) => d === `@types/${t}`),
    );
    expect(left, 'root devDependencies never used').toEqual([]);
  });

  it('tests/, bench/ and scripts/ import only packages the monorepo declares', () => {
    const all = Object.assign({}, rootDev, ...workspaces.map((ws) => declared(readPackage(ws)))) as Record<string, string>;
    const missing = rootOwn
      .flatMap(references)
      .filter((r) => !r.byPath && !names.has(r.name) && !satisfied(r, all))
      .map((r) => `${r.name} (${r.file})`);
    expect(missing).toEqual([]);
  });
});
