/**
 * Bytes ↔ validated payloads. One place decides the wire encoding, and every inbound payload is
 * validated before anyone sees it.
 *
 * Two formats, told apart by the first byte (MQTT 3.1.1 has no content type):
 *   `{` (or JSON whitespace)  plain JSON: statuses, acks, and anything from an older gateway
 *   0x01                      raw DEFLATE (RFC 1951) of the same JSON: observation batches
 * JSON + deflate was chosen from measured bytes per reading (docs/encoding.md): 16× fewer bytes
 * than JSON for a 200-reading spot batch, within 7 % of CBOR + deflate, with no new dependency.
 * 0x02 is reserved (CBOR) and refused today. Inflation is capped: a small payload cannot expand
 * past MAX_PAYLOAD_BYTES (no zip bomb).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Static, TSchema } from '@sinclair/typebox';
import { BatchAck, ObservationBatch } from './schemas/batch.js';
import { GatewayStatus } from './schemas/status.js';
import { compile, formatIssues, type Validator } from './validate.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** First byte of a DEFLATE-compressed JSON payload (never the first byte of a JSON text). */
export const DEFLATE_MAGIC = 0x01;
/** Reserved for a CBOR payload; not produced nor accepted yet. */
export const CBOR_MAGIC = 0x02;
/** zlib level 6: within 5 % of level 9's size at ~75 % of its CPU; level 1 is 11–25 % bigger (docs/encoding.md). */
const DEFLATE_LEVEL = 6;

export type PayloadFormat = 'json' | 'json+deflate';

export function encodePayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * JSON text → the payload that goes on the wire: DEFLATE with its magic byte when that is
 * smaller, else the JSON as is. Takes the text so callers holding stored JSON need not re-parse.
 */
export function encodeJsonText(json: string, format: PayloadFormat = 'json+deflate'): Buffer {
  const plain = Buffer.from(json, 'utf8');
  if (format === 'json') return plain;
  const packed = deflateRawSync(plain, { level: DEFLATE_LEVEL });
  if (packed.byteLength + 1 >= plain.byteLength) return plain;
  const out = Buffer.allocUnsafe(packed.byteLength + 1);
  out[0] = DEFLATE_MAGIC;
  packed.copy(out, 1);
  return out;
}

/** An observation batch (or any value) in the batch wire format: JSON + deflate. */
export function encodeBatchPayload(value: unknown, format: PayloadFormat = 'json+deflate'): Buffer {
  return encodeJsonText(JSON.stringify(value), format);
}

/** Which format a payload claims by its first byte; null when it is neither. */
export function payloadFormat(bytes: Uint8Array): PayloadFormat | null {
  const b = bytes[0];
  if (b === DEFLATE_MAGIC) return 'json+deflate';
  if (b === 0x7b || b === 0x5b || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) return 'json';
  return null;
}

/** Payload bytes → the JSON text they carry (inflated when compressed, bounded), or why not. */
export function payloadText(bytes: Uint8Array, maxBytes = MAX_PAYLOAD_BYTES): Decoded<string> {
  if (bytes.byteLength > maxBytes) return { ok: false, error: `payload of ${bytes.byteLength} bytes exceeds ${maxBytes}` };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === DEFLATE_MAGIC) {
    try {
      return { ok: true, value: inflateRawSync(buf.subarray(1), { maxOutputLength: maxBytes }).toString('utf8') };
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ERR_BUFFER_TOO_LARGE' ? `inflates past ${maxBytes} bytes` : (e as Error).message;
      return { ok: false, error: `not JSON: bad deflate payload: ${why}` };
    }
  }
  if (buf[0] === CBOR_MAGIC) return { ok: false, error: 'not JSON: CBOR payloads (0x02) are not accepted by this version' };
  return { ok: true, value: buf.toString('utf8') };
}

export function decodeWith<S extends TSchema>(validator: Validator<S>, bytes: Uint8Array): Decoded<Static<S>> {
  const text = payloadText(bytes);
  if (!text.ok) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.value);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const r = validator.validate(parsed);
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: formatIssues(r.issues) };
}

export const validators = {
  batch: compile(ObservationBatch),
  ack: compile(BatchAck),
  status: compile(GatewayStatus),
} as const;

export const decodeBatch = (b: Uint8Array) => decodeWith(validators.batch, b);
export const decodeAck = (b: Uint8Array) => decodeWith(validators.ack, b);
export const decodeStatus = (b: Uint8Array) => decodeWith(validators.status, b);
