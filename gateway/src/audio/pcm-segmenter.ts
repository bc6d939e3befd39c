/**
 * Cuts a PCM byte stream (16-bit mono) into segments of a fixed number of samples, exactly: chunk
 * boundaries from the pipe do not matter, no sample is lost or repeated, and the start sample of
 * each segment is known (so its time is too). Pure.
 */
export interface PcmSegment {
  index: number;
  /** Sample offset of the segment's first sample from the start of the recording. */
  startSample: number;
  pcm: Buffer;
}

export class PcmSegmenter {
  private readonly segmentBytes: number;
  private parts: Buffer[] = [];
  private buffered = 0;
  private index = 0;
  private samples = 0;

  constructor(readonly samplesPerSegment: number) {
    if (!Number.isInteger(samplesPerSegment) || samplesPerSegment < 1) throw new RangeError(`samplesPerSegment ${samplesPerSegment}`);
    this.segmentBytes = samplesPerSegment * 2;
  }

  /** Adds bytes; returns the segments they completed (all but the last of the recording). */
  push(bytes: Buffer): PcmSegment[] {
    this.parts.push(bytes);
    this.buffered += bytes.length;
    const out: PcmSegment[] = [];
    // Strictly more: a full segment is handed out once the next one has begun, so the one left for
    // flush() is always the last of the recording (and can say so), even when it is full length.
    while (this.buffered > this.segmentBytes) out.push(this.take(this.segmentBytes));
    return out;
  }

  /** The rest (whole samples only), or null when nothing is left. */
  flush(): PcmSegment | null {
    const bytes = this.buffered - (this.buffered % 2);
    if (bytes === 0) return null;
    return this.take(bytes);
  }

  /** Samples handed out in segments so far. */
  get totalSamples(): number {
    return this.samples;
  }

  private take(n: number): PcmSegment {
    const all = Buffer.concat(this.parts);
    const pcm = all.subarray(0, n);
    const rest = all.subarray(n);
    this.parts = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.buffered = rest.length;
    const seg: PcmSegment = { index: this.index++, startSample: this.samples, pcm: Buffer.from(pcm) };
    this.samples += n / 2;
    return seg;
  }
}
