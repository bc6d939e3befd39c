/**
 * Configuration validation shared by `telecart config check` and the runtimes that start from a
 * config: defaults, the TypeBox schema, then the kind's semantic checks (time zones, dates,
 * cross-field rules). Schema errors are put in words an IT team can act on: a missing key is
 * reported as missing (with the misspelt key next to it, if any), an unknown key with the nearest
 * valid one, a union of literals with its allowed values, and each path once.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

export type ConfigPath = (string | number)[];

export interface ConfigIssue {
  /** Key path of the offending value, e.g. ['patients', 0, 'ins']; [] for the whole file. */
  path: ConfigPath;
  /** What is wrong and what was expected, e.g. `expected one of "cart", "home" (got "kart")`. */
  message: string;
  /** Where the file shows the problem when it is not at `path` (a missing key's misspelt neighbour). */
  at?: ConfigPath;
}

export type ConfigValidation<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

/** A config kind's validation: raw parsed YAML/JSON → complete config with defaults, or its issues. */
export type ConfigValidator<T> = (raw: unknown) => ConfigValidation<T>;

/** Key path as written in messages: patients.0.ins; (root) for the whole file. */
export function configKey(path: ConfigPath): string {
  return path.length ? path.join('.') : '(root)';
}

/** One line per issue, as the runtimes print them: `patients.0.ins: check key 99 is wrong`. */
export function formatConfigIssue(i: ConfigIssue): string {
  return `${configKey(i.path)}: ${i.message}`;
}

const MAX_ERRORS = 200;
const MAX_ISSUES = 30;
const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let c = checkers.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checkers.set(schema, c);
  }
  return c;
}

/**
 * Defaults, schema, then `semantic` (only on a schema-valid config: its checks may rely on the
 * types). Never throws on bad input; the runtimes turn the issues into their own error.
 */
export function validateConfig<S extends TSchema>(
  schema: S,
  raw: unknown,
  semantic: (config: Static<S>) => ConfigIssue[] = () => [],
): ConfigValidation<Static<S>> {
  const value: unknown = Value.Default(schema, structuredClone(raw));
  const checker = checkerOf(schema);
  if (checker.Check(value)) {
    const issues = semantic(value as Static<S>);
    return issues.length ? { ok: false, issues } : { ok: true, value: value as Static<S> };
  }
  const errors: ValueError[] = [];
  for (const e of checker.Errors(value)) {
    errors.push(e);
    if (errors.length >= MAX_ERRORS) break;
  }
  return { ok: false, issues: explainErrors(errors, value) };
}

/** JSON pointer '/sync/batchMaxCount' → ['sync', 'batchMaxCount'] (array indices as numbers). */
export function pointerToPath(pointer: string): ConfigPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive: "prot" is 1 from "port". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(x.length, y.length);
}

/** The closest of `candidates` to `key` if it is a plausible misspelling of it. */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(key, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(key.length, 4) / 3)));
  return bestD <= limit ? best : undefined;
}

function got(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? String(value);
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

function schemaKind(s: TSchema): string {
  if ('const' in s) return JSON.stringify(s.const);
  if (s.anyOf) {
    const variants = s.anyOf as TSchema[];
    return variants.every((v) => 'const' in v)
      ? `one of ${variants.map((v) => JSON.stringify(v.const)).join(', ')}`
      : variants.map(schemaKind).join(' or ');
  }
  switch (s.type) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return s.items ? `a list of ${schemaKind(s.items as TSchema).replace(/^an? /, '')}s` : 'a list';
    case 'object':
      return 'a mapping (key: value)';
    default:
      return 'a value';
  }
}

/** What a failed check expected, in words; the schema's description when the bare rule says little. */
function expected(e: ValueError): string {
  const s = e.schema;
  const description = typeof s.description === 'string' ? s.description : undefined;
  switch (e.type) {
    case ValueErrorType.Union:
      return `expected ${schemaKind(s)}`;
    case ValueErrorType.Literal:
      return `expected ${JSON.stringify(s.const)}${description ? ` (${description})` : ''}`;
    case ValueErrorType.StringPattern:
      return `expected a string matching ${s.pattern as string}${description ? ` (${description})` : ''}`;
    case ValueErrorType.StringFormat:
      return `expected ${description ?? `a ${s.format as string}`}`;
    default:
      return e.message.charAt(0).toLowerCase() + e.message.slice(1);
  }
}

function keysOf(objectSchema: TSchema): string[] {
  return Object.keys((objectSchema.properties ?? {}) as Record<string, unknown>);
}

function explainErrors(errors: readonly ValueError[], value: unknown): ConfigIssue[] {
  const at = (path: ConfigPath): unknown =>
    path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), value);
  const parentKey = (path: ConfigPath) => JSON.stringify(path.slice(0, -1));

  // Missing required keys and unknown keys of the same mapping: a near pair is one misspelling.
  const missing = errors.filter((e) => e.type === ValueErrorType.ObjectRequiredProperty).map((e) => pointerToPath(e.path));
  const unknown = errors.filter((e) => e.type === ValueErrorType.ObjectAdditionalProperties);
  const misspelt = new Map<string, ConfigPath>(); // missing path → the unknown key's path
  const usedUnknown = new Set<string>();
  for (const m of missing) {
    const key = String(m[m.length - 1]);
    const siblings = unknown.map((u) => pointerToPath(u.path)).filter((u) => parentKey(u) === parentKey(m));
    const names = siblings.map((u) => String(u[u.length - 1])).filter((n) => !usedUnknown.has(JSON.stringify([...m.slice(0, -1), n])));
    const near = nearestKey(key, names);
    if (near !== undefined) {
      const u = [...m.slice(0, -1), near];
      misspelt.set(JSON.stringify(m), u);
      usedUnknown.add(JSON.stringify(u));
    }
  }

  const issues: ConfigIssue[] = [];
  const reported: ConfigPath[] = [];
  const within = (path: ConfigPath, prefix: ConfigPath) => prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
  for (const e of errors) {
    const path = pointerToPath(e.path);
    const id = JSON.stringify(path);
    // One issue per value: the same path again, or a value below one already reported, adds nothing.
    if (reported.some((r) => within(path, r))) continue;
    if (e.type === ValueErrorType.ObjectAdditionalProperties && usedUnknown.has(id)) continue;
    reported.push(path);
    if (e.type === ValueErrorType.ObjectRequiredProperty) {
      const u = misspelt.get(id);
      const what = `required key is missing (expected ${schemaKind(e.schema)})`;
      issues.push(
        u ? { path, message: `${what}; "${String(u[u.length - 1])}" looks like a misspelling of it`, at: u } : { path, message: what },
      );
    } else if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const key = String(path[path.length - 1]);
      const known = keysOf(e.schema);
      const near = nearestKey(key, known);
      issues.push({
        path,
        message: near
          ? `unknown key; did you mean "${near}"?`
          : `unknown key (this section has: ${known.slice(0, 15).join(', ')}${known.length > 15 ? ', ...' : ''})`,
      });
    } else {
      issues.push({ path, message: `${expected(e)}${got(at(path))}` });
    }
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
}

// ---- Semantic checks the kinds share (one definition each, used by every config kind). ----

/** The canonical zones and UTC, from ICU's zone table alone (see isTimeZone). */
let canonicalZones: Set<string> | undefined;

/**
 * An IANA time zone this Node.js (ICU) knows: what the pages' Intl.DateTimeFormat will accept.
 * The usual names are found in Intl.supportedValuesOf's list: building an Intl.DateTimeFormat,
 * the check for the others (aliases such as US/Eastern), first loads ~7 MiB of ICU locale data
 * that the gateway otherwise never needs (docs/footprint.md).
 */
export function isTimeZone(tz: string): boolean {
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (canonicalZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/;

function realDay(y: number, m: number, d: number): boolean {
  // Date.UTC rolls 2026-02-30 over to 2 March: a real day survives the round trip.
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * 'YYYY-MM-DD' (midnight UTC) or an ISO date-time with an offset → epoch ms; null unless every field
 * is real (no 30 February, no hour 25), where Date.parse would roll over or give NaN.
 */
export function parseCalendarInstant(s: string): number | null {
  const d = DATE.exec(s);
  if (d) return realDay(Number(d[1]), Number(d[2]), Number(d[3])) ? Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])) : null;
  const t = DATE_TIME.exec(s);
  if (!t) return null;
  if (!realDay(Number(t[1]), Number(t[2]), Number(t[3]))) return null;
  if (Number(t[4]) > 23 || Number(t[5]) > 59 || Number(t[6] ?? 0) > 59) return null;
  if (t[8] !== undefined && (Number(t[8]) > 23 || Number(t[9]) > 59)) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/** 'YYYY-MM-DD' naming a day of the calendar. */
export function isCalendarDate(s: string): boolean {
  return DATE.test(s) && parseCalendarInstant(s) !== null;
}

/** Why `s` is not an absolute URL with one of `protocols` (e.g. ['http:', 'https:']) and a host; undefined if it is. */
export function urlProblem(s: string, protocols: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `expected a URL such as ${protocols[0]}//host/path (got ${JSON.stringify(s)})`;
  }
  if (!protocols.includes(u.protocol))
    return `expected a URL starting ${protocols.map((p) => `${p}//`).join(' or ')} (got ${JSON.stringify(s)})`;
  if (!u.hostname) return `expected a host after ${u.protocol}// (got ${JSON.stringify(s)})`;
  return undefined;
}
