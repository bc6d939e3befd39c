/**
 * Live waveform samples as they are read, for whoever watches live (the teleconsultation's 'ecg'
 * data channel), apart from the recorded segments that go to the store. The serial service emits
 * on this bus; nothing here keeps samples, so no listener means no cost.
 */
import { EventEmitter } from 'node:events';
import type { EcgChunk } from '@telecart/protocol';

export interface LiveSamples {
  deviceId: string;
  /** Lead names, one per column of `rows`. */
  leads: readonly string[];
  /** Time of the first row, ms since epoch. */
  t0: number;
  periodMs: number;
  /** mV per digital unit. */
  factor: number;
  /** One row per sample time, one value per lead; null = lost sample. */
  rows: readonly (readonly (number | null)[])[];
}

export class LiveSampleBus extends EventEmitter<{ samples: [LiveSamples] }> {}

export interface EcgChunkerOptions {
  /** Which lead goes out (default: the first of each device's). */
  lead?: string;
  /** Samples per chunk: 256 Hz / 32 ≈ 8 chunks a second (≈ 125 ms added latency at most). */
  chunkSamples?: number;
  onChunk: (c: EcgChunk) => void;
}

/**
 * Samples → EcgChunk (pure apart from the callback): one lead, consecutive samples only — a lost
 * sample ends the chunk and the next one starts at its own t0, so the page never draws made-up
 * values. `seq` increases by one per chunk, across devices and gaps.
 */
export class EcgChunker {
  private seq = 0;
  private pending: { t0: number; periodMs: number; factor: number; lead: string; samples: number[] } | null = null;
  /** Sample-clock time of the next sample of the current run (null: no run). */
  private next: { deviceId: string; t: number } | null = null;

  constructor(private readonly o: EcgChunkerOptions) {}

  push(s: LiveSamples): void {
    const col = this.o.lead === undefined ? 0 : s.leads.indexOf(this.o.lead);
    if (col < 0) return;
    const lead = s.leads[col] ?? 'ECG';
    s.rows.forEach((row, i) => {
      const v = row[col];
      const received = s.t0 + i * s.periodMs;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        this.flush();
        this.next = null;
        return;
      }
      // Within a run, time follows the sample clock (receive times jitter with USB polling);
      // another device or a drift over 1 s starts a new run at its receive time.
      const n = this.next;
      const t = n !== null && n.deviceId === s.deviceId && Math.abs(n.t - received) <= 1000 ? n.t : received;
      if (t !== n?.t) this.flush();
      const p = this.pending;
      if (p === null || p.lead !== lead || p.periodMs !== s.periodMs) {
        this.flush();
        this.pending = { t0: t, periodMs: s.periodMs, factor: s.factor, lead, samples: [] };
      }
      this.pending?.samples.push(Math.round(v));
      this.next = { deviceId: s.deviceId, t: t + s.periodMs };
      if ((this.pending?.samples.length ?? 0) >= (this.o.chunkSamples ?? 32)) this.flush();
    });
  }

  flush(): void {
    const p = this.pending;
    this.pending = null;
    if (!p || p.samples.length === 0) return;
    this.o.onChunk({ seq: this.seq++, t0: p.t0, periodMs: p.periodMs, lead: p.lead.slice(0, 16), factor: p.factor, samples: p.samples });
  }
}
