/**
 * `telecart decode <characteristic|format> <hex>`: bytes from a device → FHIR R4 Observations (JSON) for
 * measurement characteristics, or the decoded structure for the others (features, RACP, context, time).
 * Malformed input: exit 1 and one line naming the field that failed, never a stack trace.
 *
 * Named formats (serial devices, …) register in DECODE_FORMATS below: one import and one line.
 */
import { CHARACTERISTIC_CODECS, type CodecResult, draftToFhirObservation, findCodec, type ObservationDraft } from '@telecart/devices';

import { SERIAL_DECODE_FORMATS } from './decode-serial.js';

export type DecodeOutcome = { ok: true; json: string } | { ok: false; message: string };

/** A named decoder: bytes → drafts (printed as FHIR Observations) or a decoded structure (printed as is). */
export interface DecodeFormat {
  description: string;
  decode(bytes: Uint8Array): CodecResult<{ drafts: ObservationDraft[] } | { decoded: unknown }>;
}

/** Decoders by name, next to the GATT characteristics. Add a line here to register one. */
export const DECODE_FORMATS: ReadonlyMap<string, DecodeFormat> = new Map<string, DecodeFormat>([...SERIAL_DECODE_FORMATS]);

export function parseHex(hex: string): Uint8Array | string {
  const clean = hex.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (clean.length === 0) return 'hex: no bytes given';
  if (!/^[0-9a-fA-F]*$/.test(clean)) return `hex: not hexadecimal near "${clean.match(/[^0-9a-fA-F]/)?.[0]}"`;
  if (clean.length % 2 !== 0) return `hex: odd number of digits (${clean.length})`;
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

const observations = (drafts: ObservationDraft[]) =>
  JSON.stringify(
    drafts.map((d) => draftToFhirObservation(d)),
    null,
    2,
  );
const structure = (value: unknown) => JSON.stringify(value, null, 2);
const failed = (r: { error: { field: string; reason: string } }): DecodeOutcome => ({
  ok: false,
  message: `${r.error.field}: ${r.error.reason}`,
});

export function supportedInputs(formats: ReadonlyMap<string, DecodeFormat> = DECODE_FORMATS): string {
  return [...Object.keys(CHARACTERISTIC_CODECS), ...formats.keys()].join(', ');
}

/** `formats` is injectable for tests; the CLI uses DECODE_FORMATS. */
export function decodeCommand(
  characteristic: string,
  hexParts: string[],
  formats: ReadonlyMap<string, DecodeFormat> = DECODE_FORMATS,
): DecodeOutcome {
  const bytes = parseHex(hexParts.join(''));
  if (typeof bytes === 'string') return { ok: false, message: bytes };
  const format = formats.get(characteristic.trim().toLowerCase());
  if (format) {
    const r = format.decode(bytes);
    if (!r.ok) return failed(r);
    return { ok: true, json: 'drafts' in r.value ? observations(r.value.drafts) : structure(r.value.decoded) };
  }
  const codec = findCodec(characteristic);
  if (!codec)
    return { ok: false, message: `characteristic: unsupported "${characteristic.slice(0, 64)}" (supported: ${supportedInputs(formats)})` };
  if (!codec.measurement) {
    const r = codec.decode(bytes);
    return r.ok ? { ok: true, json: structure(r.value) } : failed(r);
  }
  const r = codec.toDrafts(bytes);
  return r.ok ? { ok: true, json: observations(r.value) } : failed(r);
}
