/**
 * Shared pieces of the serial stream parsers: bytes arrive in arbitrary chunks (a USB-serial
 * adapter hands over whatever it has), so each parser keeps a small buffer, finds packet
 * boundaries itself, and reports what it had to skip as typed, counted errors — never throws.
 */

export type StreamErrorKind =
  /** Bytes skipped while looking for the next packet start (noise, a partial packet after a replug). */
  | 'garbage'
  /** A packet-shaped run of bytes whose checksum did not match. */
  | 'checksum'
  /** A header or framing byte had the wrong value (STX/ETX, version, DF2 first byte). */
  | 'framing'
  /** A declared length outside what the format allows. */
  | 'length'
  /** A field outside its documented range (e.g. a 10-bit sample above 1023). */
  | 'range'
  /** The device's own packet counter skipped: packets were lost. */
  | 'counter-gap'
  /** A packet boundary marker (Nonin SYNC bit) was missing where the format requires one. */
  | 'sync'
  /** Frames that arrived but whose place in time could not be recovered, dropped. */
  | 'unpositioned';

export interface StreamError {
  kind: StreamErrorKind;
  /** One line for the log, with the numbers that matter. */
  detail: string;
  /** Input bytes this error accounts for (skipped or dropped). */
  bytes: number;
}

export interface ParseOutput<P> {
  packets: P[];
  errors: StreamError[];
}

export interface ParserStats {
  bytesIn: number;
  packets: number;
  errors: Partial<Record<StreamErrorKind, number>>;
}

export interface StreamParser<P> {
  /** Feeds a chunk; returns the packets it completed and the errors it found. Never throws. */
  push(chunk: Uint8Array): ParseOutput<P>;
  /** End of stream (port closed): emits what can still be placed, drops the rest (reported), resets. */
  flush(): ParseOutput<P>;
  readonly stats: ParserStats;
}

/** Append-only byte buffer with a read offset; compacts itself so it never grows past what is unread. */
export class ByteQueue {
  private buf = new Uint8Array(256);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const need = live + chunk.length;
      const next = need > this.buf.length ? new Uint8Array(Math.max(need, this.buf.length * 2)) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Byte at offset i from the read position (0 when past the end: callers check `length` first). */
  at(i: number): number {
    return this.buf[this.start + i] ?? 0;
  }

  /** A copy of n bytes from offset i. */
  slice(i: number, n: number): Uint8Array {
    return this.buf.slice(this.start + i, this.start + i + n);
  }

  skip(n: number): void {
    this.start = Math.min(this.end, this.start + n);
    if (this.start === this.end) this.start = this.end = 0;
  }

  clear(): void {
    this.start = this.end = 0;
  }
}

/** Counts errors and packets for a parser's `stats`, and accumulates skipped bytes into one 'garbage' error. */
export class ParseAccounting {
  readonly stats: ParserStats = { bytesIn: 0, packets: 0, errors: {} };
  private skipped = 0;

  error(out: ParseOutput<unknown>, kind: StreamErrorKind, detail: string, bytes: number): void {
    this.stats.errors[kind] = (this.stats.errors[kind] ?? 0) + 1;
    out.errors.push({ kind, detail, bytes });
  }

  /** Bytes skipped while searching; reported as a single 'garbage' error when the search ends. */
  skip(n = 1): void {
    this.skipped += n;
  }

  /** Ends a search: reports the skipped run, if any. Returns the number of bytes skipped. */
  endSkip(out: ParseOutput<unknown>, what: string): number {
    const n = this.skipped;
    if (n > 0) this.error(out, 'garbage', `${n} byte${n === 1 ? '' : 's'} skipped before ${what}`, n);
    this.skipped = 0;
    return n;
  }

  packet<P>(out: ParseOutput<P>, p: P): void {
    this.stats.packets++;
    out.packets.push(p);
  }
}

export function emptyOutput<P>(): ParseOutput<P> {
  return { packets: [], errors: [] };
}

/** Sum of bytes mod 256 (Nonin checksums). */
export function sum8(bytes: ArrayLike<number>, from = 0, to = bytes.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + (bytes[i] ?? 0)) & 0xff;
  return s;
}
