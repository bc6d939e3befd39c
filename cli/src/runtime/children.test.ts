/**
 * startChild's wait for a child's `ready` (children.ts), with real child processes (a small script as
 * their main): a child silent past the deadline is killed and the start fails; a child that says it is
 * `starting` a long step (the gateway's store migration) is waited for past it, and its `ready` ends the wait.
 * The child sends `ready` only once the test has let the deadline pass (a file it waits for), so neither
 * outcome depends on how fast the host is.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChild, stopChildren } from './children.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-children-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A child that (optionally) says it is starting, then sends `ready` once the file `go` exists. */
function childScript(saysStarting: boolean): string {
  const file = join(dir, 'child.mjs');
  writeFileSync(
    file,
    `import { existsSync } from 'node:fs';
${saysStarting ? "process.send({ type: 'starting', service: 'test', detail: 'migrating its store' });" : ''}
const go = ${JSON.stringify(join(dir, 'go'))};
const t = setInterval(() => {
  if (!existsSync(go)) return;
  clearInterval(t);
  process.send({ type: 'ready', service: 'test', info: { ok: true } });
}, 20);
process.on('disconnect', () => process.exit(0));
`,
  );
  return file;
}

/** Longer than a child's own start on a loaded host (node and a tiny script), so `starting` comes before it. */
const TIMEOUT_MS = 2000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startChild', () => {
  it('a child that says it is starting a long step is waited for past the deadline; its ready ends the wait', async () => {
    const said: string[] = [];
    const spawnedAt = performance.now();
    const started = startChild('test', [], {
      main: childScript(true),
      logFile: join(dir, 'child.log'),
      timeoutMs: TIMEOUT_MS,
      onStarting: (d) => said.push(d),
    });
    let settled = false;
    void started.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 1000 && said.length === 0; i++) await pause(10);
    expect(said).toEqual(['migrating its store']);
    // Past the deadline (counted from the spawn, before the child spoke): still waiting.
    await pause(spawnedAt + TIMEOUT_MS + 500 - performance.now());
    expect(settled).toBe(false);
    writeFileSync(join(dir, 'go'), '');
    const child = await started;
    expect(child.info).toEqual({ ok: true });
    await stopChildren([child]);
  });

  it('a silent child is killed at the deadline and the start fails', async () => {
    const started = startChild('test', [], { main: childScript(false), logFile: join(dir, 'child.log'), timeoutMs: TIMEOUT_MS });
    await expect(started).rejects.toThrow(/test was not ready within 2 s/);
    expect(existsSync(join(dir, 'go'))).toBe(false);
  });
});
