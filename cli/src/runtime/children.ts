/**
 * Starts telecart services as child processes and waits for their IPC "ready" message (60 s, or
 * without a deadline once the child said it is `starting` a long step: the gateway's store migration).
 * Logs go to files so the demo's terminal stays readable; a child that dies before it is
 * ready fails the start with the tail of its log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage, StartingMessage } from './service.js';

export const MAIN_JS = fileURLToPath(new URL('../main.js', import.meta.url));

export interface StartedChild {
  name: string;
  proc: ChildProcess;
  info: Record<string, unknown>;
  logFile: string;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function startChild(
  name: string,
  args: string[],
  opts: {
    logFile: string;
    env?: NodeJS.ProcessEnv;
    /** Until `ready`; default 60 s. A child that says it is `starting` (a long known step) is waited for without it. */
    timeoutMs?: number;
    main?: string;
    nodeFlags?: readonly string[];
    /** The child said why its start takes long. */
    onStarting?: (detail: string) => void;
  },
): Promise<StartedChild> {
  const fd = openSync(opts.logFile, 'a');
  const proc = spawn(process.execPath, [...(opts.nodeFlags ?? []), opts.main ?? MAIN_JS, ...args], {
    stdio: ['ignore', fd, fd, 'ipc'],
    env: { ...process.env, ...opts.env },
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which stops the
    // children in order; if the parent dies, the IPC channel closes and each child stops itself.
    detached: true,
  });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${(opts.timeoutMs ?? 60_000) / 1000} s; log ${opts.logFile}:\n${tail(opts.logFile)}`));
    }, opts.timeoutMs ?? 60_000);
    proc.on('message', (m: unknown) => {
      const msg = m as Partial<ReadyMessage> | Partial<StartingMessage>;
      if (msg && msg.type === 'starting') {
        // A known long step (the gateway's store migration), not a hung start: waited for, without a deadline.
        clearTimeout(timer);
        opts.onStarting?.(typeof msg.detail === 'string' ? msg.detail.slice(0, 300) : 'starting');
        return;
      }
      if (msg && msg.type === 'ready') {
        clearTimeout(timer);
        resolve({ name, proc, info: msg.info ?? {}, logFile: opts.logFile });
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready; log ${opts.logFile}:\n${tail(opts.logFile)}`));
    });
  });
}

/** Asks every child to stop (SIGTERM), then kills what is left after `graceMs`. */
export async function stopChildren(children: readonly StartedChild[], graceMs = 12_000): Promise<void> {
  // Last started first, one after the other: the gateway goes before the simulators and the cloud it
  // talks to, so it does not log their disappearance as faults while stopping.
  for (const c of [...children].reverse()) {
    await new Promise<void>((resolve) => {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => c.proc.kill('SIGKILL'), graceMs);
      c.proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      c.proc.kill('SIGTERM');
    });
  }
}
