/**
 * `telecart config check <file>`: runs the validation the gateway or the cloud runs at start
 * (`validateGatewayConfig`, `validateCloudConfig`) on a file, and prints what it found.
 */
import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { CloudConfig, validateCloudConfig } from '@telecart/cloud';
import { GatewayConfig, validateGatewayConfig } from '@telecart/gateway';
import { nearestKey } from '@telecart/protocol';
import { parse } from 'yaml';
import { ConfigError, EMPTY_FILE, parseConfigText } from '../config/load-config.js';

export type ConfigKind = 'gateway' | 'cloud';

const keysOf = (schema: TSchema) => Object.keys((schema.properties ?? {}) as Record<string, unknown>);

/**
 * Which kind a parsed file is: the one more of its top-level keys (or near misspellings of them)
 * belong to alone, required keys counting double; a tie (no telling key, or an empty file) is a cloud config, whose keys are all optional.
 */
export function kindOfConfig(raw: unknown): ConfigKind {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'cloud';
  const gateway = keysOf(GatewayConfig);
  const cloud = keysOf(CloudConfig);
  const gatewayOnly = gateway.filter((k) => !cloud.includes(k));
  const cloudOnly = cloud.filter((k) => !gateway.includes(k));
  // A key the file must give (gatewayId, mode) says more than one with a default.
  const required = new Set<string>(
    [GatewayConfig, CloudConfig].flatMap((schema: TSchema) =>
      ((schema.required ?? []) as string[]).filter((k) => (schema.properties as Record<string, TSchema>)[k]?.default === undefined),
    ),
  );
  const weight = (k: string) => (gatewayOnly.includes(k) ? 1 : cloudOnly.includes(k) ? -1 : 0) * (required.has(k) ? 2 : 1);
  let score = 0;
  for (const key of Object.keys(raw)) {
    const known = gateway.includes(key) || cloud.includes(key) ? key : nearestKey(key, [...gatewayOnly, ...cloudOnly]);
    if (known !== undefined) score += weight(known);
  }
  return score > 0 ? 'gateway' : 'cloud';
}

export function checkConfigCommand(file: string, kindOption?: string): number {
  let kind: ConfigKind | undefined;
  try {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(file, [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
    }
    if (kindOption !== undefined && kindOption !== 'gateway' && kindOption !== 'cloud')
      throw new ConfigError(file, [`--kind: expected one of "gateway", "cloud" (got ${JSON.stringify(kindOption)})`]);
    if (kindOption !== undefined) kind = kindOption;
    else {
      let raw: unknown;
      try {
        raw = parse(text);
      } catch {
        raw = null; // The loader reports the syntax error with its line.
      }
      kind = kindOfConfig(raw);
    }
    if (kind === 'gateway') {
      const c = parseConfigText(validateGatewayConfig, text, file);
      process.stdout.write(
        `${file}: valid gateway configuration (gateway ${c.gatewayId}, ${c.mode} mode, ${c.patients.length} patient(s))\n`,
      );
    } else {
      const c = parseConfigText(validateCloudConfig, text, file);
      process.stdout.write(`${file}: valid cloud configuration (${c.patients.length} patient(s))\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      if (kind !== undefined && !e.problems.includes(EMPTY_FILE))
        process.stderr.write(`(checked as a ${kind} configuration; --kind ${kind === 'gateway' ? 'cloud' : 'gateway'} if it is not)\n`);
      return 1;
    }
    throw e;
  }
}
