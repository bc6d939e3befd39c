/**
 * One forwarded stream's RTP numbering, towards one viewer (pure, no I/O).
 *
 * The viewer must see one continuous stream whatever happens upstream:
 * - sequence numbers: the source's, shifted; padding-only packets are not forwarded (they carry no
 *   media) and the numbers after them close up, so the viewer sees no gap it would report as a loss;
 *   a late or retransmitted packet keeps its place (mapped, not renumbered in arrival order);
 * - timestamps: the source's, shifted; when another source takes the slot (a participant left and
 *   another joined), or the stream resumes after a pause (`resume()`), both continue from the last
 *   packet sent, advanced by the wall time between;
 * - payload type: the viewer's number for the codec (each peer connection negotiates its own);
 *   a packet whose payload type the viewer did not negotiate (RTX, RED…) is not forwarded;
 * - sender reports: the source's RTP timestamp in a report maps as its packets' do (`timestampFor`), so
 *   the report the viewer gets pairs the source's clock with the stream it receives (lip sync,
 *   forwarding-room.ts).
 */

export interface RtpIn {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  payloadType: number;
  /** No media payload (a padding-only packet). */
  paddingOnly: boolean;
}

export interface RtpOut {
  sequenceNumber: number;
  timestamp: number;
  payloadType: number;
}

export type Rewrite = { forward: RtpOut } | { drop: 'padding' | 'unknown-payload-type' | 'too-old' };

export interface RewriterOptions {
  /** The codec's clock rate (90000 video, 48000 Opus), to advance timestamps across a switch. */
  clockRate: number;
  /** Source payload type → the viewer's payload type for the same codec (setPayloadTypes on a switch). */
  payloadTypes: ReadonlyMap<number, number>;
}

/** Packets further back than this (in sequence numbers) are refused: older than any cache or jitter buffer. */
const WINDOW = 2048;
const SEQ = 0x1_0000;
const TS = 0x1_0000_0000;

/** Extends a 16-bit sequence number to the value nearest `ref` (unwraps 65535 → 0). */
export function unwrapSeq(seq: number, ref: number): number {
  const base = ref - (ref & 0xffff) + seq;
  if (base - ref > SEQ / 2) return base - SEQ;
  if (ref - base > SEQ / 2) return base + SEQ;
  return base;
}

export class RtpRewriter {
  private ssrc: number | undefined;
  /** Highest extended input sequence number of the current source. */
  private maxIn = 0;
  /** First extended input sequence number of the current source (older ones belong to no one). */
  private firstIn = 0;
  /** output = input + offset − (dropped inputs before it). */
  private offset = 0;
  private tsOffset = 0;
  /** Extended input numbers of dropped padding packets, ascending, within WINDOW of maxIn. */
  private dropped: number[] = [];
  /** Highest extended output number sent, its timestamp, and when. */
  private lastOut: { ext: number; timestamp: number; at: number } | undefined;

  private payloadTypes: ReadonlyMap<number, number>;

  constructor(private readonly opts: RewriterOptions) {
    this.payloadTypes = opts.payloadTypes;
  }

  /** Another source takes the slot: its payload types, mapped to the viewer's. */
  setPayloadTypes(map: ReadonlyMap<number, number>): void {
    this.payloadTypes = map;
  }

  /**
   * The stream resumes after a pause (the unit stopped forwarding it to this viewer): the next packet
   * continues the viewer's numbering and timeline as a new source would, so the packets not
   * forwarded meanwhile leave no gap the viewer would ask for again.
   */
  resume(): void {
    this.ssrc = undefined;
  }

  /**
   * The viewer's timestamp for a timestamp of source `ssrc` (a sender report's), as its packets are rewritten now;
   * undefined when `ssrc` is not the source being forwarded (another, or none since a resume: the next packet sets
   * the mapping).
   */
  timestampFor(ssrc: number, timestamp: number): number | undefined {
    if (ssrc !== this.ssrc) return undefined;
    return mod(timestamp + this.tsOffset, TS);
  }

  rewrite(p: RtpIn, nowMs: number): Rewrite {
    if (p.ssrc !== this.ssrc) this.switchTo(p, nowMs);
    const ext = unwrapSeq(p.sequenceNumber, this.maxIn);
    if (ext < this.firstIn || ext <= this.maxIn - WINDOW) return { drop: 'too-old' };
    if (ext > this.maxIn) {
      this.maxIn = ext;
      this.prune();
    }
    if (p.paddingOnly) {
      this.markDropped(ext);
      return { drop: 'padding' };
    }
    const payloadType = this.payloadTypes.get(p.payloadType);
    if (payloadType === undefined) {
      this.markDropped(ext);
      return { drop: 'unknown-payload-type' };
    }
    const outExt = ext + this.offset - this.droppedBefore(ext);
    const timestamp = mod(p.timestamp + this.tsOffset, TS);
    if (!this.lastOut || outExt > this.lastOut.ext) this.lastOut = { ext: outExt, timestamp, at: nowMs };
    return { forward: { sequenceNumber: mod(outExt, SEQ), timestamp, payloadType } };
  }

  /** A new source (the first, or one replacing another): continue from what the viewer last got. */
  private switchTo(p: RtpIn, nowMs: number): void {
    this.ssrc = p.ssrc;
    const ext = p.sequenceNumber;
    this.maxIn = ext;
    this.firstIn = ext;
    this.dropped = [];
    if (!this.lastOut) {
      this.offset = 0;
      this.tsOffset = 0;
      return;
    }
    this.offset = this.lastOut.ext + 1 - ext;
    const elapsed = Math.max(1, Math.round(((nowMs - this.lastOut.at) * this.opts.clockRate) / 1000));
    this.tsOffset = mod(this.lastOut.timestamp + elapsed - p.timestamp, TS);
  }

  private markDropped(ext: number): void {
    // Only a number not yet seen counts as a hole to close (a duplicate is not a second one).
    if (ext !== this.maxIn || this.dropped.at(-1) === ext) return;
    this.dropped.push(ext);
  }

  private droppedBefore(ext: number): number {
    let n = 0;
    for (const d of this.dropped) if (d < ext) n++;
    return n;
  }

  /** Holes older than the window are folded into the offset (no packet that old is forwarded any more). */
  private prune(): void {
    while (this.dropped.length > 0 && (this.dropped[0] ?? 0) <= this.maxIn - WINDOW) {
      this.dropped.shift();
      this.offset--;
    }
  }
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
