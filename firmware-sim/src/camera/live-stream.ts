/**
 * The simulated camera's live video: a gst-launch-1.0 child encodes a test pattern to H.264
 * (constrained baseline, as IP cameras send) with the CURRENT pan/tilt/zoom written on it, and
 * RTP-packetises it to a loopback UDP port; the RTSP server fans the packets out to its clients.
 *
 * How the overlay follows the PTZ model while streaming: textoverlay's text pad is fed by
 * `fdsrc fd=0` (writes of ≤ PIPE_BUF bytes are atomic and fdsrc reads exactly one write's size, so
 * one write is one text buffer — no property changes at runtime, no bindings needed). Seen here:
 * an untimestamped text buffer is drawn on ONE video frame and then dropped, and the text pad
 * blocks meanwhile. So the simulator writes faster than the frame rate (3 per frame) through a
 * one-buffer leaky queue: every frame gets text (no flicker) and it is the newest (no backlog —
 * writes slower than frames made the text blink, faster ones without the queue made it lag
 * further and further behind). The text has
 * two lines: the numbers, and a gauge whose marker's place encodes pan (so a test can check the
 * picture follows the camera by pixels alone, no OCR).
 *
 * The encoder makes ONE slice per picture (`threads=1`): x264's sliced threads otherwise cut each
 * picture into as many slices as the machine has cores, rtph264pay then repeats SPS/PPS before every
 * IDR slice, and ffmpeg splits the picture there ("corrupt decoded frame", half a picture smeared).
 * The SDP carries the encoder's own SPS/PPS (`sprop-parameter-sets`), and a client's first packet is
 * the start of a keyframe, so a decoder that joins has everything it needs from its first picture.
 *
 * `flash: true` adds a second overlay, fed the same way through fd 3, that shows a large white
 * block in the bottom-right corner on demand (`LiveStream.flash`): the glass-to-glass benchmark
 * lights it at known instants and finds it again in the browser's <video>.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Writable } from 'node:stream';
import { h264Fmtp, nalStarts, rtpPayload, startsKeyframe } from './h264-rtp.js';
import type { Position } from './ptz-model.js';
import { type RtspServer, startRtspServer } from './rtsp-server.js';
import { type VideoEncoderSettings, videoEncoderSettings } from './video-encoder.js';

export interface LiveStreamOptions {
  host: string;
  /** RTSP port; 0 (default) picks a free one. */
  port?: number;
  /** Encoder settings not given take DEFAULT_VIDEO_ENCODER's (video-encoder.ts); bad ones are refused. */
  width?: number;
  height?: number;
  fps?: number;
  /** H.264 bitrate, kbit/s. */
  bitrateKbps?: number;
  /** Pictures from one IDR to the next. */
  govLength?: number;
  /** How often the overlay text is written: faster than the frame rate. Default a third of a frame. */
  textIntervalMs?: number;
  position: () => Position;
  /** A second overlay: a white block in the bottom-right corner, lit by `LiveStream.flash(true)`. */
  flash?: boolean;
  onError?: (reason: string) => void;
  /** The camera's clock, for the RTSP Date header. Default Date.now. */
  now?: () => number;
}

export interface LiveStream {
  readonly uri: string;
  readonly rtsp: RtspServer;
  /** The settings the running encoder was started with. */
  readonly encoder: VideoEncoderSettings;
  /** The encoder child's process id. */
  readonly pid: number | undefined;
  /** RTP packets the encoder has produced so far. */
  readonly packets: number;
  /**
   * Lights (or clears) the flash block; returns the wall-clock time (ms since epoch, sub-ms)
   * at which the text went to the encoder child. Throws without the `flash` option.
   */
  flash(on: boolean): number;
  stop(): Promise<void>;
}

const TEXT_BYTES = 64;
const FLASH_BYTES = 16;
/** Keeps only the newest text buffer for the overlay to take at the next frame. */
const NEWEST = ['queue', 'max-size-buffers=1', 'max-size-bytes=0', 'max-size-time=0', 'leaky=downstream'];
/** Gauge cells: the marker sits in cell round((pan + 1) / 2 × (GAUGE_CELLS − 1)). */
export const GAUGE_CELLS = 21;

/** The pan gauge: `[----#----]`, one '#' where pan is (−1 left, +1 right). */
export function panGauge(pan: number): string {
  const clamped = Math.max(-1, Math.min(1, Number.isFinite(pan) ? pan : 0));
  const at = Math.round(((clamped + 1) / 2) * (GAUGE_CELLS - 1));
  return `[${'-'.repeat(at)}#${'-'.repeat(GAUGE_CELLS - 1 - at)}]`;
}

/** The overlay text for a position: numbers, then the pan gauge; exactly TEXT_BYTES bytes (ASCII). */
export function overlayLine(p: Position): Buffer {
  const s = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(3);
  const text = `pan ${s(p.pan)} tilt ${s(p.tilt)} zoom ${p.zoom.toFixed(3)}\n${panGauge(p.pan)}`;
  return Buffer.from(text.padEnd(TEXT_BYTES, ' ').slice(0, TEXT_BYTES), 'ascii');
}

/** The flash overlay's text: four full blocks (U+2588), or nothing; exactly FLASH_BYTES bytes. */
export function flashText(on: boolean): Buffer {
  const b = Buffer.alloc(FLASH_BYTES, 0x20);
  if (on) b.write('\u2588'.repeat(4), 0, 'utf8');
  return b;
}

export function liveStreamPipeline(o: VideoEncoderSettings & { rtpPort: number; flash?: boolean }): string[] {
  const flash = o.flash
    ? [
        '!',
        'textoverlay',
        'name=flash',
        'wait-text=false',
        'valignment=bottom',
        'halignment=right',
        'font-desc=Sans 48',
        'shaded-background=false',
      ]
    : [];
  const flashText = o.flash
    ? ['fdsrc', 'fd=3', `blocksize=${FLASH_BYTES}`, '!', ...NEWEST, '!', 'text/x-raw,format=utf8', '!', 'flash.text_sink']
    : [];
  return [
    'videotestsrc',
    'is-live=true',
    // Colour bars without smpte's moving noise block: only the overlay changes from frame to frame.
    'pattern=smpte75',
    '!',
    `video/x-raw,width=${o.width},height=${o.height},framerate=${o.fps}/1`,
    '!',
    'textoverlay',
    'name=ptz',
    'wait-text=false',
    'valignment=top',
    'halignment=left',
    'font-desc=Monospace 14',
    'line-alignment=left',
    'shaded-background=true',
    ...flash,
    '!',
    'videoconvert',
    '!',
    'x264enc',
    'tune=zerolatency',
    'speed-preset=ultrafast',
    `bitrate=${o.bitrateKbps}`,
    `key-int-max=${o.govLength}`,
    // One slice per picture whatever the core count (see the top of this file).
    'threads=1',
    // No access unit delimiters: RTP marks picture ends itself (RFC 6184), cameras do not send them.
    'aud=false',
    '!',
    'video/x-h264,profile=constrained-baseline',
    '!',
    'rtph264pay',
    'pt=96',
    // x264 already puts SPS and PPS before every IDR; -1 made the payloader add a second copy.
    'config-interval=0',
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
    ...NEWEST,
    '!',
    'text/x-raw,format=utf8',
    '!',
    'ptz.text_sink',
    ...flashText,
  ];
}

/** How long the encoder may take to produce its first SPS/PPS. */
const FIRST_KEYFRAME_TIMEOUT_MS = 10_000;

export async function startLiveStream(o: LiveStreamOptions): Promise<LiveStream> {
  const encoder = videoEncoderSettings({
    ...(o.width !== undefined ? { width: o.width } : {}),
    ...(o.height !== undefined ? { height: o.height } : {}),
    ...(o.fps !== undefined ? { fps: o.fps } : {}),
    ...(o.bitrateKbps !== undefined ? { bitrateKbps: o.bitrateKbps } : {}),
    ...(o.govLength !== undefined ? { govLength: o.govLength } : {}),
  });
  const { fps } = encoder;
  let sps: Buffer | null = null;
  let pps: Buffer | null = null;
  let parameterSetsSeen: () => void = () => undefined;
  const parameterSets = new Promise<void>((resolve) => {
    parameterSetsSeen = resolve;
  });
  const rtsp = await startRtspServer({
    host: o.host,
    ...(o.port !== undefined ? { port: o.port } : {}),
    path: '/stream',
    media: {
      type: 'video',
      payloadType: 96,
      rtpmap: 'H264/90000',
      fmtp: () => (sps && pps ? h264Fmtp(sps, pps) : 'packetization-mode=1'),
    },
    ...(o.onError ? { onMalformed: o.onError } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  const rtp = createSocket('udp4');
  let packets = 0;
  rtp.on('message', (m) => {
    packets++;
    const starts = nalStarts(rtpPayload(m) ?? Buffer.alloc(0));
    for (const s of starts) {
      if (s.type === 7 && s.nal) sps = Buffer.from(s.nal);
      if (s.type === 8 && s.nal) pps = Buffer.from(s.nal);
    }
    if (sps && pps) parameterSetsSeen();
    rtsp.feed(m, startsKeyframe(starts));
  });
  rtp.on('error', (e) => o.onError?.(`rtp socket: ${e.message}`));
  await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r));

  const child: ChildProcess = spawn(
    'gst-launch-1.0',
    ['-q', '--no-fault', ...liveStreamPipeline({ ...encoder, rtpPort: rtp.address().port, flash: o.flash === true })],
    { stdio: ['pipe', 'ignore', 'pipe', o.flash ? 'pipe' : 'ignore'] },
  );
  const flashPipe = o.flash ? (child.stdio[3] as Writable | null) : null;
  flashPipe?.on('error', () => undefined);
  let stopping = false;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin?.on('error', () => undefined);
  let failure: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      failure = `gst-launch-1.0 could not start: ${e.message}`;
      o.onError?.(failure);
      resolve();
    });
    child.once('close', (code, signal) => {
      failure = `camera stream encoder exited (${code ?? signal}): ${stderr.trim().split('\n').pop() ?? ''}`;
      if (!stopping) o.onError?.(failure);
      resolve();
    });
  });
  let flashOn = false;
  const write = () => {
    if (child.stdin?.writable) child.stdin.write(overlayLine(o.position()));
    if (flashPipe?.writable) flashPipe.write(flashText(flashOn));
  };
  write();
  const timer = setInterval(write, o.textIntervalMs ?? Math.max(10, Math.floor(1000 / fps / 3)));
  timer.unref();

  const stop = async () => {
    stopping = true;
    clearInterval(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rtp.close();
    await rtsp.close();
  };
  // DESCRIBE must carry the encoder's parameter sets: serve only once they are known.
  let waited: ReturnType<typeof setTimeout> | undefined;
  const ready = await Promise.race([
    parameterSets.then(() => true),
    exited.then(() => false),
    new Promise<false>((r) => {
      waited = setTimeout(() => r(false), FIRST_KEYFRAME_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(waited);
  if (!ready) {
    const why = failure ?? `no SPS/PPS from the encoder within ${FIRST_KEYFRAME_TIMEOUT_MS} ms`;
    await stop();
    throw new Error(`the simulated camera's stream did not start: ${why}`);
  }

  return {
    uri: rtsp.url,
    rtsp,
    encoder,
    pid: child.pid,
    get packets() {
      return packets;
    },
    flash(on) {
      if (!flashPipe) throw new Error('the live stream was started without the flash option');
      flashOn = on;
      const at = performance.timeOrigin + performance.now();
      if (flashPipe.writable) flashPipe.write(flashText(on));
      return at;
    },
    stop,
  };
}
