/**
 * The one video encoder configuration of the simulated camera. The x264enc pipeline is built from it
 * and the Media service describes it (GetProfiles, GetVideoEncoderConfiguration…), so what a client
 * reads is what the stream is: there is no second copy of the numbers to drift.
 */

export interface VideoEncoderSettings {
  width: number;
  height: number;
  fps: number;
  /** x264enc `bitrate` (kbit/s): the rate control's target and VBV ceiling; ONVIF BitrateLimit. */
  bitrateKbps: number;
  /** Pictures from one IDR to the next: x264enc `key-int-max`; ONVIF GovLength. */
  govLength: number;
}

/** 640×360 at 15 fps, 600 kbit/s, one IDR a second. */
export const DEFAULT_VIDEO_ENCODER: Readonly<VideoEncoderSettings> = { width: 640, height: 360, fps: 15, bitrateKbps: 600, govLength: 15 };

const LIMITS: Record<keyof VideoEncoderSettings, readonly [number, number]> = {
  width: [16, 1920],
  height: [16, 1080],
  fps: [1, 60],
  bitrateKbps: [16, 20_000],
  govLength: [1, 600],
};

/**
 * Fills in defaults and refuses values the encoder cannot run with (a clear error naming the field):
 * whole numbers within range, and an even size (4:2:0 chroma is subsampled by two).
 */
export function videoEncoderSettings(partial: Partial<VideoEncoderSettings> = {}): VideoEncoderSettings {
  const s: VideoEncoderSettings = { ...DEFAULT_VIDEO_ENCODER };
  for (const key of Object.keys(LIMITS) as (keyof VideoEncoderSettings)[]) {
    const v = partial[key];
    if (v === undefined) continue;
    const [min, max] = LIMITS[key];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`simulated camera video encoder: ${key}=${String(v)} must be a whole number in [${min}, ${max}]`);
    }
    s[key] = v;
  }
  for (const key of ['width', 'height'] as const) {
    if (s[key] % 2 !== 0) throw new RangeError(`simulated camera video encoder: ${key}=${s[key]} must be even (4:2:0 video)`);
  }
  return s;
}
