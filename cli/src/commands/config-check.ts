/** `telecart config check <file>`: validates a gateway or a cloud configuration, prints what it found. */
import { readFileSync } from 'node:fs';
import { CloudConfig } from '@telecart/cloud';
import { checkGatewayConfig, GatewayConfig } from '@telecart/gateway';
import { parse } from 'yaml';
import { ConfigError, loadConfigFile } from '../config/load-config.js';

/** A gateway config names its gateway; anything else is checked as a cloud config. */
function kindOf(file: string): 'gateway' | 'cloud' {
  try {
    const raw: unknown = parse(readFileSync(file, 'utf8'));
    return raw && typeof raw === 'object' && 'gatewayId' in raw ? 'gateway' : 'cloud';
  } catch {
    return 'gateway';
  }
}

export function checkConfigCommand(file: string): number {
  const kind = kindOf(file);
  try {
    if (kind === 'gateway') {
      const c = loadConfigFile(GatewayConfig, file);
      const problems = checkGatewayConfig(c);
      if (problems.length > 0) throw new ConfigError(file, problems);
      process.stdout.write(
        `${file}: valid gateway configuration (gateway ${c.gatewayId}, ${c.mode} mode, ${c.patients.length} patient(s))\n`,
      );
    } else {
      const c = loadConfigFile(CloudConfig, file);
      process.stdout.write(`${file}: valid cloud configuration (${c.patients?.length ?? 0} patient(s))\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
