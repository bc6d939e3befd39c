/**
 * `telecart demo --temp` as a person runs it (the built CLI, from the repository root, every
 * simulator and service as its own process): while it runs, `telecart gateway status --config`
 * on the gateway config it generated reaches the running gateway; Ctrl-C (SIGINT) stops it and
 * leaves no temporary directory behind.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

let demo: ChildProcess | undefined;
let demoDir: string | undefined;
afterAll(() => {
  // A failed run: stop it the way a person would (its children stop with it) and drop its directory.
  if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGINT');
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
});

it('runs with --temp: gateway status works on its generated config, and Ctrl-C removes its directory', async () => {
  let stdout = '';
  let stderr = '';
  // Ports 0: whatever is free (the demo turns them into concrete numbers for its configs).
  demo = spawn(process.execPath, [CLI, 'demo', '--temp', '--http-port', '0', '--mqtt-port', '0', '--gateway-http-port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  demo.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    demo?.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(() => stdout.includes('Press Ctrl-C to stop.') || demo?.exitCode !== null, {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: 'the demo to be up',
  });
  expect(demo.exitCode, `${stdout}\n${stderr}`).toBeNull();
  demoDir = /data and logs: +(\S+)/.exec(stdout)?.[1];
  const dataDir = /data and logs: +(\S+) \(removed when the demo stops\)/.exec(stdout)?.[1];
  const gatewayConfig = /telecart gateway status --config (\S+)\)/.exec(stdout)?.[1];
  expect(dataDir, stdout).toBeDefined();
  expect(gatewayConfig, stdout).toBeDefined();
  expect(existsSync(dataDir as string)).toBe(true);

  const status = await promisify(execFile)(process.execPath, [CLI, 'gateway', 'status', '--config', gatewayConfig as string], {
    cwd: ROOT,
  });
  expect(status.stdout).toMatch(/^gateway \S+: running, status from http:\/\/[^:]+:\d+/);

  demo.kill('SIGINT');
  const end = await exited;
  expect(end, `${stdout}\n${stderr}`).toEqual({ code: 0, signal: null });
  expect(stdout).toContain(`removed ${dataDir}`);
  expect(existsSync(dataDir as string)).toBe(false);
}, 180_000);
