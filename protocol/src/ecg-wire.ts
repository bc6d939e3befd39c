/**
 * The ECG chunk on the 'ecg' data channel, in binary (pure: no Node API, so the consult page's browser
 * code uses the same module). On a cart's 100 kbit/s uplink the JSON chunk cost 16–18 kbit/s for ~9
 * chunks a second (docs/conversation.md « One uplink budget »); this one is ~70 bytes for 32 samples.
 *
 * Version 1, big-endian:
 *
 *   0   u8      version (1)
 *   1   u32     seq
 *   5   f64     t0, ms since epoch of the first sample
 *   13  f64     periodMs (> 0)
 *   21  f64     factor, mV per digital unit
 *   29  u8      n, the lead name's UTF-8 bytes (≤ 64), then those bytes
 *   …   u16     samples count (≤ 4096)
 *   …           the samples: the first one, then each one's difference from the one before, as
 *               zigzag LEB128 varints (an ECG moves by a few units a sample: one byte each, mostly)
 *
 * Samples are integers within ±2^31 (digital units). A chunk that is not exactly this (short, trailing
 * bytes, another version, a sample out of range) is refused with what is wrong and where: the page counts
 * it and draws nothing made up.
 */
import type { EcgChunk } from './schemas/rtc.js';

export const ECG_WIRE_VERSION = 1;
const MAX_SAMPLES = 4096;
const MAX_LEAD_BYTES = 64;
const INT32 = 2 ** 31;
/** A zigzag value of a difference of two int32 (< 2^33) fits 5 varint bytes. */
const MAX_VARINT_BYTES = 5;
const HEADER_BYTES = 29;

export type EcgDecoded = { ok: true; chunk: EcgChunk } | { ok: false; error: string };

const zigzag = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** The chunk in the binary format; a RangeError says which field cannot go (the caller counts it). */
export function encodeEcgChunk(c: EcgChunk): Uint8Array {
  if (!Number.isInteger(c.seq) || c.seq < 0 || c.seq > 0xffffffff) throw new RangeError(`ECG chunk seq ${c.seq}: not a u32`);
  if (!(c.periodMs > 0) || !Number.isFinite(c.periodMs)) throw new RangeError(`ECG chunk ${c.seq}: periodMs ${c.periodMs}`);
  if (!Number.isFinite(c.t0) || !Number.isFinite(c.factor)) throw new RangeError(`ECG chunk ${c.seq}: t0 or factor not finite`);
  if (c.samples.length > MAX_SAMPLES) throw new RangeError(`ECG chunk ${c.seq}: ${c.samples.length} samples (${MAX_SAMPLES} at most)`);
  const lead = new TextEncoder().encode(c.lead);
  if (lead.length > MAX_LEAD_BYTES) throw new RangeError(`ECG chunk ${c.seq}: lead name of ${lead.length} bytes`);
  const out = new Uint8Array(HEADER_BYTES + 1 + lead.length + 2 + c.samples.length * MAX_VARINT_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, ECG_WIRE_VERSION);
  view.setUint32(1, c.seq);
  view.setFloat64(5, c.t0);
  view.setFloat64(13, c.periodMs);
  view.setFloat64(21, c.factor);
  view.setUint8(HEADER_BYTES, lead.length);
  out.set(lead, HEADER_BYTES + 1);
  let at = HEADER_BYTES + 1 + lead.length;
  view.setUint16(at, c.samples.length);
  at += 2;
  let prev = 0;
  for (const [i, v] of c.samples.entries()) {
    if (!Number.isInteger(v) || v < -INT32 || v >= INT32) throw new RangeError(`ECG chunk ${c.seq}: sample ${i} is ${v}, not an int32`);
    let z = zigzag(v - prev);
    prev = v;
    while (z >= 0x80) {
      out[at++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[at++] = z;
  }
  return out.subarray(0, at);
}

/** Bytes off the channel → the chunk, or what is wrong with them (never throws). */
export function decodeEcgChunk(bytes: Uint8Array): EcgDecoded {
  const fail = (error: string): EcgDecoded => ({ ok: false, error: `ECG chunk refused (${bytes.length} bytes): ${error}` });
  if (bytes.length < HEADER_BYTES + 3) return fail('shorter than the header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== ECG_WIRE_VERSION) return fail(`version ${version}, not ${ECG_WIRE_VERSION}`);
  const seq = view.getUint32(1);
  const t0 = view.getFloat64(5);
  const periodMs = view.getFloat64(13);
  const factor = view.getFloat64(21);
  if (!Number.isFinite(t0)) return fail(`seq ${seq}: t0 not finite`);
  if (!(periodMs > 0) || !Number.isFinite(periodMs)) return fail(`seq ${seq}: periodMs ${periodMs}`);
  if (!Number.isFinite(factor)) return fail(`seq ${seq}: factor not finite`);
  const leadBytes = view.getUint8(HEADER_BYTES);
  if (leadBytes > MAX_LEAD_BYTES) return fail(`seq ${seq}: lead name of ${leadBytes} bytes`);
  let at = HEADER_BYTES + 1 + leadBytes;
  if (bytes.length < at + 2) return fail(`seq ${seq}: ends in the lead name`);
  let lead: string;
  try {
    lead = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES + 1, at));
  } catch {
    return fail(`seq ${seq}: lead name not UTF-8`);
  }
  const count = view.getUint16(at);
  at += 2;
  if (count > MAX_SAMPLES) return fail(`seq ${seq}: ${count} samples (${MAX_SAMPLES} at most)`);
  const samples: number[] = [];
  let prev = 0;
  for (let i = 0; i < count; i++) {
    let z = 0;
    let scale = 1;
    for (let k = 0; ; k++) {
      if (k === MAX_VARINT_BYTES) return fail(`seq ${seq}: sample ${i} longer than ${MAX_VARINT_BYTES} bytes`);
      const b = bytes[at++];
      if (b === undefined) return fail(`seq ${seq}: ends at sample ${i} of ${count}`);
      z += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
    }
    const v = prev + unzigzag(z);
    if (v < -INT32 || v >= INT32) return fail(`seq ${seq}: sample ${i} is ${v}, not an int32`);
    samples.push(v);
    prev = v;
  }
  if (at !== bytes.length) return fail(`seq ${seq}: ${bytes.length - at} bytes after the samples`);
  return { ok: true, chunk: { seq, t0, periodMs, lead, factor, samples } };
}
