/**
 * The gateway's audio section: the stethoscope input. A PulseAudio source (PipeWire answers the same
 * protocol through pipewire-pulse); 16 kHz mono 16-bit by default — see docs/waveforms.md for why.
 */
import { type Static, Type } from '@sinclair/typebox';

export const STETHOSCOPE_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000] as const;

export const StethoscopeConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'record auscultations (nurse page, /api/stethoscope)' }),
    deviceId: Type.String({ minLength: 1, maxLength: 128, default: 'audio:stethoscope', description: 'device id on the readings' }),
    manufacturer: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'recorded on the readings' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'recorded on the readings' })),
    pulseServer: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "PulseAudio server, e.g. 'unix:/run/user/1000/pulse/native'; default: the user's",
      }),
    ),
    pulseDevice: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'PulseAudio source name (pactl list short sources); default: the default source',
      }),
    ),
    sampleRateHz: Type.Union(
      STETHOSCOPE_RATES.map((r) => Type.Literal(r)),
      { default: 16000, description: 'recorded rate; ≥ 8000 keeps ≥ 4 kHz of bandwidth' },
    ),
    segmentSeconds: Type.Integer({
      minimum: 1,
      maximum: 10,
      // 1 s of 16 kHz FLAC is ~18 KB: within the sync's 32 KiB per-observation budget, so an alarm
      // never waits behind more than ~0.2 s of stethoscope data on a 1 Mbit/s link (docs/sync-protocol.md).
      default: 1,
      description: 'one observation per segment, sized for a weak link',
    }),
    maxDurationSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 120, description: 'a recording stops by itself after this' }),
  },
  { default: {}, additionalProperties: false, description: 'the digital stethoscope, a PulseAudio/PipeWire source' },
);
export type StethoscopeConfig = Static<typeof StethoscopeConfig>;

export const AudioConfig = Type.Object({ stethoscope: StethoscopeConfig }, { default: {}, additionalProperties: false });
export type AudioConfig = Static<typeof AudioConfig>;
