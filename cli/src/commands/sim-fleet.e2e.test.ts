/**
 * `telecart sim fleet` through the built CLI: a real cloud child (embedded broker with mutual TLS,
 * enrollment, SQLite), 50 enrolled gateways, real batches and acks. Counts come from the cloud's
 * store after it stopped, so "stored" is what was committed, not what the simulator believes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, formatIssues } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { FleetReport } from './fleet/report.js';

const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const checkReport = compile(FleetReport);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'sim', 'fleet', ...args], { timeout: 240_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function report(stdout: string): FleetReport {
  const v = checkReport.validate(JSON.parse(stdout));
  if (!v.ok) throw new Error(`report does not fit its schema: ${formatIssues(v.issues)}\n${stdout}`);
  return v.value;
}

describe('telecart sim fleet', () => {
  it('50 gateways over 2 worker processes at a high rate: every reading sent is acked and stored once, JSON report', async () => {
    const r = await run(['--gateways', '50', '--workers', '2', '--duration', '4', '--rate', '20000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = report(r.stdout);
    expect(rep).toMatchObject({ mode: 'steady', gateways: 50, carts: 10, homeKits: 40, connected: 50, pending: 0, rejected: 0 });
    expect(rep.sent).toBeGreaterThan(100);
    expect(rep.acked).toBe(rep.sent);
    expect(rep.stored).toBe(rep.sent);
    expect(rep.lost).toBe(0);
    expect(rep.duplicated).toBe(0);
    expect(rep.latencyMs.samples).toBe(rep.acked);
    expect(rep.latencyMs.p99).not.toBeNull();
    expect(rep.cloud.cpuPercent).not.toBeNull();
    expect(rep.cloud.rssMiB).toBeGreaterThan(10);
    expect(rep.simulator.workers).toBe(2);
  }, 240_000);

  it('reconnect storm over 2 workers: 50 gateways × 20 unsynced readings through a cloud restart, stored exactly once', async () => {
    // A short backoff ceiling: the run waits for no 30 s retry (the gateway's default).
    const r = await run(['--gateways', '50', '--workers', '2', '--storm', '--storm-readings', '20', '--reconnect-max', '8000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = report(r.stdout);
    expect(rep).toMatchObject({ mode: 'storm', connected: 50, sent: 1000, acked: 1000, stored: 1000, lost: 0, duplicated: 0, pending: 0 });
    // Both workers' latencies are in the merged histogram: one per reading.
    expect(rep.latencyMs.samples).toBe(1000);
    expect(rep.simulator.workers).toBe(2);
    expect(rep.storm?.readingsPerGateway).toBe(20);
    expect(rep.storm?.reconnectedS).not.toBeNull();
    expect(rep.storm?.drainedS).not.toBeNull();
    // Counted from the restart's beginning: the gateways may be back before the cloud says it is ready.
    expect(rep.storm?.drainedSinceRestartS).toBeGreaterThanOrEqual(rep.storm?.drainedS ?? Number.NaN);
    expect(rep.storm?.reconnectedSinceRestartS).not.toBeNull();
  }, 240_000);

  it('refuses what it cannot do, with a reason', async () => {
    const noEnroll = await run(['--gateways', '5', '--cloud', 'mqtts://127.0.0.1:1']);
    expect(noEnroll.code).toBe(2);
    expect(noEnroll.stderr).toMatch(/--cloud needs --enroll-url and --cloud-data-dir/);
    const bad = await run(['--gateways', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--gateways.*positive whole number/);
  });
});
