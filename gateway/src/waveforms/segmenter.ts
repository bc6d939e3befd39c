/**
 * Continuous samples → fixed-length waveform segments (pure, clock-free: times are passed in).
 * A recording is a run of samples whose timing is continuous. Each segment carries the recording
 * id and its index so the cloud can join them; the last one says `last: true`. A full segment is
 * handed out when the next sample arrives (one sample period later), so the final segment of a
 * recording is always known and marked. Lost samples inside a recording are `null` → FHIR 'E'
 * (never a made-up value).
 *
 * Inside a recording the sample clock is the truth; the wall clock only reveals a loss the device
 * could not report (a packet counter that wrapped). Samples cannot arrive before they were taken,
 * so samples arriving early only mean the recording began on a late-delivered sample: they go on.
 * Samples arriving more than `maxDriftMs` late are either a backlog (the process or the adapter
 * held them: lateness shrinks as it drains, faster than real time) or a loss (lateness stays as
 * wall time goes on). They are held until that is known: a backlog joins the recording; lateness
 * that lasts `maxDriftMs` of wall time ends the recording, and the held samples start a new one.
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

/** Late samples held until their lateness is known to be a backlog or a loss. */
interface LateRun {
  rows: Row[];
  /** Wall time of the first held sample, and of the latest. */
  firstAt: number;
  lastAt: number;
}

export class WaveformSegmenter {
  private recordingId: string | undefined;
  private index = 0;
  private recordingStart = 0;
  /** Samples since the recording started. */
  private count = 0;
  private rows: Row[] = [];
  private segmentStart = 0;
  private held: WaveformSegment | undefined;
  private late: LateRun | undefined;

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
      const maxDrift = this.opts.maxDriftMs ?? 1000;
      const held = this.late?.rows.length ?? 0;
      const expected = this.recordingStart + (this.count + held) * this.opts.periodMs;
      if (firstAt - expected > maxDrift) {
        const late = this.late ?? { rows: [], firstAt, lastAt: firstAt };
        late.rows.push(...rows);
        late.lastAt = firstAt + (rows.length - 1) * this.opts.periodMs;
        this.late = late;
        // Still late after maxDrift of wall time: samples were lost unseen; the recording ends there.
        if (late.lastAt - late.firstAt > maxDrift) {
          this.late = undefined;
          this.close();
          this.start(late.rows, late.firstAt);
        }
        return;
      }
      // On time again: the late samples were a backlog, in order, and join the recording.
      const backlog = this.late;
      this.late = undefined;
      if (backlog) this.append(backlog.rows);
      this.append(rows);
      return;
    }
    this.start(rows, firstAt);
  }

  private start(rows: readonly Row[], firstAt: number): void {
    // A recording starts at its first real sample, not with markers for samples before it.
    const skip = rows.findIndex((r) => r.some((v) => v !== null));
    if (skip < 0) return;
    if (skip > 0) {
      this.start(rows.slice(skip), firstAt + skip * this.opts.periodMs);
      return;
    }
    this.recordingId = this.opts.newRecordingId();
    this.index = 0;
    this.recordingStart = firstAt;
    this.count = 0;
    this.segmentStart = firstAt;
    this.append(rows);
  }

  private append(rows: readonly Row[]): void {
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
    this.close();
    // Late samples whose lateness was never resolved are not claimed to continue it: their own recording.
    const late = this.late;
    this.late = undefined;
    if (late) {
      this.start(late.rows, late.firstAt);
      this.close();
    }
  }

  private close(): void {
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
