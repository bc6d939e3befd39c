/**
 * A simulated Nonin oximeter on a pty, speaking data format 2, 7 or 8 continuously (the pleth
 * from the PPG model, SpO2/HR as set) or 13 (spot-check records on demand). It keeps what it
 * actually wrote, so tests can compare what the gateway recorded with what the device sent.
 */
import {
  encodeNoninDf8,
  encodeNoninDf13,
  encodeNoninFrame,
  NONIN_FRAME_RATE_HZ,
  NONIN_FRAMES_PER_PACKET,
  type NoninDf13Input,
  noninFloatSchedule,
} from '@telecart/devices';
import { deriveSeed } from '../ble-devices/prng.js';
import { Ppg } from '../signals/ppg.js';
import { PacedWriter } from './paced-writer.js';
import type { PtyPair } from './pty-pair.js';

export type NoninSimFormat = 'nonin-df2' | 'nonin-df7' | 'nonin-df8' | 'nonin-df13';

export interface NoninSimOptions {
  pty: PtyPair;
  format: NoninSimFormat;
  seed?: number;
  spo2?: number;
  hr?: number;
}

/** Perfusion "green" (GPRF), the usual status of a well-placed sensor. */
const STATUS_OK = 0x80 | 0x02;
const STATUS_SENSOR_OFF = 0x80 | 0x08;

export class SimulatedNoninOximeter {
  spo2: number;
  hr: number;
  /** Finger out: SNSA set and missing-data values, as the device does. */
  sensorOff = false;
  /** Pleth samples written (DF2/DF7), in order. */
  readonly plethWritten: number[] = [];
  /** Packets written (DF8) or records written (DF13). */
  packetsWritten = 0;
  private readonly writer: PacedWriter | undefined;
  private readonly ppg: Ppg;
  private floats: number[] = [];

  constructor(private readonly o: NoninSimOptions) {
    this.spo2 = o.spo2 ?? 97;
    this.hr = o.hr ?? 72;
    this.ppg = new Ppg({ sampleRateHz: NONIN_FRAME_RATE_HZ, hrMean: this.hr, seed: deriveSeed(o.seed ?? 1, 'nonin-pleth') });
    if (o.format === 'nonin-df2' || o.format === 'nonin-df7') {
      const fmt = o.format === 'nonin-df2' ? 'df2' : 'df7';
      const max = fmt === 'df2' ? 255 : 65535;
      this.writer = new PacedWriter(o.pty, NONIN_FRAME_RATE_HZ, (n) => {
        const i = n % NONIN_FRAMES_PER_PACKET;
        if (i === 0)
          this.floats = noninFloatSchedule(this.sensorOff ? { hr: null, spo2: null } : { hr: this.hr, spo2: this.spo2, stat2: 0 });
        const x = this.ppg.next();
        const pleth = this.sensorOff ? 0 : Math.max(0, Math.min(max, Math.round(((x + 0.5) / 2.5) * max)));
        const status = (this.sensorOff ? STATUS_SENSOR_OFF : STATUS_OK) | (i === 0 ? 0x01 : 0);
        return {
          bytes: encodeNoninFrame(fmt, { status, pleth, float: this.floats[i] ?? 0 }),
          onWritten: () => this.plethWritten.push(pleth),
        };
      });
    } else if (o.format === 'nonin-df8') {
      this.writer = new PacedWriter(o.pty, 1, () => ({
        bytes: encodeNoninDf8({
          status: 0,
          hr: this.sensorOff ? null : this.hr,
          spo2: this.sensorOff ? null : this.spo2,
          stat2: this.sensorOff ? 0x08 : 0,
        }),
        onWritten: () => this.packetsWritten++,
      }));
    }
  }

  get format(): NoninSimFormat {
    return this.o.format;
  }

  start(): void {
    this.writer?.start();
  }

  stop(): void {
    this.writer?.stop();
  }

  /** DF13: sends one spot-check record now (e.g. a measurement replayed from memory). */
  async spotCheck(r: NoninDf13Input): Promise<boolean> {
    const ok = await this.o.pty.write(encodeNoninDf13(r));
    if (ok) this.packetsWritten++;
    return ok;
  }
}
