/**
 * Little-endian cursor reader and writer for GATT PDUs. The reader checks every length against
 * what is left and throws FieldError (caught by `decodeWith`) naming the field, never reading past the end.
 */
import type { DeviceDateTime } from '../model/draft.js';
import { decodeFloatWord, decodeSfloatWord, encodeFloatWord, encodeSfloatWord, type Medfloat, truncatedReason } from './ieee11073.js';
import { FieldError } from './result.js';

export class ByteReader {
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return Math.max(0, this.bytes.length - this.pos);
  }

  private take(field: string, n: number): number {
    if (this.remaining < n) throw new FieldError(field, truncatedReason(n, this.pos, this.remaining));
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private byte(i: number): number {
    return this.bytes[i] ?? 0;
  }

  uint8(field: string): number {
    return this.byte(this.take(field, 1));
  }

  uint16(field: string): number {
    const i = this.take(field, 2);
    return this.byte(i) | (this.byte(i + 1) << 8);
  }

  uint24(field: string): number {
    const i = this.take(field, 3);
    return this.byte(i) | (this.byte(i + 1) << 8) | (this.byte(i + 2) << 16);
  }

  uint32(field: string): number {
    const i = this.take(field, 4);
    return (this.byte(i) | (this.byte(i + 1) << 8) | (this.byte(i + 2) << 16) | (this.byte(i + 3) << 24)) >>> 0;
  }

  sfloat(field: string): Medfloat {
    return decodeSfloatWord(this.uint16(field));
  }

  float(field: string): Medfloat {
    return decodeFloatWord(this.uint32(field));
  }

  /** Date Time (0x2A08) fields exactly as sent; range checks are the caller's business (see date-time.ts). */
  dateTime(field: string): DeviceDateTime {
    if (this.remaining < 7) throw new FieldError(field, truncatedReason(7, this.pos, this.remaining));
    return {
      year: this.uint16(`${field}.year`),
      month: this.uint8(`${field}.month`),
      day: this.uint8(`${field}.day`),
      hours: this.uint8(`${field}.hours`),
      minutes: this.uint8(`${field}.minutes`),
      seconds: this.uint8(`${field}.seconds`),
    };
  }
}

/** Growable writer; encoders validate ranges and throw RangeError on values they cannot represent. */
export class ByteWriter {
  private readonly out: number[] = [];

  private check(name: string, v: number, max: number): number {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name}: ${v} is not an integer in 0..${max}`);
    return v;
  }

  uint8(v: number, name = 'uint8'): this {
    this.out.push(this.check(name, v, 0xff));
    return this;
  }

  uint16(v: number, name = 'uint16'): this {
    this.check(name, v, 0xffff);
    this.out.push(v & 0xff, v >>> 8);
    return this;
  }

  uint24(v: number, name = 'uint24'): this {
    this.check(name, v, 0xffffff);
    this.out.push(v & 0xff, (v >>> 8) & 0xff, v >>> 16);
    return this;
  }

  uint32(v: number, name = 'uint32'): this {
    this.check(name, v, 0xffffffff);
    this.out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    return this;
  }

  sfloat(v: number | Medfloat): this {
    return this.uint16(encodeSfloatWord(v));
  }

  float(v: number | Medfloat): this {
    return this.uint32(encodeFloatWord(v));
  }

  dateTime(t: DeviceDateTime): this {
    return this.uint16(t.year, 'year')
      .uint8(t.month, 'month')
      .uint8(t.day, 'day')
      .uint8(t.hours, 'hours')
      .uint8(t.minutes, 'minutes')
      .uint8(t.seconds, 'seconds');
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
