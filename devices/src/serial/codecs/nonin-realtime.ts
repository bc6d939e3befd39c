/**
 * Nonin data formats 2 and 7: 5-byte frames at 75 frames/s, 25 frames to a packet (1/3 s).
 * DF2 frame: [01][STATUS][PLETH][FLOAT][CHK]; DF7 frame: [STATUS][PLETH MSB][PLETH LSB][FLOAT][CHK];
 * CHK = sum of the first four bytes mod 256; STATUS bit 7 is always 1, bit 0 (SYNC) only in frame 1.
 * The FLOAT byte carries a different value in each frame of the packet (HR, SpO2, …).
 *
 * Resync: the parser locks on three consecutive valid frames of packet shape, preferring among
 * overlapping alignments the one that puts a SYNC frame at a packet start (findLock), so noise that
 * reads as frames a few bytes off the stream cannot swallow the real SYNC frame. After any skipped bytes it places
 * the frames it got in time using the SYNC frames on both sides: frames after a SYNC count
 * forward, frames before the next SYNC count backward. So a packet always has 25 slots, a lost
 * frame is an empty slot (never a made-up sample), and FLOAT values are read only from frames
 * whose place is known. A packet that comes up short between two SYNCs with no visible gap (a
 * loss of whole frames, which this framing cannot see) keeps its samples but gets no values.
 */
import { noninHr, noninHrBytes, noninSpo2, noninSpo2Byte } from './nonin-common.js';
import { ByteQueue, emptyOutput, ParseAccounting, type ParseOutput, type ParserStats, type StreamParser, sum8 } from './stream.js';

export type NoninRealtimeFormat = 'df2' | 'df7';

export const NONIN_FRAME_BYTES = 5;
export const NONIN_FRAMES_PER_PACKET = 25;
export const NONIN_FRAME_RATE_HZ = 75;

export interface NoninFrame {
  /** Status byte as sent (bit 7 set; bit 0 = SYNC). */
  status: number;
  /** Pleth sample: 0..255 (DF2) or 0..65535 (DF7). */
  pleth: number;
  /** The frame's FLOAT byte; its meaning depends on the frame's place in the packet. */
  float: number;
}

/** Values carried by the FLOAT bytes. Absent: the frame carrying it was lost; null: the device's missing-data value. */
export interface NoninRealtimeValues {
  /** 4-beat average pulse rate, /min. */
  hr?: number | null;
  /** 4-beat average SpO2, %. */
  spo2?: number | null;
  firmwareRevision?: number;
  stat2?: number;
  /** Display-formatted values, updated every 1.5 s. */
  spo2Display?: number | null;
  hrDisplay?: number | null;
  spo2Fast?: number | null;
  spo2BeatToBeat?: number | null;
  /** 8-beat extended averages. */
  hrExtended?: number | null;
  spo2Extended?: number | null;
  spo2ExtendedDisplay?: number | null;
  hrExtendedDisplay?: number | null;
}

export interface NoninRealtimePacket extends NoninRealtimeValues {
  format: NoninRealtimeFormat;
  /** Exactly 25 slots, 1/75 s apart, in time order; null = that frame was lost. */
  frames: (NoninFrame | null)[];
}

/** FLOAT schedule, 0-based frame index within the packet (spec frame number − 1). */
const F = {
  hrMsb: 0,
  hrLsb: 1,
  spo2: 2,
  srev: 3,
  stat2: 7,
  spo2D: 8,
  spo2Fast: 9,
  spo2BB: 10,
  eHrMsb: 13,
  eHrLsb: 14,
  eSpo2: 15,
  eSpo2D: 16,
  hrDMsb: 19,
  hrDLsb: 20,
  eHrDMsb: 21,
  eHrDLsb: 22,
} as const;

/** Reads the FLOAT values of a packet's frames (slots may be empty). */
export function noninRealtimeValues(frames: readonly (NoninFrame | null)[]): NoninRealtimeValues {
  const fl = (i: number) => frames[i]?.float;
  const v: NoninRealtimeValues = {};
  const hr = (m: number, l: number) => {
    const a = fl(m);
    const b = fl(l);
    return a === undefined || b === undefined ? undefined : noninHr(a, b);
  };
  const sp = (i: number) => {
    const a = fl(i);
    return a === undefined ? undefined : noninSpo2(a);
  };
  const set = <K extends keyof NoninRealtimeValues>(k: K, x: NoninRealtimeValues[K] | undefined) => {
    if (x !== undefined) v[k] = x;
  };
  set('hr', hr(F.hrMsb, F.hrLsb));
  set('spo2', sp(F.spo2));
  set('firmwareRevision', fl(F.srev));
  set('stat2', fl(F.stat2));
  set('spo2Display', sp(F.spo2D));
  set('hrDisplay', hr(F.hrDMsb, F.hrDLsb));
  set('spo2Fast', sp(F.spo2Fast));
  set('spo2BeatToBeat', sp(F.spo2BB));
  set('hrExtended', hr(F.eHrMsb, F.eHrLsb));
  set('spo2Extended', sp(F.eSpo2));
  set('spo2ExtendedDisplay', sp(F.eSpo2D));
  set('hrExtendedDisplay', hr(F.eHrDMsb, F.eHrDLsb));
  return v;
}

/** The 25 FLOAT bytes for a set of values (simulators); unset values send the missing-data sentinels, reserved bytes 0. */
export function noninFloatSchedule(v: Omit<NoninRealtimeValues, never>): number[] {
  const out = new Array<number>(NONIN_FRAMES_PER_PACKET).fill(0);
  const hr = (m: number, l: number, x: number | null | undefined) => {
    const [a, b] = noninHrBytes(x ?? null);
    out[m] = a;
    out[l] = b;
  };
  hr(F.hrMsb, F.hrLsb, v.hr);
  out[F.spo2] = noninSpo2Byte(v.spo2 ?? null);
  out[F.srev] = v.firmwareRevision ?? 0;
  out[F.stat2] = v.stat2 ?? 0;
  out[F.spo2D] = noninSpo2Byte(v.spo2Display === undefined ? (v.spo2 ?? null) : v.spo2Display);
  hr(F.hrDMsb, F.hrDLsb, v.hrDisplay === undefined ? v.hr : v.hrDisplay);
  out[F.spo2Fast] = noninSpo2Byte(v.spo2Fast === undefined ? (v.spo2 ?? null) : v.spo2Fast);
  out[F.spo2BB] = noninSpo2Byte(v.spo2BeatToBeat === undefined ? (v.spo2 ?? null) : v.spo2BeatToBeat);
  hr(F.eHrMsb, F.eHrLsb, v.hrExtended === undefined ? v.hr : v.hrExtended);
  out[F.eSpo2] = noninSpo2Byte(v.spo2Extended === undefined ? (v.spo2 ?? null) : v.spo2Extended);
  out[F.eSpo2D] = noninSpo2Byte(v.spo2ExtendedDisplay === undefined ? (v.spo2 ?? null) : v.spo2ExtendedDisplay);
  hr(F.eHrDMsb, F.eHrDLsb, v.hrExtendedDisplay === undefined ? v.hr : v.hrExtendedDisplay);
  return out;
}

function checkByte(name: string, v: number, max = 0xff): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name}: ${v} is not an integer in 0..${max}`);
  return v;
}

/** One frame's bytes. Encoders may throw RangeError (simulators and tests only). */
export function encodeNoninFrame(format: NoninRealtimeFormat, f: NoninFrame): Uint8Array {
  const status = checkByte('status', f.status);
  if ((status & 0x80) === 0) throw new RangeError(`status: bit 7 must be set (0x${status.toString(16)})`);
  const float = checkByte('float', f.float);
  const head =
    format === 'df2'
      ? [0x01, status, checkByte('pleth', f.pleth), float]
      : [status, checkByte('pleth', f.pleth, 0xffff) >> 8, f.pleth & 0xff, float];
  return Uint8Array.from([...head, sum8(head)]);
}

/**
 * A whole packet (125 bytes). The SYNC bit is set on frame 1 and cleared elsewhere, whatever the
 * given status says, so any 25 frames give a well-formed packet.
 */
export function encodeNoninRealtimePacket(format: NoninRealtimeFormat, frames: readonly NoninFrame[]): Uint8Array {
  if (frames.length !== NONIN_FRAMES_PER_PACKET) throw new RangeError(`frames: need 25, got ${frames.length}`);
  const out = new Uint8Array(NONIN_FRAMES_PER_PACKET * NONIN_FRAME_BYTES);
  frames.forEach((f, i) => {
    const status = ((f.status | 0x80) & ~0x01) | (i === 0 ? 0x01 : 0);
    out.set(encodeNoninFrame(format, { ...f, status }), i * NONIN_FRAME_BYTES);
  });
  return out;
}

/** The frame at offset i of the queue, or why it is not one. */
function frameAt(q: ByteQueue, i: number, format: NoninRealtimeFormat): NoninFrame | 'checksum' | 'framing' {
  const b = (k: number) => q.at(i + k);
  if (format === 'df2') {
    if (b(0) !== 0x01 || (b(1) & 0x80) === 0) return 'framing';
  } else if ((b(0) & 0x80) === 0) return 'framing';
  if (((b(0) + b(1) + b(2) + b(3)) & 0xff) !== b(4)) return 'checksum';
  return format === 'df2' ? { status: b(1), pleth: b(2), float: b(3) } : { status: b(0), pleth: (b(1) << 8) | b(2), float: b(3) };
}

const BREAK = Symbol('break');
const LOCK_FRAMES = 3;
const LOCK_BYTES = LOCK_FRAMES * NONIN_FRAME_BYTES;
type GroupItem = NoninFrame | typeof BREAK;
/** Frames held while waiting for a SYNC to place them: 4 packets (1.3 s) at most. */
const MAX_GROUP = 4 * NONIN_FRAMES_PER_PACKET;
/** How far one alignment is followed: a packet and one frame, enough for a real one to show a SYNC with a valid successor. */
const CHAIN_CAP = NONIN_FRAMES_PER_PACKET + 1;

/** One byte alignment followed from a position: its run of valid frames (capped) and its first SYNC frame. */
interface Chain {
  len: number;
  /** Index in the run of the first SYNC frame that has a valid successor (as the locked parser requires); -1: none. */
  sync: number;
  /** False when the run reached the end of the buffer before an invalid frame or the cap: wait for more bytes. */
  known: boolean;
}

/** A SYNC counts once the frame after it is valid too (as in the locked parser). */
function syncOf(anchor: number, len: number): number {
  return anchor >= 0 && anchor + 1 < len ? anchor : -1;
}

type LockSearch = { kind: 'lock'; at: number } | { kind: 'wait' | 'none'; at: number };

export class NoninRealtimeParser implements StreamParser<NoninRealtimePacket> {
  private readonly q = new ByteQueue();
  private readonly acc = new ParseAccounting();
  private locked = false;
  /** Frames since the last SYNC (anchored) or since the last emitted packet (not anchored), with BREAKs where bytes were skipped. */
  private group: GroupItem[] = [];
  private anchored = false;
  private broken = false;
  private expectSync = false;

  constructor(readonly format: NoninRealtimeFormat) {}

  get stats(): ParserStats {
    return this.acc.stats;
  }

  push(chunk: Uint8Array): ParseOutput<NoninRealtimePacket> {
    const out = emptyOutput<NoninRealtimePacket>();
    this.acc.stats.bytesIn += chunk.length;
    this.q.push(chunk);
    this.drain(out, false);
    return out;
  }

  flush(): ParseOutput<NoninRealtimePacket> {
    const out = emptyOutput<NoninRealtimePacket>();
    this.drain(out, true);
    // The last frame has no successor to vouch for it: take it on its own checksum.
    if (this.locked && this.q.length >= NONIN_FRAME_BYTES) {
      const f = frameAt(this.q, 0, this.format);
      if (typeof f === 'object') {
        this.q.skip(NONIN_FRAME_BYTES);
        this.onFrame(f, out);
      }
    }
    this.acc.skip(this.q.length);
    this.acc.endSkip(out, 'end of stream');
    this.q.clear();
    this.closeGroup(out, false);
    this.locked = false;
    this.expectSync = false;
    return out;
  }

  /** Reads frames while the buffer allows; `final` (end of stream) judges runs cut short by the end as they are. */
  private drain(out: ParseOutput<NoninRealtimePacket>, final: boolean): void {
    while (this.q.length >= NONIN_FRAME_BYTES) {
      if (!this.locked) {
        if (this.q.length < LOCK_BYTES) break;
        const r = this.findLock(0, final);
        this.q.skip(r.at);
        this.acc.skip(r.at);
        if (r.kind !== 'lock') break;
        const skipped = this.acc.endSkip(out, 'a frame');
        if (skipped > 0 && this.group.length > 0) this.mark();
        this.locked = true;
      }
      // Locked: a SYNC frame counts only when the next frame is valid and not a SYNC (as frame 2 of a
      // packet is), so a loss or noise that happens to leave a checksum-valid remnant (1 in 256) with
      // bit 0 set can neither split a packet nor stand in for the real SYNC a few bytes further on.
      if (this.q.length < 2 * NONIN_FRAME_BYTES) break;
      const f = frameAt(this.q, 0, this.format);
      const next = frameAt(this.q, NONIN_FRAME_BYTES, this.format);
      if (typeof f !== 'object' || (f.status & 0x01 && (typeof next !== 'object' || next.status & 0x01))) {
        const why =
          typeof f === 'object' ? 'SYNC not followed by a valid frame 2' : f === 'checksum' ? 'checksum mismatch' : 'header invalid';
        this.acc.error(out, typeof f === 'object' ? 'checksum' : f, `${this.format} frame ${why}: ${hex5(this.q)}`, 0);
        this.locked = false;
        this.mark();
        continue;
      }
      // A frame followed by an invalid one, or without SYNC where a SYNC is due (frame 26), may be
      // noise or a loss remnant whose checksum happened to match over the start of the real SYNC
      // frame (1 in 256–512). If a SYNC-led run of LOCK_FRAMES starts inside it, it was: skip it and
      // re-lock on the SYNC, so the packet keeps its first frame instead of losing it to a misaligned read.
      if (typeof next !== 'object' || (this.expectSync && !(f.status & 0x01))) {
        const at = this.syncInside(final);
        if (at === 'wait') break;
        if (at > 0) {
          this.acc.skip(at);
          this.q.skip(at);
          this.locked = false;
          this.mark();
          continue;
        }
      }
      this.q.skip(NONIN_FRAME_BYTES);
      this.onFrame(f, out);
    }
  }

  /**
   * Where to lock, searching from `from`: the first position that starts LOCK_FRAMES valid frames,
   * unless another alignment starting inside its run puts a SYNC frame inside that run and is the
   * better account of those bytes (the first run has no SYNC, or the other one is longer). So noise
   * that forms valid-looking frames a few bytes off the real stream loses to the real SYNC frame
   * instead of winning because it came first, while a run of real frames keeps its lock even if a
   * misaligned read near its end happens to lead into the next packet. Looks ahead at most
   * 2 × CHAIN_CAP frames. `at`: where to lock, or (wait/none) the first position not ruled out.
   */
  private findLock(from: number, final: boolean): LockSearch {
    let p = from;
    for (; p + LOCK_BYTES <= this.q.length; p++) {
      // The same shape rules as the locked parser, or a frame it rejects could be locked on again.
      const mine = this.chain(p, final);
      if (mine.len < LOCK_FRAMES) continue;
      if (!mine.known) return { kind: 'wait', at: p };
      const end = p + mine.len * NONIN_FRAME_BYTES;
      let beaten = false;
      for (let r = p + 1; r < end && !beaten; r++) {
        if ((r - p) % NONIN_FRAME_BYTES === 0) continue;
        if (r + LOCK_BYTES > this.q.length) {
          if (final) break;
          return { kind: 'wait', at: p };
        }
        const other = this.chain(r, final);
        if (other.len < LOCK_FRAMES) continue;
        if (!other.known) return { kind: 'wait', at: p };
        const syncInRun = other.sync >= 0 && r + other.sync * NONIN_FRAME_BYTES < end;
        beaten = syncInRun && (mine.sync < 0 || other.len > mine.len);
      }
      if (!beaten) return { kind: 'lock', at: p };
    }
    return { kind: final ? 'none' : 'wait', at: p };
  }

  /** Offset (1..4) of a SYNC frame inside the frame at the head that starts LOCK_FRAMES frames of packet shape; 0 if none. */
  private syncInside(final: boolean): number | 'wait' {
    for (let r = 1; r < NONIN_FRAME_BYTES; r++) {
      if (r + LOCK_BYTES > this.q.length) return final ? 0 : 'wait';
      const f = frameAt(this.q, r, this.format);
      if (typeof f === 'object' && f.status & 0x01 && this.chain(r, true).len >= LOCK_FRAMES) return r;
    }
    return 0;
  }

  /**
   * The run of valid frames from `at` that also fits the packet shape: once a SYNC frame is seen,
   * SYNC bits must fall exactly every 25 frames (a noise frame with bit 0 set next to a real SYNC
   * ends the run there rather than lengthening it).
   */
  private chain(at: number, final: boolean): Chain {
    let len = 0;
    let anchor = -1;
    while (len < CHAIN_CAP) {
      const pos = at + len * NONIN_FRAME_BYTES;
      if (pos + NONIN_FRAME_BYTES > this.q.length) return { len, sync: syncOf(anchor, len), known: final };
      const f = frameAt(this.q, pos, this.format);
      if (typeof f !== 'object') break;
      const isSync = (f.status & 0x01) !== 0;
      if (anchor < 0) {
        if (isSync) anchor = len;
      } else if (isSync !== ((len - anchor) % NONIN_FRAMES_PER_PACKET === 0)) break;
      len++;
    }
    return { len, sync: syncOf(anchor, len), known: true };
  }

  private mark(): void {
    if (this.group.length > 0 && this.group[this.group.length - 1] !== BREAK) {
      this.group.push(BREAK);
      this.broken = true;
    }
  }

  private onFrame(f: NoninFrame, out: ParseOutput<NoninRealtimePacket>): void {
    if (f.status & 0x01) {
      this.closeGroup(out, true);
      this.group = [f];
      this.anchored = true;
      this.expectSync = false;
      return;
    }
    if (this.expectSync) {
      this.acc.error(out, 'sync', `${this.format}: frame 26 of a packet has no SYNC bit`, 0);
      this.expectSync = false;
    }
    this.group.push(f);
    if (this.anchored && !this.broken && this.group.length === NONIN_FRAMES_PER_PACKET) {
      this.emit(out, this.group as NoninFrame[]);
      this.reset();
      this.expectSync = true;
    } else if (this.group.length > MAX_GROUP) {
      this.closeGroup(out, false);
    }
  }

  private reset(): void {
    this.group = [];
    this.anchored = false;
    this.broken = false;
  }

  /** Places the held frames in packets: forward from the SYNC that started them, backward from the SYNC that ends them. */
  private closeGroup(out: ParseOutput<NoninRealtimePacket>, atSync: boolean): void {
    const segments: NoninFrame[][] = [[]];
    for (const item of this.group) {
      if (item === BREAK) segments.push([]);
      else segments[segments.length - 1]?.push(item);
    }
    const nonEmpty = segments.filter((s) => s.length > 0);
    const first = this.anchored ? nonEmpty.shift() : undefined;
    const last = atSync ? nonEmpty.pop() : undefined;
    const dropped = nonEmpty.reduce((n, s) => n + s.length, 0);
    this.reset();
    if (dropped > 0)
      this.acc.error(out, 'unpositioned', `${this.format}: ${dropped} frames between two gaps could not be placed in time`, dropped * 5);
    const N = NONIN_FRAMES_PER_PACKET;
    if (first && !last && atSync && dropped === 0 && first.length < N) {
      // Fewer than 25 frames between two SYNCs with no visible gap: bytes were lost in whole frames
      // (undetectable in this framing). Samples are kept in order, but no FLOAT value can be placed.
      this.acc.error(out, 'sync', `${this.format}: packet of ${first.length} frames between two SYNCs; its values are dropped`, 0);
      this.acc.packet(out, { format: this.format, frames: [...first, ...new Array<null>(N - first.length).fill(null)] });
      return;
    }
    if (first && last && first.length + last.length <= N) {
      this.emit(out, [...first, ...new Array<null>(N - first.length - last.length).fill(null), ...last]);
      return;
    }
    if (first) this.emit(out, [...first, ...new Array<null>(N - first.length).fill(null)]);
    if (last) {
      const slots: (NoninFrame | null)[] = [...new Array<null>((N - (last.length % N)) % N).fill(null), ...last];
      for (let i = 0; i < slots.length; i += N) this.emit(out, slots.slice(i, i + N));
    }
  }

  private emit(out: ParseOutput<NoninRealtimePacket>, frames: (NoninFrame | null)[]): void {
    this.acc.packet(out, { format: this.format, frames, ...noninRealtimeValues(frames) });
  }
}

function hex5(q: ByteQueue): string {
  return Buffer.from(q.slice(0, NONIN_FRAME_BYTES)).toString('hex').toUpperCase();
}
