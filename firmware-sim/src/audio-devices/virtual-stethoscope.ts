/**
 * The simulated stethoscope: synthesized heart sounds played in real time into a PulseAudio sink
 * through a GStreamer pipeline (fdsrc → rawaudioparse → pulsesink). The sink's monitor is then the
 * "stethoscope input" the gateway records. Node writes the PCM with back-pressure: pulsesink plays
 * at the sink's clock and the pipe fills up, so generation follows real time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { HeartSoundGenerator, type HeartSoundOptions, toPcm16 } from '../signals/heart-sounds.js';

export interface VirtualStethoscopeOptions extends Omit<HeartSoundOptions, 'sampleRateHz'> {
  /** PulseAudio server (`unix:/…/native`) and sink to play into. */
  server: string;
  sink: string;
  sampleRateHz?: number;
  /** PCM written per chunk, ms. Default 50. */
  chunkMs?: number;
  logger?: { warn(msg: string, ctx?: Record<string, unknown>): void };
}

export interface VirtualStethoscope {
  sampleRateHz: number;
  /** Seconds of audio handed to the player so far. */
  writtenSeconds(): number;
  stop(): Promise<void>;
}

export async function startVirtualStethoscope(opts: VirtualStethoscopeOptions): Promise<VirtualStethoscope> {
  const rate = opts.sampleRateHz ?? 16_000;
  const gen = new HeartSoundGenerator({ ...opts, sampleRateHz: rate });
  const chunk = Math.max(1, Math.round(((opts.chunkMs ?? 50) * rate) / 1000));
  const args = [
    '-q',
    '--no-fault',
    'fdsrc',
    'fd=0',
    '!',
    'rawaudioparse',
    'use-sink-caps=false',
    'format=pcm',
    'pcm-format=s16le',
    `sample-rate=${rate}`,
    'num-channels=1',
    '!',
    'pulsesink',
    `server=${opts.server}`,
    `device=${opts.sink}`,
    'sync=true',
  ];
  const child: ChildProcess = spawn('gst-launch-1.0', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-2000);
  });
  let stopped = false;
  let written = 0;
  const stdin = child.stdin;
  if (!stdin) throw new Error('no stdin for the player');
  stdin.on('error', () => {
    // EPIPE when the player dies: reported by 'exit'.
  });
  child.once('exit', (code, signal) => {
    if (!stopped) opts.logger?.warn('virtual stethoscope: player exited', { code, signal, stderr: stderr.trim() });
    stopped = true;
  });
  const pump = () => {
    while (!stopped) {
      const ok = stdin.write(toPcm16(gen.next(chunk)));
      written += chunk;
      if (!ok) return void stdin.once('drain', pump);
    }
  };
  pump();
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (e) => reject(new Error(`gst-launch-1.0 could not start: ${e.message}`)));
  });
  return {
    sampleRateHz: rate,
    writtenSeconds: () => written / rate,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await done;
      clearTimeout(t);
    },
  };
}
