/**
 * Continuous samples → fixed-length waveform segments (pure, clock-free: times are passed in).
 * A recording is a run of samples whose timing is continuous. Each segment carries the recording
 * id and its index so the cloud can join them; the last one says `last: true`. A full segment is
 * handed out when the next sample arrives (one sample period later), so the final segment of a
 * recording is always known and marked. Lost samples inside a recording are `null` → FHIR 'E'
 * (never a made-up value); when the sample clock and the wall clock drift apart by more than
 * `maxDriftMs` (a long loss the device could not report), the recording ends and a new one starts.
 */

export interface WaveformSegment {
  recordingId: string;
  index: number;
  last: boolean;
  /** Time of the first sample, ms since epoch. */
  startMs: number;
  /** Samples in this segment (rows, one per sample time). */
  sampleCount: number;
  /** Interleaved by channel, space-separated integers; 'E' where a sample was lost. */
  data: string;
}

export interface SegmenterOptions {
  channels: number;
  periodMs: number;
  /** Samples per segment (per channel). */
  segmentSamples: number;
  newRecordingId: () => string;
  onSegment: (s: WaveformSegment) => void;
  /** Default 1000 ms. */
  maxDriftMs?: number;
}

type Row = readonly (number | null)[];

export class WaveformSegmenter {
  private recordingId: string | undefined;
  private index = 0;
  private recordingStart = 0;
  /** Samples since the recording started. */
  private count = 0;
  private rows: Row[] = [];
  private segmentStart = 0;
  private held: WaveformSegment | undefined;

  constructor(private readonly opts: SegmenterOptions) {
    if (!(opts.segmentSamples >= 1) || !(opts.periodMs > 0) || !(opts.channels >= 1)) throw new RangeError('segmenter: bad options');
  }

  get recording(): string | undefined {
    return this.recordingId;
  }

  /** Samples taken at `firstAt`, `firstAt + periodMs`, …; null = lost sample. */
  push(rows: readonly Row[], firstAt: number): void {
    if (rows.length === 0) return;
    if (this.recordingId !== undefined) {
      const expected = this.recordingStart + this.count * this.opts.periodMs;
      if (Math.abs(firstAt - expected) > (this.opts.maxDriftMs ?? 1000)) this.end();
    }
    if (this.recordingId === undefined) {
      // A recording starts at its first real sample, not with markers for samples before it.
      const skip = rows.findIndex((r) => r.some((v) => v !== null));
      if (skip < 0) return;
      if (skip > 0) {
        this.push(rows.slice(skip), firstAt + skip * this.opts.periodMs);
        return;
      }
      this.recordingId = this.opts.newRecordingId();
      this.index = 0;
      this.recordingStart = firstAt;
      this.count = 0;
      this.segmentStart = firstAt;
    }
    for (const row of rows) {
      if (this.held) {
        this.opts.onSegment(this.held);
        this.held = undefined;
      }
      if (this.rows.length === 0) this.segmentStart = this.recordingStart + this.count * this.opts.periodMs;
      this.rows.push(row);
      this.count++;
      if (this.rows.length === this.opts.segmentSamples) this.held = this.cut(false);
    }
  }

  /** Ends the current recording: its last segment (full or partial) goes out with `last: true`. */
  end(): void {
    if (this.recordingId === undefined) return;
    if (this.held) {
      this.opts.onSegment({ ...this.held, last: this.rows.length === 0 });
      this.held = undefined;
    }
    if (this.rows.length > 0) this.opts.onSegment(this.cut(true));
    this.recordingId = undefined;
  }

  private cut(last: boolean): WaveformSegment {
    const data = this.rows.map((r) => r.map((v) => (v === null ? 'E' : String(Math.round(v)))).join(' ')).join(' ');
    const s: WaveformSegment = {
      recordingId: this.recordingId ?? '',
      index: this.index++,
      last,
      startMs: this.segmentStart,
      sampleCount: this.rows.length,
      data,
    };
    this.rows = [];
    return s;
  }
}
