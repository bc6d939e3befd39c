import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../cli/src/runtime/gateway-node-flags.js';

const dir = new URL('../systemd/', import.meta.url).pathname;
const units = readdirSync(dir).filter((f) => f.endsWith('.service'));
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe.skipIf(!hasSystemdAnalyze)('systemd units', () => {
  it('ships a gateway and a cloud unit', () => {
    expect(units.sort()).toEqual(['telecart-cloud.service', 'telecart-gateway.service']);
  });

  it('starts the gateway with the Node flags telecart demo uses', () => {
    const unit = readFileSync(`${dir}telecart-gateway.service`, 'utf8');
    const exec = /^ExecStart=\/usr\/bin\/node (.*?) \/opt\/telecart\/cli\/bin\/telecart\.js gateway /m.exec(unit);
    expect(exec?.[1]?.split(' ')).toEqual(GATEWAY_NODE_FLAGS);
  });

  it.each(units)('%s passes systemd-analyze verify', (unit) => {
    const r = spawnSync('systemd-analyze', ['verify', `${dir}${unit}`], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(units)('%s is rated OK or better by systemd-analyze security', (unit) => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=true', `${dir}${unit}`], { encoding: 'utf8' });
    const m = /Overall exposure level for .*: ([\d.]+)/.exec(out);
    expect(Number(m?.[1])).toBeLessThan(3);
  });
});
