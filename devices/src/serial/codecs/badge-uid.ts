/**
 * A 13.56 MHz (ISO 14443A / MIFARE) badge reader in USB serial (CDC-ACM) mode, as hospitals fit to
 * carts and doors (Elatec TWN4, RF IDeas WAVE ID, Baltech in "virtual COM port" mode): each tap
 * sends the card's UID as ASCII upper-case hex — 8, 14 or 20 characters (4-, 7- or 10-byte UID) —
 * followed by CR LF. The same readers in keyboard-wedge mode type the same characters and Enter.
 * 9600 8N1 (a CDC-ACM port ignores the rate). No checksum: a line of another length or with a
 * non-hex character is refused ('framing'); a run of 64 bytes without a line end is dropped
 * ('garbage') up to the next line end. Never throws.
 */
import type { ParseOutput, ParserStats, StreamError, StreamParser } from './stream.js';

export interface BadgeTap {
  /** Upper-case hex, as the reader sent it. */
  uid: string;
}

const UID = /^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$/;
const MAX_LINE = 64;

export function encodeBadgeUid(uid: string): Uint8Array {
  if (!UID.test(uid)) throw new Error(`badge UID ${JSON.stringify(uid)} is not 4, 7 or 10 bytes of upper-case hex`);
  return new TextEncoder().encode(`${uid}\r\n`);
}

export class BadgeUidParser implements StreamParser<BadgeTap> {
  private line: number[] = [];
  /** After a garbage run: the rest up to the next line end is dropped with it. */
  private skipping = false;
  private readonly s: ParserStats = { bytesIn: 0, packets: 0, errors: {} };

  get stats(): ParserStats {
    return { ...this.s, errors: { ...this.s.errors } };
  }

  push(chunk: Uint8Array): ParseOutput<BadgeTap> {
    const out: ParseOutput<BadgeTap> = { packets: [], errors: [] };
    this.s.bytesIn += chunk.length;
    for (const b of chunk) {
      if (b === 0x0d) continue;
      if (this.skipping) {
        if (b === 0x0a) this.skipping = false;
        continue;
      }
      if (b !== 0x0a) {
        this.line.push(b);
        if (this.line.length > MAX_LINE) {
          this.error(out, 'garbage', `${this.line.length} bytes without a line end`, this.line.length);
          this.skipping = true;
        }
        continue;
      }
      if (this.line.length === 0) continue;
      const text = String.fromCharCode(...this.line);
      const bytes = this.line.length + 1;
      this.line = [];
      if (UID.test(text)) {
        out.packets.push({ uid: text });
        this.s.packets++;
      } else this.error(out, 'framing', `a line of ${bytes - 1} characters that is not a badge UID`, bytes);
    }
    return out;
  }

  flush(): ParseOutput<BadgeTap> {
    const out: ParseOutput<BadgeTap> = { packets: [], errors: [] };
    if (this.line.length > 0) this.error(out, 'garbage', `${this.line.length} bytes of an unfinished line at close`, this.line.length);
    this.skipping = false;
    return out;
  }

  private error(out: ParseOutput<BadgeTap>, kind: StreamError['kind'], detail: string, bytes: number): void {
    out.errors.push({ kind, detail, bytes });
    this.s.errors[kind] = (this.s.errors[kind] ?? 0) + 1;
    this.line = [];
  }
}
