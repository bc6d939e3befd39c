/**
 * Loads a YAML or JSON configuration file and runs its kind's validation on it. Errors name the
 * file, the line, the key and what was expected, in one line each, so an IT team can fix a config
 * without reading code.
 */
import { readFileSync } from 'node:fs';
import { type ConfigPath, type ConfigValidator, formatConfigIssue } from '@telecart/protocol';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** What an empty file (or one with only comments) is told: both runtimes need at least their required keys. */
export const EMPTY_FILE = 'the file is empty: expected a YAML mapping of keys (see docs/configuration.md)';

/**
 * Parses YAML/JSON text and runs the kind's one validation (`validateGatewayConfig`,
 * `validateCloudConfig`: the same the runtime runs). `overrides` (command-line options) replace
 * top-level keys before validation, so they are checked like the file.
 */
export function parseConfigText<T>(
  validate: ConfigValidator<T>,
  text: string,
  file: string,
  overrides: Readonly<Record<string, unknown>> = {},
): T {
  // A JSON text (what `sim fleet` writes for its 10,000 patients) read by JSON.parse; the YAML path
  // below only when it is not JSON or does not validate, to name the lines of its problems.
  const json = jsonValue(text);
  if (json !== undefined && json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const result = validate({ ...json, ...overrides });
    if (result.ok) return result.value;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}: ` : ''}${e.message.split('\n')[0]}`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) throw new ConfigError(file, [EMPTY_FILE]);
  const merged = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...raw, ...overrides } : raw;
  const result = validate(merged);
  if (result.ok) return result.value;

  const lineOf = (path: ConfigPath): string => {
    // Walk up until a node with a position exists (a missing key has none: point at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
        const pos = lines.linePos(node.range[0] as number);
        return `line ${pos.line}: `;
      }
      if (n > 0 && (isMap(node) || isSeq(node))) break;
    }
    return '';
  };
  throw new ConfigError(
    file,
    result.issues.map((i) => `${lineOf(i.at ?? i.path)}${formatConfigIssue(i)}`),
  );
}

// Every string of a JSON text (run only on a text JSON.parse took), each with the colon that makes it a
// member name: matched one after the other from the start, so a quote inside a string never starts a match.
const JSON_STRING = /"(?:[^"\\]|\\.)*"(\s*:)?/g;

/**
 * The text's value when it is JSON with no member name repeated in an object, else undefined.
 * YAML 1.2 reads such a text alike, ~40× slower (docs/configuration.md); a repeated name is left to
 * the YAML parser, which refuses it with its line where JSON.parse would keep the last silently.
 */
export function jsonValue(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  let names = 0;
  for (const m of text.matchAll(JSON_STRING)) if (m[1] !== undefined) names++;
  return names === memberCount(value) ? value : undefined;
}

function memberCount(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) return v.reduce((n: number, x: unknown) => n + memberCount(x), 0);
  let n = 0;
  for (const x of Object.values(v)) n += 1 + memberCount(x);
  return n;
}

export function loadConfigFile<T>(validate: ConfigValidator<T>, file: string, overrides?: Readonly<Record<string, unknown>>): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseConfigText(validate, text, file, overrides);
}
