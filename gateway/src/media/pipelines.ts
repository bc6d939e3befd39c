/**
 * The teleconsultation's GStreamer pipelines as gst-launch-1.0 argument lists (pure). Each one ends
 * in RTP on a loopback UDP port that the gateway reads and hands to werift. gst-launch children
 * follow docs/gstreamer.md (a plugin crash kills a child, never the gateway); what that costs for
 * video — no runtime property changes, so a bitrate change or a forced keyframe is a restart — is
 * measured in docs/teleconsult-media.md.
 *
 * Encoders are set for live use: no lookahead, CBR, short GOP (one keyframe per second, so a
 * browser that lost a frame waits at most that), and the encoder parameters the toolchain saw
 * decoded by Chromium.
 */
import type { CaptureSource } from '../audio/pipelines.js';

export type VideoCodec = 'h264' | 'vp8';

export type VideoInput =
  | { kind: 'rtsp'; uri: string; transport: 'tcp' | 'udp'; username?: string; password?: string }
  | { kind: 'webcam'; device: string }
  | { kind: 'test' };

export interface VideoPipeline {
  input: VideoInput;
  codec: VideoCodec;
  /** Camera H.264 sent as is (no decode): only with an RTSP input and H.264. */
  passThrough: boolean;
  bitrateKbps: number;
  width: number;
  height: number;
  fps: number;
  rtpPort: number;
}

/** gst-launch gets each property as one argv item (no shell): refuse what would split a stage. */
function prop(name: string, value: string): string {
  if (/[\s!]/.test(value) || value.length === 0)
    throw new Error(`${name} must be non-empty, without spaces or '!': ${JSON.stringify(value)}`);
  return `${name}=${value}`;
}

const udpSink = (port: number) => ['udpsink', 'host=127.0.0.1', `port=${port}`, 'sync=false', 'async=false'];

function rtspSource(i: Extract<VideoInput, { kind: 'rtsp' }>): string[] {
  return [
    'rtspsrc',
    prop('location', i.uri),
    `protocols=${i.transport}`,
    'latency=0',
    'drop-on-latency=true',
    ...(i.username ? [prop('user-id', i.username)] : []),
    ...(i.password ? [prop('user-pw', i.password)] : []),
    '!',
    'rtph264depay',
    '!',
    'h264parse',
  ];
}

function rawCaps(p: VideoPipeline): string {
  return `video/x-raw,format=I420,width=${p.width},height=${p.height},framerate=${p.fps}/1`;
}

const H264_PAY = ['rtph264pay', 'pt=96', 'config-interval=-1', 'aggregate-mode=zero-latency', 'mtu=1200'];

export function encoderArgs(codec: VideoCodec, bitrateKbps: number, fps: number): string[] {
  const kbps = Math.max(16, Math.round(bitrateKbps));
  if (codec === 'vp8') {
    return [
      'vp8enc',
      'deadline=1',
      'cpu-used=8',
      'end-usage=cbr',
      'lag-in-frames=0',
      `target-bitrate=${kbps * 1000}`,
      `keyframe-max-dist=${fps}`,
      'error-resilient=partitions',
      'buffer-size=500',
      'undershoot=95',
      '!',
      'rtpvp8pay',
      'pt=96',
      'picture-id-mode=15-bit',
      'mtu=1200',
    ];
  }
  return [
    'x264enc',
    'tune=zerolatency',
    'speed-preset=ultrafast',
    `bitrate=${kbps}`,
    `vbv-buf-capacity=${500}`,
    `key-int-max=${fps}`,
    '!',
    'video/x-h264,profile=constrained-baseline',
    '!',
    ...H264_PAY,
  ];
}

export function videoArgs(p: VideoPipeline): string[] {
  if (p.passThrough) {
    if (p.input.kind !== 'rtsp' || p.codec !== 'h264') throw new Error('pass-through needs an RTSP H.264 input sent as H.264');
    // SPS/PPS in front of every IDR, so a browser that joins or lost a packet can decode the next one.
    return [...rtspSource(p.input), 'config-interval=-1', '!', ...H264_PAY, '!', ...udpSink(p.rtpPort)];
  }
  const source: string[] =
    p.input.kind === 'rtsp'
      ? [...rtspSource(p.input), '!', 'avdec_h264', '!', 'videoconvert', '!', 'videoscale', '!', 'videorate', 'drop-only=true']
      : p.input.kind === 'webcam'
        ? ['v4l2src', prop('device', p.input.device), 'do-timestamp=true', '!', 'videoconvert', '!', 'videoscale', '!', 'videorate']
        : ['videotestsrc', 'is-live=true', 'pattern=ball', 'motion=sweep', '!', 'videoconvert'];
  return [
    ...source,
    '!',
    rawCaps(p),
    '!',
    'queue',
    'max-size-buffers=2',
    'leaky=downstream',
    '!',
    ...encoderArgs(p.codec, p.bitrateKbps, p.fps),
    '!',
    ...udpSink(p.rtpPort),
  ];
}

export type AudioInput = { kind: 'pulse'; source: CaptureSource } | { kind: 'test' };

/**
 * Stethoscope sound as Opus 48 kHz: no AGC, no noise suppression, no echo cancellation — the same
 * unprocessed PulseAudio capture as the recorder (filter.suppress, a non-voice role, volume pinned),
 * and Opus told it is not speech (audio-type=generic, no DTX: heart sounds are not silence).
 */
export function audioArgs(o: {
  input: AudioInput;
  channels: 1 | 2;
  bitrateKbps: number;
  rtpPort: number;
  frameMs?: 20 | 60;
  /** Wideband (0–8 kHz) below 24 kbit/s: Opus spends its few bits where heart and lung sounds are. */
  bandwidth?: 'fullband' | 'wideband';
}): string[] {
  const source =
    o.input.kind === 'test'
      ? ['audiotestsrc', 'is-live=true', 'wave=sine', 'freq=120', 'volume=0.3']
      : [
          'pulsesrc',
          ...(o.input.source.pulseServer ? [prop('server', o.input.source.pulseServer)] : []),
          ...(o.input.source.pulseDevice ? [prop('device', o.input.source.pulseDevice)] : []),
          'volume=1.0',
          'mute=false',
          'client-name=telecart-teleconsult',
          'stream-properties=props,media.role=production,filter.suppress=echo-cancel,media.name=teleconsult-stethoscope',
          'buffer-time=40000',
          'latency-time=10000',
        ];
  return [
    ...source,
    '!',
    'audioconvert',
    '!',
    'audioresample',
    '!',
    `audio/x-raw,rate=48000,channels=${o.channels}`,
    '!',
    'opusenc',
    'audio-type=generic',
    `bandwidth=${o.bandwidth ?? 'fullband'}`,
    // 60 ms frames on a weak uplink (the budget's lean audio): a third of the packets' headers.
    `frame-size=${o.frameMs ?? 20}`,
    `bitrate=${o.bitrateKbps * 1000}`,
    'inband-fec=true',
    'dtx=false',
    '!',
    'rtpopuspay',
    'pt=111',
    '!',
    ...udpSink(o.rtpPort),
  ];
}
