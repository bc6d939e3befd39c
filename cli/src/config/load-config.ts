/**
 * Loads a YAML or JSON configuration file and validates it against a TypeBox schema.
 * Errors name the file, the line, the key and what was expected, in one line each,
 * so an IT team can fix a config without reading code.
 */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { compile } from '@telecart/protocol';
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

/** JSON pointer '/sync/batchMaxCount' → ['sync', 'batchMaxCount'] (array indices as numbers). */
function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function parseConfigText<S extends TSchema>(schema: S, text: string, file: string): Static<S> {
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
  const raw: unknown = doc.toJS() ?? {};
  const withDefaults = Value.Default(schema, structuredClone(raw));
  const validator = compile(schema);
  const result = validator.validate(withDefaults);
  if (result.ok) return result.value;

  const lineOf = (path: (string | number)[]): string => {
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
    result.issues.map((i) => {
      const path = pointerToPath(i.path);
      const key = path.length ? path.join('.') : '(root)';
      const got = path.reduce<unknown>(
        (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined),
        withDefaults,
      );
      const gotText = got === undefined ? 'missing' : `got ${JSON.stringify(got)?.slice(0, 60)}`;
      return `${lineOf(path)}${key}: ${i.message.toLowerCase()} (${gotText})`;
    }),
  );
}

export function loadConfigFile<S extends TSchema>(schema: S, file: string): Static<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  return parseConfigText(schema, text, file);
}
