/**
 * A simulated open ECG board (Olimex SHIELD-EKG-EMG on an Arduino, OpenEEG P2 firmware) on a pty:
 * 256 packets/s, channel 1 = the ECGSYN signal digitised as the shield does (gain 2848, 10-bit
 * ADC on 5 V, 0 V at mid-scale 512), channels 2–6 floating near mid-scale. It keeps every
 * channel-1 sample it actually wrote, with its packet counter, and can lose packets on the wire
 * (as a USB-serial adapter overrun does): their counters still advance, so the receiver sees a gap.
 */
import { encodeOpenEegP2, P2_RATE_HZ } from '@telecart/devices';
import { deriveSeed, Prng } from '../ble-devices/prng.js';
import { EcgSyn } from '../signals/ecgsyn.js';
import { PacedWriter } from './paced-writer.js';
import type { PtyPair } from './pty-pair.js';

export interface EcgBoardOptions {
  pty: PtyPair;
  seed?: number;
  hrMean?: number;
  hrStd?: number;
  /** µV per ADC step at the electrodes (default 5 V / 1024 / 2848 ≈ 1.714). */
  microvoltsPerUnit?: number;
}

export const OLIMEX_UV_PER_UNIT = 5_000_000 / 1024 / 2848;

export class SimulatedEcgBoard {
  /** Channel-1 samples written, in order (ADC values 0..1023), with their packet counters. */
  readonly written: { counter: number; value: number }[] = [];
  /** Channel-1 samples in the order the board produced them while connected; null = a packet lost on the wire. */
  readonly timeline: (number | null)[] = [];
  private readonly writer: PacedWriter;
  private toDrop = 0;
  private readonly ecg: EcgSyn;

  constructor(o: EcgBoardOptions) {
    const seed = o.seed ?? 1;
    this.ecg = new EcgSyn({ sampleRateHz: P2_RATE_HZ, hrMean: o.hrMean ?? 70, hrStd: o.hrStd ?? 2, seed: deriveSeed(seed, 'ecg') });
    const noise = new Prng(deriveSeed(seed, 'ecg-floating'));
    const uv = o.microvoltsPerUnit ?? OLIMEX_UV_PER_UNIT;
    this.writer = new PacedWriter(o.pty, P2_RATE_HZ, (n) => {
      const mv = this.ecg.next();
      const value = Math.max(0, Math.min(1023, Math.round(512 + (mv * 1000) / uv)));
      const counter = n & 0xff;
      const channels = [value, ...Array.from({ length: 5 }, () => 512 + noise.int(-3, 3))];
      if (this.toDrop > 0) {
        this.toDrop--;
        return { bytes: new Uint8Array(0), onWritten: () => this.timeline.push(null) };
      }
      return {
        bytes: encodeOpenEegP2({ counter, channels, switches: 0 }),
        onWritten: () => {
          this.written.push({ counter, value });
          this.timeline.push(value);
        },
      };
    });
  }

  /** The next `packets` packets are lost on the wire: produced (time and counter go on) but never written. */
  dropPackets(packets: number): void {
    this.toDrop += packets;
  }

  start(): void {
    this.writer.start();
  }

  stop(): void {
    this.writer.stop();
  }
}
