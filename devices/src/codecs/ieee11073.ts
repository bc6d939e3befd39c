/**
 * IEEE 11073-20601 numeric types as used by the Bluetooth SIG health profiles (little-endian):
 * SFLOAT (16-bit: 4-bit exponent, 12-bit mantissa) and FLOAT (32-bit: 8-bit exponent, 24-bit mantissa).
 * Special values are matched on the exact whole word (exponent 0), as Nordic does; they never become numbers.
 */
import { type CodecResult, fail, ok } from './result.js';

export type MedfloatSpecial = 'nan' | 'nres' | '+inf' | '-inf' | 'reserved';
export type Medfloat = { kind: 'number'; value: number } | { kind: MedfloatSpecial };

export const MEDFLOAT_SPECIALS: readonly MedfloatSpecial[] = ['nan', 'nres', '+inf', '-inf', 'reserved'];

const SFLOAT_SPECIALS: Record<MedfloatSpecial, number> = { nan: 0x07ff, nres: 0x0800, '+inf': 0x07fe, '-inf': 0x0802, reserved: 0x0801 };
const FLOAT_SPECIALS: Record<MedfloatSpecial, number> = {
  nan: 0x007fffff,
  nres: 0x00800000,
  '+inf': 0x007ffffe,
  '-inf': 0x00800002,
  reserved: 0x00800001,
};

interface Format {
  name: 'SFLOAT' | 'FLOAT';
  specials: Record<MedfloatSpecial, number>;
  mantissaBits: number;
  exponentBits: number;
  /** Largest valid |mantissa| (Antidote MDER_*_MANTISSA_MAX): the words next to it are specials. */
  mantissaMax: number;
}

const SFLOAT: Format = { name: 'SFLOAT', specials: SFLOAT_SPECIALS, mantissaBits: 12, exponentBits: 4, mantissaMax: 2045 };
const FLOAT: Format = { name: 'FLOAT', specials: FLOAT_SPECIALS, mantissaBits: 24, exponentBits: 8, mantissaMax: 8_388_605 };

/** A plain number as a Medfloat. */
export function medfloat(value: number): Medfloat {
  return { kind: 'number', value };
}

/** The numeric value, or undefined for a special. */
export function medfloatValue(m: Medfloat): number | undefined {
  return m.kind === 'number' ? m.value : undefined;
}

function signExtend(v: number, bits: number): number {
  const sign = 1 << (bits - 1);
  return v & sign ? v - (1 << bits) : v;
}

/** mantissa × 10^exponent through a decimal string, so 189 × 10^-1 is exactly 18.9 (no float noise). */
function scale(mantissa: number, exponent: number): number {
  return Number(`${mantissa}e${exponent}`);
}

function decodeWord(word: number, f: Format): Medfloat {
  for (const kind of MEDFLOAT_SPECIALS) if (word === f.specials[kind]) return { kind };
  const mantissa = signExtend(word & ((1 << f.mantissaBits) - 1), f.mantissaBits);
  const exponent = signExtend(word >>> f.mantissaBits, f.exponentBits);
  return { kind: 'number', value: scale(mantissa, exponent) };
}

/** SFLOAT from its uint16 word. */
export function decodeSfloatWord(word: number): Medfloat {
  return decodeWord(word & 0xffff, SFLOAT);
}

/** FLOAT from its uint32 word. */
export function decodeFloatWord(word: number): Medfloat {
  return decodeWord(word >>> 0, FLOAT);
}

/** The one wording of a short-PDU error, shared with the byte reader. */
export function truncatedReason(need: number, offset: number, have: number): string {
  return `truncated: need ${need} byte${need === 1 ? '' : 's'} at offset ${offset}, have ${Math.max(0, have)}`;
}

/** SFLOAT from 2 little-endian bytes at `offset`. */
export function decodeSfloat(bytes: Uint8Array, offset = 0, field = 'sfloat'): CodecResult<Medfloat> {
  const a = bytes[offset];
  const b = bytes[offset + 1];
  if (a === undefined || b === undefined) return fail(field, truncatedReason(2, offset, bytes.length - offset));
  return ok(decodeSfloatWord(a | (b << 8)));
}

/** FLOAT from 4 little-endian bytes at `offset`. */
export function decodeFloat(bytes: Uint8Array, offset = 0, field = 'float'): CodecResult<Medfloat> {
  if (offset < 0 || bytes.length - offset < 4) return fail(field, truncatedReason(4, offset, bytes.length - offset));
  const w = (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24);
  return ok(decodeFloatWord(w >>> 0));
}

/** Shifts a number's shortest decimal form by 10^-exponent, so 18.9 at exponent -1 is exactly 189. */
function mantissaAt(value: number, exponent: number): number {
  const [coefficient, exp] = value.toExponential().split('e');
  return Number(`${coefficient}e${Number(exp) - exponent}`);
}

function specialOf(value: number | Medfloat): MedfloatSpecial | undefined {
  if (typeof value !== 'number') return value.kind === 'number' ? specialOf(value.value) : value.kind;
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return '+inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return undefined;
}

function pack(mantissa: number, exponent: number, f: Format): number {
  const m = mantissa & ((1 << f.mantissaBits) - 1);
  const e = exponent & ((1 << f.exponentBits) - 1);
  return ((e << f.mantissaBits) | m) >>> 0;
}

/**
 * Picks an exponent: the exact representation with the exponent nearest zero (120 → 120e0, 18.9 → 189e-1,
 * 30000 → 300e2); if the value has more digits than the mantissa holds, the most precise one that fits.
 */
function chooseExponent(value: number, f: Format): number {
  const min = -(1 << (f.exponentBits - 1));
  const max = (1 << (f.exponentBits - 1)) - 1;
  let exact: number | undefined;
  let precise: number | undefined;
  for (let e = min; e <= max; e++) {
    const m = mantissaAt(value, e);
    if (Math.abs(Math.round(m)) > f.mantissaMax) continue;
    if (precise === undefined) precise = e;
    if (Number.isInteger(m) && (exact === undefined || Math.abs(e) < Math.abs(exact))) exact = e;
  }
  const chosen = exact ?? precise;
  if (chosen === undefined) throw new RangeError(`${f.name}: ${value} is out of range`);
  return chosen;
}

function encodeWord(value: number | Medfloat, exponent: number | undefined, f: Format): number {
  const special = specialOf(value);
  if (special) return f.specials[special];
  const v = typeof value === 'number' ? value : value.kind === 'number' ? value.value : Number.NaN;
  const min = -(1 << (f.exponentBits - 1));
  const max = (1 << (f.exponentBits - 1)) - 1;
  const e = exponent ?? chooseExponent(v, f);
  if (!Number.isInteger(e) || e < min || e > max) throw new RangeError(`${f.name}: exponent ${e} outside ${min}..${max}`);
  const m = Math.round(mantissaAt(v, e));
  if (Math.abs(m) > f.mantissaMax) throw new RangeError(`${f.name}: ${v} needs mantissa ${m} at exponent ${e}, max ±${f.mantissaMax}`);
  return pack(m, e, f);
}

/** SFLOAT uint16 word. Encoders throw RangeError for values they cannot represent (they serve simulators and tests). */
export function encodeSfloatWord(value: number | Medfloat, exponent?: number): number {
  return encodeWord(value, exponent, SFLOAT);
}

/** FLOAT uint32 word. */
export function encodeFloatWord(value: number | Medfloat, exponent?: number): number {
  return encodeWord(value, exponent, FLOAT);
}

/** SFLOAT as 2 little-endian bytes. NaN/±Infinity numbers and Medfloat specials encode as the special words. */
export function encodeSfloat(value: number | Medfloat, exponent?: number): Uint8Array {
  const w = encodeSfloatWord(value, exponent);
  return Uint8Array.of(w & 0xff, w >>> 8);
}

/** FLOAT as 4 little-endian bytes. */
export function encodeFloat(value: number | Medfloat, exponent?: number): Uint8Array {
  const w = encodeFloatWord(value, exponent);
  return Uint8Array.of(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
}
