/**
 * The simulated camera's live video: a gst-launch-1.0 child encodes a test pattern to H.264
 * (constrained baseline, as IP cameras send) with the CURRENT pan/tilt/zoom written on it, and
 * RTP-packetises it to a loopback UDP port; the RTSP server fans the packets out to its clients.
 *
 * How the overlay follows the PTZ model while streaming: textoverlay's text pad is fed by
 * `fdsrc fd=0` (untimestamped text, `wait-text=false`: each buffer replaces the shown text until
 * the next one). The simulator writes a fixed 64-byte line to the child's stdin every
 * `textIntervalMs`; writes of ≤ PIPE_BUF bytes are atomic and fdsrc reads 64 bytes at a time, so
 * one write is one text buffer — no property changes at runtime, no bindings needed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Position } from './ptz-model.js';
import { type RtspServer, startRtspServer } from './rtsp-server.js';

export interface LiveStreamOptions {
  host: string;
  /** RTSP port; 0 (default) picks a free one. */
  port?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** H.264 bitrate, kbit/s. Default 600. */
  bitrateKbps?: number;
  /** How often the overlay text is refreshed. Default 100 ms. */
  textIntervalMs?: number;
  position: () => Position;
  onError?: (reason: string) => void;
}

export interface LiveStream {
  readonly uri: string;
  readonly rtsp: RtspServer;
  /** RTP packets the encoder has produced so far. */
  readonly packets: number;
  stop(): Promise<void>;
}

const TEXT_BYTES = 64;

/** The overlay line for a position, padded to exactly TEXT_BYTES bytes (ASCII). */
export function overlayLine(p: Position): Buffer {
  const s = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(3);
  const text = `pan ${s(p.pan)} tilt ${s(p.tilt)} zoom ${p.zoom.toFixed(3)}`;
  return Buffer.from(text.padEnd(TEXT_BYTES, ' ').slice(0, TEXT_BYTES), 'ascii');
}

export function liveStreamPipeline(o: { width: number; height: number; fps: number; bitrateKbps: number; rtpPort: number }): string[] {
  return [
    'videotestsrc',
    'is-live=true',
    'pattern=smpte',
    '!',
    `video/x-raw,width=${o.width},height=${o.height},framerate=${o.fps}/1`,
    '!',
    'textoverlay',
    'name=ptz',
    'wait-text=false',
    'valignment=top',
    'halignment=left',
    'font-desc=Sans 14',
    'shaded-background=true',
    '!',
    'videoconvert',
    '!',
    'x264enc',
    'tune=zerolatency',
    'speed-preset=ultrafast',
    `bitrate=${o.bitrateKbps}`,
    // One IDR a second: a client that joins (or a gateway that lost packets) waits at most that.
    `key-int-max=${o.fps}`,
    '!',
    'video/x-h264,profile=constrained-baseline',
    '!',
    'rtph264pay',
    'pt=96',
    'config-interval=-1',
    'aggregate-mode=zero-latency',
    'mtu=1200',
    '!',
    'udpsink',
    'host=127.0.0.1',
    `port=${o.rtpPort}`,
    'sync=false',
    'fdsrc',
    'fd=0',
    `blocksize=${TEXT_BYTES}`,
    '!',
    'text/x-raw,format=utf8',
    '!',
    'ptz.text_sink',
  ];
}

export async function startLiveStream(o: LiveStreamOptions): Promise<LiveStream> {
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const fps = o.fps ?? 15;
  const rtsp = await startRtspServer({
    host: o.host,
    ...(o.port !== undefined ? { port: o.port } : {}),
    path: '/stream',
    media: { type: 'video', payloadType: 96, rtpmap: 'H264/90000', fmtp: 'packetization-mode=1;profile-level-id=42e01f' },
    ...(o.onError ? { onMalformed: o.onError } : {}),
  });
  const rtp = createSocket('udp4');
  let packets = 0;
  rtp.on('message', (m) => {
    packets++;
    rtsp.feed(m);
  });
  rtp.on('error', (e) => o.onError?.(`rtp socket: ${e.message}`));
  await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r));

  const child: ChildProcess = spawn(
    'gst-launch-1.0',
    ['-q', '--no-fault', ...liveStreamPipeline({ width, height, fps, bitrateKbps: o.bitrateKbps ?? 600, rtpPort: rtp.address().port })],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stopping = false;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      o.onError?.(`gst-launch-1.0 could not start: ${e.message}`);
      resolve();
    });
    child.once('close', (code, signal) => {
      if (!stopping) o.onError?.(`camera stream encoder exited (${code ?? signal}): ${stderr.trim().split('\n').pop() ?? ''}`);
      resolve();
    });
  });
  const write = () => {
    if (child.stdin?.writable) child.stdin.write(overlayLine(o.position()));
  };
  write();
  const timer = setInterval(write, o.textIntervalMs ?? 100);
  timer.unref();

  return {
    uri: rtsp.url,
    rtsp,
    get packets() {
      return packets;
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rtp.close();
      await rtsp.close();
    },
  };
}
