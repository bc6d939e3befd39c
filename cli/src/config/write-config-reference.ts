/**
 * Writes docs/configuration-reference.md from the TypeBox schemas the services validate their
 * configuration with (GatewayConfig, CloudConfig): one table per top-level section, every key in
 * dotted form (`[]` for array items), its type, default, allowed values and description. The docs
 * thus cannot drift from the code; config-reference.test.ts fails when the committed file is stale.
 *
 *   npm run docs:config      (builds, then runs this module)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { CloudConfig } from '@telecart/cloud';
import { GatewayConfig } from '@telecart/gateway';

/** The command that regenerates the reference (named in the test's failure message). */
export const REGENERATE_COMMAND = 'npm run docs:config';

/** src/config/ and dist/config/ are both three levels below the repository root. */
export const CONFIG_REFERENCE_FILE = fileURLToPath(new URL('../../../docs/configuration-reference.md', import.meta.url));

/** The JSON Schema keywords TypeBox emits that this reference reads. */
interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
}

export interface ReferenceRow {
  /** Dotted key path, `[]` marking array items: `serial.devices[].usb.vendorId`. */
  path: string;
  type: string;
  /** Markdown: a code span, **required**, or — (unset). */
  default: string;
  allowed: string;
  description: string;
}

export interface ReferenceSection {
  /** Top-level key, or '' for the top-level scalars. */
  key: string;
  description: string;
  rows: ReferenceRow[];
  /** Defaults too long for a table cell: path → JSON. */
  longDefaults: { path: string; json: string }[];
}

const node = (s: TSchema): SchemaNode => s as unknown as SchemaNode;
const isObject = (s: SchemaNode) => s.type === 'object' && s.properties !== undefined;
const isArray = (s: SchemaNode) => s.type === 'array' && s.items !== undefined;
const isLiteral = (s: SchemaNode) => s.const !== undefined;
const code = (v: string) => `\`${v}\``;
const LONG_DEFAULT = 60;

function literalType(values: unknown[]): string {
  const kinds = new Set(values.map((v) => (Number.isInteger(v) ? 'integer' : typeof v)));
  return [...kinds].join(' or ');
}

function typeOf(s: SchemaNode): string {
  if (isLiteral(s)) return literalType([s.const]);
  if (s.anyOf) {
    if (s.anyOf.every(isLiteral)) return literalType(s.anyOf.map((a) => a.const));
    return s.anyOf.map(typeOf).join(' or ');
  }
  if (isArray(s) && s.items) return isObject(s.items) ? 'object[]' : `${typeOf(s.items)}[]`;
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

const fmt = (n: number) => (Math.abs(n) >= 10_000 && Number.isInteger(n) ? n.toLocaleString('en-US').replace(/,/g, '\u202f') : String(n));

function numberRange(s: SchemaNode): string {
  const lo = s.exclusiveMinimum !== undefined ? `> ${fmt(s.exclusiveMinimum)}` : s.minimum !== undefined ? `≥ ${fmt(s.minimum)}` : '';
  const hi = s.exclusiveMaximum !== undefined ? `< ${fmt(s.exclusiveMaximum)}` : s.maximum !== undefined ? `≤ ${fmt(s.maximum)}` : '';
  if (s.minimum !== undefined && s.maximum !== undefined) return `${fmt(s.minimum)} … ${fmt(s.maximum)}`;
  return [lo, hi].filter(Boolean).join(', ');
}

function lengthRange(min: number | undefined, max: number | undefined, unit: string): string {
  if (min === 1 && max === undefined) return 'non-empty';
  if (min !== undefined && max !== undefined) return min === max ? `${min} ${unit}` : `${min}–${max} ${unit}`;
  if (min !== undefined) return `≥ ${min} ${unit}`;
  if (max !== undefined) return `≤ ${fmt(max)} ${unit}`;
  return '';
}

/** Allowed values / ranges of one schema, in words. */
function allowedOf(s: SchemaNode): string {
  if (isLiteral(s)) return code(JSON.stringify(s.const));
  if (s.anyOf) {
    if (s.anyOf.every(isLiteral)) return s.anyOf.map((a) => code(String(a.const))).join(', ');
    return s.anyOf
      .map((a) => {
        const inner = allowedOf(a);
        return inner ? `${typeOf(a)}: ${inner}` : '';
      })
      .filter(Boolean)
      .join('; ');
  }
  const parts: string[] = [];
  if (s.type === 'integer' || s.type === 'number') parts.push(numberRange(s));
  if (s.type === 'string') {
    parts.push(lengthRange(s.minLength, s.maxLength, 'chars'));
    if (s.pattern !== undefined) parts.push(`pattern ${code(s.pattern)}`);
    if (s.format !== undefined) parts.push(`format ${s.format}`);
  }
  if (isArray(s) && s.items) {
    parts.push(lengthRange(s.minItems, s.maxItems, 'items'));
    if (!isObject(s.items)) {
      const each = allowedOf(s.items);
      if (each) parts.push(`each: ${each}`);
    }
  }
  return parts.filter(Boolean).join('; ');
}

/** Byte sizes and durations get a reading in familiar units next to the raw number. */
function unitHint(key: string, v: number): string {
  if (/Bytes$/.test(key) && v >= 1024 && v % 1024 === 0) {
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let n = v / 1024;
    let i = 0;
    while (n >= 1024 && n % 1024 === 0 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return ` (${n} ${units[i]})`;
  }
  if (/Ms$/.test(key) && v >= 1000) {
    const s = v / 1000;
    return s >= 120 && s % 60 === 0 ? ` (${s / 60} min)` : ` (${s} s)`;
  }
  return '';
}

function defaultOf(s: SchemaNode, key: string, required: boolean, path: string, long: ReferenceSection['longDefaults']): string {
  if (s.default === undefined) return required ? '**required**' : '—';
  const json = JSON.stringify(s.default);
  if (json.length > LONG_DEFAULT) {
    // One line per item: a list of rules reads like the config it stands for.
    const lines = Array.isArray(s.default) ? `[\n${s.default.map((v) => `  ${JSON.stringify(v)}`).join(',\n')}\n]` : json;
    long.push({ path, json: lines });
    return 'see below';
  }
  const shown = typeof s.default === 'string' ? s.default : json;
  return code(shown) + (typeof s.default === 'number' ? unitHint(key, s.default) : '');
}

function walk(s: SchemaNode, path: string, key: string, required: boolean, section: ReferenceSection): void {
  section.rows.push({
    path,
    type: typeOf(s),
    default: defaultOf(s, key, required, path, section.longDefaults),
    allowed: allowedOf(s),
    description: s.description ?? '',
  });
  if (isObject(s)) walkProperties(s, path, section);
  else if (isArray(s) && s.items && isObject(s.items)) walkProperties(s.items, `${path}[]`, section);
}

function walkProperties(s: SchemaNode, prefix: string, section: ReferenceSection): void {
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    walk(child, prefix ? `${prefix}.${k}` : k, k, s.required?.includes(k) ?? false, section);
  }
}

/** Top-level scalars first (one table), then one section per object or array-of-objects key. */
export function referenceSections(schema: TSchema): ReferenceSection[] {
  const root = node(schema);
  const top: ReferenceSection = { key: '', description: '', rows: [], longDefaults: [] };
  const sections: ReferenceSection[] = [top];
  for (const [k, child] of Object.entries(root.properties ?? {})) {
    const required = root.required?.includes(k) ?? false;
    const nested = isObject(child) || (isArray(child) && child.items !== undefined && isObject(child.items));
    if (!nested) {
      walk(child, k, k, required, top);
      continue;
    }
    const section: ReferenceSection = { key: k, description: child.description ?? '', rows: [], longDefaults: [] };
    // An object section's own row would only repeat the heading; an array's says how many items.
    if (isObject(child)) walkProperties(child, k, section);
    else walk(child, k, k, required, section);
    sections.push(section);
  }
  return sections;
}

/** Every key path whose schema carries no description (the reference test wants none). */
export function undescribedKeys(schema: TSchema): string[] {
  return referenceSections(schema).flatMap((s) => s.rows.filter((r) => r.description.trim() === '').map((r) => r.path));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function renderSection(prefix: string, s: ReferenceSection): string {
  const title = s.key ? `### ${code(s.key)}` : '### Top-level keys';
  // A list section's description is on its own row already.
  const intro = s.description && s.rows[0]?.path !== s.key ? `\n\n${s.description.replace(/^./, (c) => c.toUpperCase())}.` : '';
  const head = '| key | type | default | allowed | description |\n| --- | --- | --- | --- | --- |';
  const rows = s.rows.map((r) => `| ${[code(r.path), cell(r.type), cell(r.default), cell(r.allowed), cell(r.description)].join(' | ')} |`);
  const long = s.longDefaults.map((d) => `Default of ${code(d.path)}:\n\n\`\`\`json\n${d.json}\n\`\`\``);
  return [`${title} (${prefix})${intro}`, [head, ...rows].join('\n'), ...long].join('\n\n');
}

export function buildConfigReference(): string {
  const part = (title: string, intro: string, schema: TSchema, label: string) =>
    [`## ${title}`, intro, ...referenceSections(schema).map((s) => renderSection(label, s))].join('\n\n');
  return `${[
    '# Configuration reference',
    `<!-- Generated from the TypeBox schemas by \`${REGENERATE_COMMAND}\` (cli/src/config/write-config-reference.ts). Do not edit by hand: change the schema's \`description\`, then regenerate. -->`,
    'Every key the gateway and the cloud accept, generated from the schemas they validate their ' +
      'configuration with, so it is always the truth of the code. How configurations are loaded, ' +
      'checked and overridden, with examples, is in [configuration.md](configuration.md).',
    'Reading the tables: `a.b` is key `b` inside section `a`; `a[]` is a list and `a[].b` a key of each ' +
      'of its items. **required** keys must be given; `—` means unset (the description says what ' +
      'happens then). A section with default `{}` may be left out: its keys take their defaults. ' +
      'Unknown keys are errors.',
    part(
      'Gateway',
      'Schema `GatewayConfig` (gateway/src/config.ts and the sections it imports). Examples: ' +
        '[configs/ehpad-cart.yaml](../configs/ehpad-cart.yaml), [configs/home-heart-failure.yaml](../configs/home-heart-failure.yaml).',
      GatewayConfig,
      'gateway',
    ),
    part(
      'Cloud',
      'Schema `CloudConfig` (cloud/src/config.ts and the sections it imports). Example: [configs/cloud.yaml](../configs/cloud.yaml).',
      CloudConfig,
      'cloud',
    ),
  ].join('\n\n')}\n`;
}

export function writeConfigReference(file = CONFIG_REFERENCE_FILE): void {
  writeFileSync(file, buildConfigReference());
}

// Run as a script (`npm run docs:config`), not when imported by the test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeConfigReference();
  console.log('wrote docs/configuration-reference.md');
}
