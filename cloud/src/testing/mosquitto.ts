/**
 * Starts a real Mosquitto broker (Debian package) for tests, benches and the chaos runs: its own
 * config and persistence in a temp directory, a free loopback port, stopped and restartable on the
 * same port so clients can reconnect to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MosquittoOptions {
  /** Default: a fresh temp directory, removed on stop(). */
  dir?: string;
  /** Default: a free loopback port. */
  port?: number;
  host?: string;
  /** Extra lines appended to the generated mosquitto.conf (TLS, ACLs, listeners…). */
  extraConfig?: string;
  /** Keep persistence (mosquitto.db) across restarts. Default true. */
  persistence?: boolean;
  /** Default /usr/sbin/mosquitto. */
  binary?: string;
  /**
   * Replaces the default plain, anonymous listener: returns the listener lines for (port, host),
   * e.g. mosquittoListenerConfig() of cloud/src/security. The URL then says mqtts://.
   */
  tlsListener?: (port: number, host: string) => string;
}

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly configPath: string;
  /** The live process id, or null while stopped. */
  pid(): number | null;
  /** Everything Mosquitto logged so far (it logs to stderr). */
  log(): string;
  /** SIGKILL (or the given signal) without cleanup, as a crash would. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same config. */
  restart(): Promise<void>;
  /** SIGHUP: Mosquitto re-reads its config, ACL file and (for new connections) the CRL. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(host: string, port: number, timeoutMs: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with code ${proc.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const host = opts.host ?? '127.0.0.1';
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'telecart-mosquitto-'));
  const port = opts.port ?? (await freePort(host));
  const persistence = opts.persistence ?? true;
  const configPath = join(dir, 'mosquitto.conf');
  writeFileSync(
    configPath,
    [
      ...(opts.tlsListener
        ? [opts.tlsListener(port, host), 'allow_anonymous false']
        : [`listener ${port} ${host}`, 'allow_anonymous true']),
      // Started as root, Mosquitto drops to the 'mosquitto' user, which cannot read 0700 temp dirs.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `persistence ${persistence}`,
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'max_inflight_messages 0',
      'max_queued_messages 100000',
      opts.extraConfig ?? '',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | null = null;
  let logText = '';

  const launch = async (): Promise<void> => {
    const p = spawn(opts.binary ?? '/usr/sbin/mosquitto', ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.setEncoding('utf8');
    p.stderr?.on('data', (d: string) => {
      logText = (logText + d).slice(-64_000);
    });
    proc = p;
    try {
      await waitForPort(host, port, 10_000, p);
    } catch (e) {
      p.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${logText}`);
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const p = proc;
    if (p === null || p.exitCode !== null || p.signalCode !== null) {
      proc = null;
      return;
    }
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
    proc = null;
  };

  await launch();
  return {
    url: `${opts.tlsListener ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    dir,
    configPath,
    pid: () => proc?.pid ?? null,
    log: () => logText,
    kill,
    reload: async () => {
      const p = proc;
      if (p === null || p.exitCode !== null) throw new Error('mosquitto is not running');
      const before = logText.length;
      p.kill('SIGHUP');
      // Mosquitto logs the reload at notice level; wait for it so callers can rely on the new files.
      const deadline = Date.now() + 5000;
      while (!/reloading config/i.test(logText.slice(Math.max(0, before - 200))) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    restart: async () => {
      await kill('SIGKILL');
      await launch();
    },
    stop: async () => {
      await kill('SIGTERM');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
