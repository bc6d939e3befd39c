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
 * belong to alone; a tie (no telling key, or an empty file) is a cloud config, whose keys are all optional.
 */
export function kindOfConfig(raw: unknown): ConfigKind {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'cloud';
  const gateway = keysOf(GatewayConfig);
  const cloud = keysOf(CloudConfig);
  const gatewayOnly = gateway.filter((k) => !cloud.includes(k));
  const cloudOnly = cloud.filter((k) => !gateway.includes(k));
  let score = 0;
  for (const key of Object.keys(raw)) {
    if (gateway.includes(key) || cloud.includes(key)) score += gatewayOnly.includes(key) ? 1 : cloudOnly.includes(key) ? -1 : 0;
    else {
      const near = nearestKey(key, [...gatewayOnly, ...cloudOnly]);
      if (near !== undefined) score += gatewayOnly.includes(near) ? 1 : -1;
    }
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
