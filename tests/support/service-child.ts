/**
 * A telecart service (`node cli/dist/main.js gateway|cloud …`) as a child process the fault
 * injection can SIGKILL and start again, optionally inside a network namespace
 * (`ip netns exec` execs in place, so the child's pid is node's and SIGKILL reaches it).
 * Unlike the CLI's startChild it keeps the process object reachable for kills and restarts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ServiceChild {
  readonly name: string;
  readonly proc: ChildProcess;
  /** What the service reported as ready (URLs, ids). */
  readonly info: Record<string, unknown>;
  readonly logFile: string;
  alive(): boolean;
  /** Sends the signal (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServiceChildOptions {
  main: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Run inside this network namespace (needs root). */
  netns?: string;
  timeoutMs?: number;
}

export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function exited(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null;
}

export function startServiceChild(name: string, args: readonly string[], opts: ServiceChildOptions): Promise<ServiceChild> {
  const fd = openSync(opts.logFile, 'a');
  const node = [process.execPath, opts.main, ...args];
  const [cmd, ...argv] = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...node] : node;
  const proc = spawn(cmd as string, argv, { stdio: ['ignore', fd, fd, 'ipc'], env: { ...process.env, ...opts.env } });
  closeSync(fd);
  const kill = (signal: NodeJS.Signals = 'SIGKILL') =>
    new Promise<void>((resolve) => {
      if (exited(proc)) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  return new Promise((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${timeoutMs / 1000} s; log ${opts.logFile}:\n${logTail(opts.logFile)}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready; log ${opts.logFile}:\n${logTail(opts.logFile)}`));
    };
    proc.once('exit', onExit);
    proc.on('message', (m: unknown) => {
      const msg = m as { type?: unknown; info?: Record<string, unknown> };
      if (msg?.type !== 'ready') return;
      clearTimeout(timer);
      proc.off('exit', onExit);
      resolve({
        name,
        proc,
        info: msg.info ?? {},
        logFile: opts.logFile,
        alive: () => !exited(proc),
        kill,
        async stop(graceMs = 10_000) {
          if (exited(proc)) return;
          const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
          await kill('SIGTERM');
          clearTimeout(t);
        },
      });
    });
  });
}
