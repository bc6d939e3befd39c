/**
 * Starts a real, throwaway PostgreSQL server (Debian package) for tests and benches: a fresh
 * cluster in a temp directory, a free loopback port, the unix socket inside that directory, trust
 * authentication for the `postgres` user on loopback only. `stop()` shuts it down and removes it.
 *
 * initdb refuses to run as root: when this process is root, the server runs as the `postgres`
 * system user and the temp directory is handed to it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './mosquitto.js';

const execFileAsync = promisify(execFile);

export interface PostgresOptions {
  /** Directory holding initdb/postgres; default $TELECART_PG_BIN, else the newest /usr/lib/postgresql/N/bin, else $PATH. */
  binDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Extra server settings, `-c name=value` each. */
  settings?: Record<string, string | number>;
  /** Give up waiting for the server after this long (default 30 s: the machine may be busy). */
  readyTimeoutMs?: number;
}

export interface Postgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Everything the server logged so far. */
  log(): string;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** The uid/gid of the `postgres` system user when we are root (initdb and postgres refuse root). */
function runAs(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error('running as root, and there is no `postgres` system user to run PostgreSQL as (install the postgresql package)');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function findBinDir(explicit?: string): string {
  const candidates: string[] = [];
  const fromEnv = explicit ?? process.env.TELECART_PG_BIN;
  if (fromEnv) candidates.push(fromEnv);
  else {
    const root = '/usr/lib/postgresql';
    if (existsSync(root)) {
      const versions = readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a));
      candidates.push(...versions.map((v) => join(root, v, 'bin')));
    }
    candidates.push(...(process.env.PATH ?? '').split(':').filter(Boolean));
  }
  const dir = candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
  if (dir === undefined) {
    throw new Error(
      `PostgreSQL server binaries (initdb, postgres) not found in ${candidates.join(', ') || '(nowhere)'}; ` +
        'install the Debian package `postgresql`, set TELECART_PG_BIN to their directory, ' +
        'or give an existing server with TELECART_TEST_PG_URL',
    );
  }
  return dir;
}

async function waitReady(url: string, proc: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`postgres exited (${proc.exitCode ?? proc.signalCode}) before accepting connections:\n${log()}`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      // Not up yet ("the database system is starting up", ECONNREFUSED): poll again.
    } finally {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<Postgres> {
  const bin = findBinDir(opts.binDir);
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'telecart-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(sock, user.uid, user.gid);
  }
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  try {
    // --no-sync only skips flushing the template files once; the server itself runs with fsync on.
    await execFileAsync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { ...asUser, cwd: dir, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (e) {
    cleanup();
    const err = e as Error & { stderr?: string };
    const hint = user ? ' (it runs as the postgres user, which must be able to reach the temp directory: set TMPDIR)' : '';
    throw new Error(`initdb failed in ${data}${hint}: ${err.stderr || err.message}`);
  }

  const port = opts.port ?? (await freePort());
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: sock,
    max_connections: 200,
    logging_collector: 'off',
    ...opts.settings,
  };
  const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const proc = spawn(join(bin, 'postgres'), args, { ...asUser, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let logText = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    logText = (logText + d).slice(-64_000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // If the test process dies without stop(), do not leave a server behind.
  const onExit = () => {
    proc.kill('SIGQUIT');
    try {
      cleanup(); // best effort: the server may still be writing as it dies
    } catch {}
  };
  process.once('exit', onExit);

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    })();
    return stopping;
  };

  try {
    await waitReady(url, proc, opts.readyTimeoutMs ?? 30_000, () => logText);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, dir, log: () => logText, stop };
}
