/**
 * A real coturn TURN server (Debian package coturn) on loopback for a test: REST-API shared-secret
 * authentication (use-auth-secret), relaying between loopback peers only, its own database and log
 * in a temp directory. Ready when turnutils_stunclient (coturn's own client) gets a STUN answer.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Coturn {
  port: number;
  /** turn:127.0.0.1:<port>?transport=udp */
  url: string;
  secret: string;
  /** A file holding the secret, as the cloud's teleconsult.turn.sharedSecretFile reads it. */
  secretFile: string;
  /** What coturn logged so far. */
  log(): string;
  /** turnutils_uclient allocates a relay with these credentials and sends through it: true when it could. */
  allocates(username: string, credential: string): Promise<boolean>;
  stop(): Promise<void>;
}

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** `listenOn`: addresses to listen on besides 127.0.0.1 (a veth's, for a peer in another namespace). */
export async function startCoturn(opts: { listenOn?: readonly string[] } = {}): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-coturn-'));
  const secret = randomBytes(24).toString('base64url');
  const secretFile = join(dir, 'turn-secret');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const port = await freeTcpPort();
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const logFile = join(dir, 'turn.log');
  const proc: ChildProcess = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      ...(opts.listenOn ?? []).map((a) => `--listening-ip=${a}`),
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=telecart.test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      // Peers are on loopback in tests only; a deployment refuses them (coturn's default).
      '--allow-loopback-peers',
      '--fingerprint',
      `--userdb=${join(dir, 'turndb')}`,
      `--log-file=${logFile}`,
      '--simple-log',
      `--pidfile=${join(dir, 'pid')}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`turnserver exited with ${proc.exitCode}:\n${log().slice(-2000)}`);
    try {
      await run('turnutils_stunclient', ['-p', String(port), '127.0.0.1'], { timeout: 2000 });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`turnserver did not answer STUN on 127.0.0.1:${port}:\n${log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    secretFile,
    log,
    async allocates(username, credential) {
      try {
        // -y: the client is its own peer; -n 1 -m 1: one message through one allocation; -c: no RTCP.
        await run(
          'turnutils_uclient',
          ['-y', '-c', '-n', '1', '-m', '1', '-u', username, '-w', credential, '-p', String(port), '127.0.0.1'],
          {
            timeout: 10_000,
          },
        );
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
