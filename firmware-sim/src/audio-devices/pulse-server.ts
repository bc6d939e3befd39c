/**
 * A private, user-space PulseAudio server: the audio path of a machine without sound hardware
 * (CI, containers, this project's tests). It has one null sink; whatever is played into the sink
 * comes out of its monitor source, which the gateway captures like a USB stethoscope's input.
 *
 * Why PulseAudio: it runs as any user (root included) without systemd or a session bus, its null
 * sink is clocked in real time, and the gateway's `pulsesrc` capture path is the one a cart uses
 * (PulseAudio, or PipeWire through pipewire-pulse). ALSA's snd-aloop would need a kernel module.
 * Only the two modules below are loaded (`-n`): no echo-cancel, no filter heuristics, no stream
 * volume restore — nothing between the player and the capture changes the signal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PulseServerOptions {
  /** Directory for the socket and PulseAudio's state; default: a new temp dir, removed on stop. */
  dir?: string;
  /** Null sink name; its monitor is `<sink>.monitor`. Default 'telecart-stethoscope'. */
  sink?: string;
  rateHz?: number;
  /** PulseAudio binary. Default 'pulseaudio' from PATH. */
  binary?: string;
  startTimeoutMs?: number;
}

export interface PulseServer {
  /** For pulsesrc/pulsesink `server=` or PULSE_SERVER, e.g. 'unix:/…/native'. */
  server: string;
  sink: string;
  /** The capture side: the sink's monitor source. */
  source: string;
  pid: number;
  stop(): Promise<void>;
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function startPulseServer(opts: PulseServerOptions = {}): Promise<PulseServer> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'telecart-pulse-'));
  const sink = opts.sink ?? 'telecart-stethoscope';
  const socket = join(dir, 'native');
  const rate = opts.rateHz ?? 16_000;
  const args = [
    '-n',
    '--daemonize=no',
    '--exit-idle-time=-1',
    '--use-pid-file=no',
    '--disallow-exit',
    '--log-target=stderr',
    '--log-level=error',
    // Sink first: once the socket accepts, the sink exists.
    `--load=module-null-sink sink_name=${sink} rate=${rate} channels=1 format=s16le`,
    `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
  ];
  const env = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_RUNTIME_PATH: dir, PULSE_STATE_PATH: dir };
  const child = spawn(opts.binary ?? 'pulseaudio', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const failed = new Promise<Error>((resolve) => {
    child.once('error', (e) => resolve(new Error(`pulseaudio could not start: ${e.message} (install the Debian package 'pulseaudio')`)));
    child.once('exit', (code, signal) => resolve(new Error(`pulseaudio exited (${signal ?? code}) at start: ${stderr.trim()}`)));
  });
  const cleanup = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  for (;;) {
    const r = await Promise.race([failed, new Promise<null>((res) => setTimeout(() => res(null), 50))]);
    if (r instanceof Error) {
      cleanup();
      throw r;
    }
    if (await canConnect(socket)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited(child);
      cleanup();
      throw new Error(`pulseaudio did not open ${socket} in time: ${stderr.trim()}`);
    }
  }
  return {
    server: `unix:${socket}`,
    sink,
    source: `${sink}.monitor`,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited(child);
        clearTimeout(t);
      }
      cleanup();
    },
  };
}
