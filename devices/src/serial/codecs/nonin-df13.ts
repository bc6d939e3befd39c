/**
 * Nonin data format 13 (spot check, "SmartPoint"): one record per measurement, stored on the
 * device and forwarded oldest first on reconnection.
 *   00 02 | 00 0D | LEN (BE, ≥ 14) | 20 YY MM DD hh mm ss (BCD) 00 | STATUS MSB LSB | HR MSB LSB | R | SpO2 | [extra] | CHK | 03
 * CHK = sum of the LEN data bytes mod 256. HR = (MSB bit 0) << 8 | LSB; missing: HR 511, SpO2 127.
 */
import type { DeviceDateTime } from '../../model/draft.js';
import { NONIN_HR_MISSING, noninSpo2, noninSpo2Byte } from './nonin-common.js';
import { ByteQueue, emptyOutput, ParseAccounting, type ParseOutput, type ParserStats, type StreamParser, sum8 } from './stream.js';

const HEADER = [0x00, 0x02, 0x00, 0x0d] as const;
const ETX = 0x03;
export const NONIN_DF13_MIN_DATA = 14;
/** The data section is extensible; anything this long is noise, not a record. */
export const NONIN_DF13_MAX_DATA = 255;

export const NONIN_DF13_STATUS = {
  /** High-quality SmartPoint measurement. */
  SPA: 0x0200,
  /** No measurement. */
  NOMS: 0x0100,
  /** Replayed from the device's memory. */
  MEM: 0x0010,
  LOW_BAT: 0x0001,
} as const;

export interface NoninDf13Record {
  /** Device wall-clock time (BCD decoded); null when a field is not valid BCD or out of range. */
  timestamp: DeviceDateTime | null;
  /** Bytes 7..14 as sent (century, year, month, day, hour, minute, second, fraction). */
  timeBytes: number[];
  /** Status MSB << 8 | LSB. */
  status: number;
  hr: number | null;
  spo2: number | null;
  /** Byte 19 (reserved) as sent. */
  reserved: number;
  /** Data bytes beyond the 14 known ones (later firmware), as sent. */
  extra: number[];
}

export interface NoninDf13Input {
  timestamp: DeviceDateTime;
  status: number;
  hr: number | null;
  spo2: number | null;
  reserved?: number;
  extra?: number[];
}

export function noninDf13Flags(r: NoninDf13Record): string[] {
  const f: string[] = [];
  if (r.status & NONIN_DF13_STATUS.NOMS) f.push('no-measurement');
  if (r.status & NONIN_DF13_STATUS.MEM) f.push('data-from-storage');
  if (r.status & NONIN_DF13_STATUS.LOW_BAT) f.push('low-battery');
  if (r.status & NONIN_DF13_STATUS.SPA) f.push('smartpoint');
  if (r.timestamp === null) f.push('device-time-invalid');
  return f;
}

const bcd = (v: number): number => ((v / 10) | 0) * 16 + (v % 10);
function fromBcd(b: number): number | null {
  const hi = b >> 4;
  const lo = b & 0x0f;
  return hi > 9 || lo > 9 ? null : hi * 10 + lo;
}

function decodeTime(t: readonly number[]): DeviceDateTime | null {
  const [c, y, mo, d, h, mi, s] = t.map(fromBcd);
  if (c == null || y == null || mo == null || d == null || h == null || mi == null || s == null) return null;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  return { year: c * 100 + y, month: mo, day: d, hours: h, minutes: mi, seconds: s };
}

export function encodeNoninDf13(r: NoninDf13Input): Uint8Array {
  const t = r.timestamp;
  const fields: [string, number, number, number][] = [
    ['year', t.year, 0, 9999],
    ['month', t.month, 1, 12],
    ['day', t.day, 1, 31],
    ['hours', t.hours, 0, 23],
    ['minutes', t.minutes, 0, 59],
    ['seconds', t.seconds, 0, 59],
  ];
  for (const [n, v, lo, hi] of fields) if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${n}: ${v} not in ${lo}..${hi}`);
  if (!Number.isInteger(r.status) || r.status < 0 || r.status > 0xffff) throw new RangeError(`status: ${r.status}`);
  const hr = r.hr ?? NONIN_HR_MISSING;
  if (!Number.isInteger(hr) || hr < 0 || hr > NONIN_HR_MISSING) throw new RangeError(`hr: ${hr} not in 0..511`);
  const extra = r.extra ?? [];
  const data = [
    bcd((t.year / 100) | 0),
    bcd(t.year % 100),
    bcd(t.month),
    bcd(t.day),
    bcd(t.hours),
    bcd(t.minutes),
    bcd(t.seconds),
    0,
    r.status >> 8,
    r.status & 0xff,
    hr >> 8,
    hr & 0xff,
    r.reserved ?? 0,
    noninSpo2Byte(r.spo2),
    ...extra,
  ];
  if (data.length > NONIN_DF13_MAX_DATA) throw new RangeError(`extra: too long (${extra.length})`);
  for (const b of data) if (!Number.isInteger(b) || b < 0 || b > 0xff) throw new RangeError(`byte ${b} not in 0..255`);
  return Uint8Array.from([...HEADER, data.length >> 8, data.length & 0xff, ...data, sum8(data), ETX]);
}

export class NoninDf13Parser implements StreamParser<NoninDf13Record> {
  private readonly q = new ByteQueue();
  private readonly acc = new ParseAccounting();

  get stats(): ParserStats {
    return this.acc.stats;
  }

  push(chunk: Uint8Array): ParseOutput<NoninDf13Record> {
    const out = emptyOutput<NoninDf13Record>();
    this.acc.stats.bytesIn += chunk.length;
    this.q.push(chunk);
    for (;;) {
      const q = this.q;
      const seen = Math.min(q.length, HEADER.length);
      let match = true;
      for (let i = 0; i < seen; i++) if (q.at(i) !== HEADER[i]) match = false;
      if (!match) {
        this.skip1();
        continue;
      }
      if (q.length < 6) break;
      const len = (q.at(4) << 8) | q.at(5);
      if (len < NONIN_DF13_MIN_DATA || len > NONIN_DF13_MAX_DATA) {
        this.acc.error(out, 'length', `df13: data length ${len} outside ${NONIN_DF13_MIN_DATA}..${NONIN_DF13_MAX_DATA}`, 0);
        this.skip1();
        continue;
      }
      if (q.length < 6 + len + 2) break;
      const data = q.slice(6, len);
      const chk = q.at(6 + len);
      if (sum8(data) !== chk) {
        this.acc.error(out, 'checksum', `df13: checksum 0x${hex2(chk)}, computed 0x${hex2(sum8(data))}`, 0);
        this.skip1();
        continue;
      }
      if (q.at(7 + len) !== ETX) {
        this.acc.error(out, 'framing', `df13: 0x${hex2(q.at(7 + len))} where ETX (03) belongs`, 0);
        this.skip1();
        continue;
      }
      this.acc.endSkip(out, 'a df13 record');
      q.skip(8 + len);
      this.acc.packet(out, decodeRecord(data));
    }
    return out;
  }

  flush(): ParseOutput<NoninDf13Record> {
    const out = emptyOutput<NoninDf13Record>();
    this.acc.skip(this.q.length);
    this.acc.endSkip(out, 'end of stream');
    this.q.clear();
    return out;
  }

  private skip1(): void {
    this.q.skip(1);
    this.acc.skip();
  }
}

function decodeRecord(d: Uint8Array): NoninDf13Record {
  const b = (i: number) => d[i] ?? 0;
  const timeBytes = [0, 1, 2, 3, 4, 5, 6, 7].map(b);
  const hr = ((b(10) & 0x01) << 8) | b(11);
  return {
    timestamp: decodeTime(timeBytes),
    timeBytes,
    status: (b(8) << 8) | b(9),
    hr: hr === NONIN_HR_MISSING ? null : hr,
    spo2: noninSpo2(b(13)),
    reserved: b(12),
    extra: [...d.subarray(14)],
  };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0').toUpperCase();
