/**
 * The gateway's `camera:` and `media:` sections: which ONVIF camera the specialist drives, and what
 * the live teleconsultation sends (video source and codec, stethoscope audio, ICE confinement).
 * Figures behind the defaults: docs/teleconsult-media.md.
 */
import { type Static, Type } from '@sinclair/typebox';
import { type ConfigIssue, urlProblem } from '@telecart/protocol';

export const CameraConfig = Type.Object(
  {
    url: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'ONVIF device service URL, e.g. http://10.0.0.5/onvif/device_service' }),
    ),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'ONVIF and RTSP user' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'ONVIF and RTSP password' })),
    profileToken: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: "media profile; default: the camera's first" }),
    ),
    streamUri: Type.Optional(
      Type.String({ pattern: '^rtsps?://', maxLength: 512, description: 'RTSP URI; default: asked with GetStreamUri' }),
    ),
    deadManMs: Type.Integer({
      minimum: 200,
      maximum: 10_000,
      default: 1000,
      description: 'a continuous move stops when not repeated within this',
    }),
  },
  { default: {}, additionalProperties: false },
);
export type CameraConfig = Static<typeof CameraConfig>;

export const VIDEO_SOURCES = ['camera', 'webcam', 'test'] as const;
export type VideoSourceKind = (typeof VIDEO_SOURCES)[number];

export const MediaConfig = Type.Object(
  {
    video: Type.Object(
      {
        source: Type.Union(
          VIDEO_SOURCES.map((s) => Type.Literal(s)),
          { default: 'camera', description: "'camera': the ONVIF camera's RTSP stream; 'webcam': v4l2src; 'test': videotestsrc" },
        ),
        webcamDevice: Type.String({
          pattern: '^/dev/[A-Za-z0-9_./-]{1,64}$',
          default: '/dev/video0',
          description: 'V4L2 device of the USB webcam',
        }),
        codec: Type.Union([Type.Literal('auto'), Type.Literal('h264'), Type.Literal('vp8')], {
          default: 'auto',
          description: "'auto' offers H.264 (camera passed through) then VP8; 'vp8' forces transcoding",
        }),
        width: Type.Integer({ minimum: 160, maximum: 1920, default: 640, description: 'encoded width in pixels (when transcoding)' }),
        height: Type.Integer({ minimum: 120, maximum: 1080, default: 360, description: 'encoded height in pixels (when transcoding)' }),
        fps: Type.Integer({ minimum: 1, maximum: 30, default: 15, description: 'encoded frame rate (when transcoding)' }),
        startBitrateKbps: Type.Integer({
          minimum: 32,
          maximum: 8000,
          default: 500,
          description: 'video bitrate at the start of a call, then adapted to the link',
        }),
        minBitrateKbps: Type.Integer({
          minimum: 16,
          maximum: 2000,
          default: 40,
          description: 'video never goes below (audio and ECG first)',
        }),
        maxBitrateKbps: Type.Integer({ minimum: 32, maximum: 8000, default: 1500, description: 'video never goes above' }),
        rtspTransport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')], {
          default: 'tcp',
          description: "transport of the camera's RTSP stream",
        }),
      },
      { default: {}, additionalProperties: false, description: 'the video of a teleconsultation' },
    ),
    audio: Type.Object(
      {
        source: Type.Union([Type.Literal('stethoscope'), Type.Literal('test'), Type.Literal('none')], {
          default: 'stethoscope',
          description: "'stethoscope': the PulseAudio source of audio.stethoscope, unprocessed; 'test': audiotestsrc",
        }),
        channels: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1, description: 'audio channels sent' }),
        bitrateKbps: Type.Integer({ minimum: 16, maximum: 256, default: 32, description: 'Opus bitrate' }),
      },
      { default: {}, additionalProperties: false, description: 'the sound of a teleconsultation (Opus)' },
    ),
    ice: Type.Object(
      {
        hostAddresses: Type.Array(Type.String({ minLength: 2, maxLength: 64 }), {
          default: [],
          maxItems: 8,
          description: 'gather host candidates on these addresses only (e.g. 127.0.0.1 in tests); [] = every interface',
        }),
        portMin: Type.Optional(
          Type.Integer({ minimum: 1024, maximum: 65535, description: 'lowest local UDP port for ICE (used with portMax)' }),
        ),
        portMax: Type.Optional(
          Type.Integer({ minimum: 1024, maximum: 65535, description: 'highest local UDP port for ICE (used with portMin)' }),
        ),
      },
      { default: {}, additionalProperties: false, description: "the gateway peer's ICE candidates" },
    ),
    uplinkBudget: Type.Boolean({
      default: true,
      description:
        "one budget for the cart's uplink (the gateway's peer and the nurse page's conversation): on a weak link the room camera, then the PTZ video are paused and the audio made lighter, voice, stethoscope and ECG first (docs/conversation.md); false: each peer adapts alone",
    }),
    conversation: Type.Object(
      {
        simulated: Type.Boolean({
          default: false,
          description:
            "true: the nurse page's conversation sends a generated picture (a moving test pattern with the resident's name and the time) and a generated voice-like sound instead of the cart browser's camera and microphone (demos and tests without those devices; `telecart demo` sets it)",
        }),
      },
      { default: {}, additionalProperties: false, description: "the conversation between the nurse page and the specialist's page" },
    ),
  },
  { default: {}, additionalProperties: false },
);
export type MediaConfig = Static<typeof MediaConfig>;
export type VideoConfig = MediaConfig['video'];
export type MediaAudioConfig = MediaConfig['audio'];

/**
 * Values handed to gst-launch as one `name=value` argument each: the pipelines refuse spaces and '!'
 * (they would split a stage), so such a value could never be used; say so at load instead of at the call.
 */
export function pipelineValueProblem(value: string | undefined): string | undefined {
  if (value === undefined || !/[\s!]/.test(value)) return undefined;
  return "must not contain spaces or '!' (GStreamer pipeline argument)";
}

/** What the camera and media sections need beyond their schema (part of checkGatewayConfig); [] when fine. */
export function checkMediaConfig(camera: CameraConfig, media: MediaConfig): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const url = (path: (string | number)[], value: string | undefined, protocols: string[]) => {
    const p = value === undefined ? undefined : urlProblem(value, protocols);
    if (p) problems.push({ path, message: p });
  };
  url(['camera', 'url'], camera.url, ['http:', 'https:']);
  url(['camera', 'streamUri'], camera.streamUri, ['rtsp:', 'rtsps:']);
  for (const key of ['streamUri', 'username', 'password'] as const) {
    const p = pipelineValueProblem(camera[key]);
    if (p) problems.push({ path: ['camera', key], message: p });
  }
  const { portMin, portMax } = media.ice;
  // The ICE port range is applied only with both ends: one alone would be silently ignored.
  if ((portMin === undefined) !== (portMax === undefined))
    problems.push({
      path: ['media', 'ice', portMin === undefined ? 'portMin' : 'portMax'],
      message: 'required with portMin/portMax (give both ends of the range)',
    });
  else if (portMin !== undefined && portMax !== undefined && portMin > portMax)
    problems.push({ path: ['media', 'ice', 'portMin'], message: `above portMax (${portMin} > ${portMax})` });
  const v = media.video;
  if (v.minBitrateKbps > v.maxBitrateKbps)
    problems.push({
      path: ['media', 'video', 'minBitrateKbps'],
      message: `above maxBitrateKbps (${v.minBitrateKbps} > ${v.maxBitrateKbps})`,
    });
  else if (v.startBitrateKbps < v.minBitrateKbps || v.startBitrateKbps > v.maxBitrateKbps)
    problems.push({
      path: ['media', 'video', 'startBitrateKbps'],
      message: `expected between minBitrateKbps and maxBitrateKbps (${v.minBitrateKbps}-${v.maxBitrateKbps}, got ${v.startBitrateKbps})`,
    });
  return problems;
}
