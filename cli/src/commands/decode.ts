/**
 * `telecart decode <characteristic|format> <hex>`: bytes from a device → FHIR R4 Observations (JSON) for
 * measurement characteristics, or the decoded structure for the others (features, RACP, context, time).
 * Malformed input: exit 1 and one line naming the field that failed, never a stack trace.
 *
 * Named formats (serial devices, …) register in DECODE_FORMATS below: one import and one line.
 */
import { CHARACTERISTIC_CODECS, type CodecResult, draftToFhirObservation, findCodec, type ObservationDraft } from '@telecart/devices';

import { SERIAL_DECODE_FORMATS } from './decode-serial.js';

/**
 * `notes`: one line per decoded reading that is not patient data (glucose control solution, oximeter
 * demonstration / test data), left out of the Observations because the gateway never records them.
 */
export type DecodeOutcome = { ok: true; json: string; notes?: string[] } | { ok: false; message: string };

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

function quantityText(d: ObservationDraft): string {
  if (!d.value) return '';
  return ` ${d.value.comparator ?? ''}${d.value.value} ${d.value.unit}`;
}

/** Patient readings as FHIR Observations; the others as notes saying why they are not recorded. */
function observations(drafts: ObservationDraft[]): { ok: true; json: string; notes?: string[] } {
  const patient = drafts.filter((d) => !d.notPatientData);
  const notes = drafts
    .filter((d) => d.notPatientData)
    .map((d) => `not patient data (${d.notPatientData}), not recorded: ${d.code.display} ${d.code.loinc}${quantityText(d)}`);
  const json = JSON.stringify(
    patient.map((d) => draftToFhirObservation(d)),
    null,
    2,
  );
  return notes.length > 0 ? { ok: true, json, notes } : { ok: true, json };
}
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
    return 'drafts' in r.value ? observations(r.value.drafts) : { ok: true, json: structure(r.value.decoded) };
  }
  const codec = findCodec(characteristic);
  if (!codec)
    return { ok: false, message: `characteristic: unsupported "${characteristic.slice(0, 64)}" (supported: ${supportedInputs(formats)})` };
  if (!codec.measurement) {
    const r = codec.decode(bytes);
    return r.ok ? { ok: true, json: structure(r.value) } : failed(r);
  }
  const r = codec.toDrafts(bytes);
  return r.ok ? observations(r.value) : failed(r);
}
