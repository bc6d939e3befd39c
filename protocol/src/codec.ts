/**
 * Bytes ↔ validated payloads. One place decides the wire encoding (JSON today; JSON with
 * compression or CBOR is to be decided from measured bytes per reading), and every inbound
 * payload is validated before anyone sees it.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { BatchAck, ObservationBatch } from './schemas/batch.js';
import { GatewayStatus } from './schemas/status.js';
import { compile, formatIssues, type Validator } from './validate.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export function encodePayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function decodeWith<S extends TSchema>(validator: Validator<S>, bytes: Uint8Array): Decoded<Static<S>> {
  if (bytes.byteLength > MAX_PAYLOAD_BYTES)
    return { ok: false, error: `payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
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
