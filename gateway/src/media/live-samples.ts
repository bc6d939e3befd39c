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
  /** Another device is followed only after the current one has been silent this long (default 2 s). */
  switchAfterMs?: number;
  onChunk: (c: EcgChunk) => void;
}

/**
 * Samples → EcgChunk (pure apart from the callback): one lead of one device, consecutive samples
 * only — a lost sample ends the chunk and the next one starts at its own t0, so the page never
 * draws made-up values. `seq` increases by one per chunk, and `t0` strictly increases: a new run
 * (after a loss, a drift, another device) never starts before the end of the previous one.
 * Within a run, time follows the sample clock (receive times jitter with USB polling); a drift of
 * the receive times over 1 s starts a new run at the receive time. Two devices sending at once
 * would interleave two traces into one: the chunker follows the first, and another device only
 * once the first has been silent for `switchAfterMs`.
 */
export class EcgChunker {
  private seq = 0;
  private pending: { t0: number; periodMs: number; factor: number; lead: string; samples: number[] } | null = null;
  /** Sample-clock time of the next sample of the current run (null: no run). */
  private next: number | null = null;
  /** The device followed, and when it last sent anything (receive time). */
  private device: { id: string; lastAt: number } | null = null;
  /** Sample-clock time just after the last sample that went into a chunk. */
  private end = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: EcgChunkerOptions) {}

  push(s: LiveSamples): void {
    const col = this.o.lead === undefined ? 0 : s.leads.indexOf(this.o.lead);
    if (col < 0 || s.rows.length === 0 || !(s.periodMs > 0)) return;
    const lastAt = s.t0 + (s.rows.length - 1) * s.periodMs;
    if (this.device !== null && this.device.id !== s.deviceId) {
      if (lastAt - this.device.lastAt < (this.o.switchAfterMs ?? 2000)) return;
      this.flush();
      this.next = null;
    }
    this.device = { id: s.deviceId, lastAt };
    const lead = s.leads[col] ?? 'ECG';
    s.rows.forEach((row, i) => {
      const v = row[col];
      const received = s.t0 + i * s.periodMs;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        this.flush();
        this.next = null;
        return;
      }
      const n = this.next;
      const t = n !== null && Math.abs(n - received) <= 1000 ? n : Math.max(received, this.end);
      if (t !== n) this.flush();
      const p = this.pending;
      if (p === null || p.lead !== lead || p.periodMs !== s.periodMs || p.factor !== s.factor) {
        this.flush();
        this.pending = { t0: t, periodMs: s.periodMs, factor: s.factor, lead, samples: [] };
      }
      this.pending?.samples.push(Math.round(v));
      this.next = t + s.periodMs;
      this.end = this.next;
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
