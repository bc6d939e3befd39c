/**
 * Nonin data format 8: one 4-byte packet per second. Byte 1 is the only byte with bit 7 set
 * (no checksum), so the parser aligns on it and requires bit 7 clear in the three bytes after.
 *   byte 1: 1 | R OOT LPRF MPRF ARTF HR8 HR7   byte 2: 0 | HR6..HR0
 *   byte 3: 0 | SpO2                           byte 4: 0 | STAT2 (R SPA R SNSA R R LOW-BAT)
 */
import { NONIN_STAT2, noninHr, noninHrBytes, noninSpo2, noninSpo2Byte } from './nonin-common.js';
import { ByteQueue, emptyOutput, ParseAccounting, type ParseOutput, type ParserStats, type StreamParser } from './stream.js';

export const NONIN_DF8_BYTES = 4;

export interface NoninDf8Packet {
  /** Byte 1 bits 6..2 as sent (R, OOT, LPRF, MPRF, ARTF); the HR bits are in `hr`. */
  status: number;
  hr: number | null;
  spo2: number | null;
  /** Byte 4 bits 6..0 as sent. */
  stat2: number;
}

export const NONIN_DF8_STATUS = { OOT: 0x20, LPRF: 0x10, MPRF: 0x08, ARTF: 0x04 } as const;

export function noninDf8Flags(p: NoninDf8Packet): string[] {
  const f: string[] = [];
  if (p.status & NONIN_DF8_STATUS.OOT) f.push('out-of-track');
  if (p.status & NONIN_DF8_STATUS.LPRF) f.push('low-perfusion');
  if (p.status & NONIN_DF8_STATUS.MPRF) f.push('marginal-perfusion');
  if (p.status & NONIN_DF8_STATUS.ARTF) f.push('artifact');
  if (p.stat2 & NONIN_STAT2.SNSA) f.push('sensor-alarm');
  if (p.stat2 & NONIN_STAT2.LOW_BAT) f.push('low-battery');
  return f;
}

export function encodeNoninDf8(p: NoninDf8Packet): Uint8Array {
  if (!Number.isInteger(p.status) || p.status < 0 || p.status > 0x7f) throw new RangeError(`status: ${p.status} is not in 0..127`);
  if (!Number.isInteger(p.stat2) || p.stat2 < 0 || p.stat2 > 0x7f) throw new RangeError(`stat2: ${p.stat2} is not in 0..127`);
  const [msb, lsb] = noninHrBytes(p.hr);
  return Uint8Array.from([0x80 | (p.status & 0x7c) | msb, lsb, noninSpo2Byte(p.spo2), p.stat2]);
}

function isPacketAt(q: ByteQueue, i: number): boolean {
  return (q.at(i) & 0x80) !== 0 && (q.at(i + 1) & 0x80) === 0 && (q.at(i + 2) & 0x80) === 0 && (q.at(i + 3) & 0x80) === 0;
}

export class NoninDf8Parser implements StreamParser<NoninDf8Packet> {
  private readonly q = new ByteQueue();
  private readonly acc = new ParseAccounting();
  private locked = false;

  get stats(): ParserStats {
    return this.acc.stats;
  }

  push(chunk: Uint8Array): ParseOutput<NoninDf8Packet> {
    const out = emptyOutput<NoninDf8Packet>();
    this.acc.stats.bytesIn += chunk.length;
    this.q.push(chunk);
    while (this.q.length >= NONIN_DF8_BYTES) {
      if (!isPacketAt(this.q, 0)) {
        if (this.locked) this.acc.error(out, 'framing', `df8: bit 7 pattern broken: ${Buffer.from(this.q.slice(0, 4)).toString('hex')}`, 0);
        this.locked = false;
        this.q.skip(1);
        this.acc.skip();
        continue;
      }
      this.acc.endSkip(out, 'a df8 packet');
      this.locked = true;
      const b = this.q.slice(0, NONIN_DF8_BYTES);
      this.q.skip(NONIN_DF8_BYTES);
      this.acc.packet(out, { status: (b[0] ?? 0) & 0x7c, hr: noninHr(b[0] ?? 0, b[1] ?? 0), spo2: noninSpo2(b[2] ?? 0), stat2: b[3] ?? 0 });
    }
    return out;
  }

  flush(): ParseOutput<NoninDf8Packet> {
    const out = emptyOutput<NoninDf8Packet>();
    this.acc.skip(this.q.length);
    this.acc.endSkip(out, 'end of stream');
    this.q.clear();
    this.locked = false;
    return out;
  }
}
