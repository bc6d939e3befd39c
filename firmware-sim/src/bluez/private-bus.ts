/**
 * A private D-Bus message bus (dbus-daemon) on a unix socket in a temp dir, so the BlueZ
 * look-alike and BLE clients can talk over real D-Bus without root and without a system bus.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateBus {
  /** D-Bus address, e.g. 'unix:path=/tmp/telecart-bus-x/bus.sock,guid=…'. */
  address: string;
  pid: number;
  stop(): Promise<void>;
}

export interface PrivateBusOptions {
  /** Directory for the config and the socket; a fresh temp dir (removed on stop) when omitted. */
  dir?: string;
  /** dbus-daemon executable; default 'dbus-daemon' from PATH. */
  daemon?: string;
  /** How long to wait for the daemon to print its address. */
  startTimeoutMs?: number;
}

function busConfig(socketPath: string): string {
  // Session-type bus: anyone may own any name and send/receive anything (test bus, local user only).
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socketPath}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function waitForAddress(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const done = (e?: Error, address?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      child.off('error', onError);
      if (e) reject(e);
      else resolve(address ?? '');
    };
    const onOut = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) done(undefined, out.slice(0, nl).trim());
    };
    const onErr = (chunk: Buffer) => {
      err += chunk.toString('utf8');
    };
    const onExit = (code: number | null) => done(new Error(`dbus-daemon exited (${code}) before printing its address: ${err.trim()}`));
    const onError = (e: Error) => done(new Error(`cannot start dbus-daemon: ${e.message}`));
    const timer = setTimeout(() => done(new Error(`dbus-daemon printed no address within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

export async function startPrivateBus(opts: PrivateBusOptions = {}): Promise<PrivateBus> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'telecart-bus-')));
  const configPath = join(dir, 'bus.conf');
  await writeFile(configPath, busConfig(join(dir, 'bus.sock')));

  const child = spawn(opts.daemon ?? 'dbus-daemon', [`--config-file=${configPath}`, '--print-address=1', '--nofork'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = child.exitCode !== null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });

  let address: string;
  try {
    address = await waitForAddress(child, opts.startTimeoutMs ?? 5000);
  } catch (e) {
    if (!exited) child.kill('SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  // Keep draining the pipes so the daemon never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exitedPromise;
        clearTimeout(killTimer);
      }
      if (ownDir) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const pid = child.pid;
  if (pid === undefined) {
    await stop();
    throw new Error('dbus-daemon started without a pid');
  }
  return { address, pid, stop };
}
