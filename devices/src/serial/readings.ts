/**
 * What each serial format's packets become, per device (pure): final readings (DF13 spot checks),
 * a continuous SpO2/pulse to show live and hold (DF2/DF7/DF8), waveform rows (pleth, ECG) with the
 * waveform's description. A definition's stream-decoder capability carries one of these; the
 * gateway's serial service runs it and holds no per-format code.
 */
import type { Code, SampledData } from '@telecart/protocol';
import { ecgCode, PLETH_CODE } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { SERIAL_FORMATS, type SerialFormatName, type SerialPacket } from './formats.js';
import { noninDf8Spo2Pulse, noninDisqualified, noninRealtimeSpo2Pulse, noninSpotCheckToDrafts, type Spo2Pulse } from './mappings.js';

/** Nonin values carry the device's own verdict in their flags. */
const noninHoldable = (v: Spo2Pulse) => ({ ...v, holdable: !noninDisqualified(v.flags) });

/** A device's configured options (serial.devices[] in the gateway config). */
export interface StreamOptions {
  /** ECG boards: which channels (1-based) are which leads; default channel 1 = lead II. */
  leads?: readonly { channel: number; lead: string }[];
  /** ECG: ADC value of 0 V (default 512). */
  baseline?: number;
  /** ECG calibration: µV at the electrodes per ADC step. */
  microvoltsPerUnit?: number;
}

/** A waveform a stream carries: its code, its sample rate and the SampledData header of its segments. */
export interface StreamWaveform {
  code: Code;
  sampleRateHz: number;
  sampled: Omit<SampledData, 'data'>;
}

/** What one decoded packet becomes; every part optional. */
export interface StreamItem {
  /** Final readings of one record, stored together or not at all (a spot check). */
  readings?: ObservationDraft[];
  /**
   * A continuous SpO2/pulse: shown live; a value held long enough becomes a reading. Not `holdable`
   * when the device says it is not a measurement (sensor off, out of track).
   */
  spo2Pulse?: Spo2Pulse & { holdable: boolean };
  /** Samples lost before `rows`: filled with lost-sample markers, or 'break' (too many: the recording ends). */
  lost?: number | 'break';
  /** Waveform rows (one per sample, one value per channel, null = lost); the last one was received now. */
  rows?: (number | null)[][];
  /** When set, `rows` are also shown live (ECG to the teleconsultation), after this many lost samples as a gap. */
  liveGap?: number;
}

export interface StreamReadings<P> {
  /** Absent when the stream carries no waveform. */
  waveform?: StreamWaveform;
  read(packet: P): StreamItem;
}

/** Olimex SHIELD-EKG-EMG: 5 V over 1024 steps, gain 2848. */
export const OLIMEX_UV_PER_UNIT = 5_000_000 / 1024 / 2848;
/** A P2 counter gap up to this many samples is filled with lost-sample markers; a longer one ends the recording. */
const P2_MAX_FILL = 255;
/** At most this many lost samples are shown live as a gap (a second at 256 Hz). */
const P2_MAX_LIVE_GAP = 256;

function plethWaveform(format: SerialFormatName): StreamWaveform {
  const rate = SERIAL_FORMATS[format].sampleRateHz ?? 75;
  return {
    code: PLETH_CODE,
    sampleRateHz: rate,
    sampled: { origin: { value: 0, unit: '1' }, periodMs: 1000 / rate, factor: 1, dimensions: 1, channels: ['pleth'] },
  };
}

function noninRealtime(format: 'nonin-df2' | 'nonin-df7'): StreamReadings<SerialPacket> {
  return {
    waveform: plethWaveform(format),
    read(p) {
      if (p.format !== format) return {};
      const item: StreamItem = { rows: p.packet.frames.map((f) => [f ? f.pleth : null]) };
      if (p.packet.hr !== undefined || p.packet.spo2 !== undefined) item.spo2Pulse = noninHoldable(noninRealtimeSpo2Pulse(p.packet));
      return item;
    },
  };
}

function openEegP2(opts: StreamOptions): StreamReadings<SerialPacket> {
  const leads = opts.leads ?? [{ channel: 1, lead: 'II' }];
  const channels = leads.map((l) => l.channel - 1);
  const baseline = opts.baseline ?? 512;
  const rate = SERIAL_FORMATS['openeeg-p2'].sampleRateHz ?? 256;
  const factor = (opts.microvoltsPerUnit ?? OLIMEX_UV_PER_UNIT) / 1000;
  const names = leads.map((l) => l.lead);
  return {
    waveform: {
      code: ecgCode(names),
      sampleRateHz: rate,
      sampled: {
        origin: { value: 0, unit: 'mV' },
        periodMs: 1000 / rate,
        factor,
        lowerLimit: -baseline * factor,
        upperLimit: (1023 - baseline) * factor,
        dimensions: leads.length,
        channels: names,
      },
    },
    read(p) {
      if (p.format !== 'openeeg-p2') return {};
      const lostBefore = p.packet.lostBefore;
      const row = channels.map((c) => (p.packet.channels[c] ?? baseline) - baseline);
      // Lost samples go live as gaps too (at most a second's worth), so the live trace breaks there.
      const item: StreamItem = { rows: [row], liveGap: Math.min(lostBefore, P2_MAX_LIVE_GAP) };
      if (lostBefore > 0) item.lost = lostBefore <= P2_MAX_FILL ? lostBefore : 'break';
      return item;
    },
  };
}

/** The readings of each serial format, for a device with the given options. */
export const SERIAL_READINGS: Record<SerialFormatName, (opts: StreamOptions) => StreamReadings<SerialPacket>> = {
  'nonin-df2': () => noninRealtime('nonin-df2'),
  'nonin-df7': () => noninRealtime('nonin-df7'),
  'nonin-df8': () => ({ read: (p) => (p.format === 'nonin-df8' ? { spo2Pulse: noninHoldable(noninDf8Spo2Pulse(p.packet)) } : {}) }),
  // The SpO2 and pulse rate of one spot check are stored together or not at all.
  'nonin-df13': () => ({ read: (p) => (p.format === 'nonin-df13' ? { readings: noninSpotCheckToDrafts(p.packet) } : {}) }),
  'openeeg-p2': openEegP2,
};
