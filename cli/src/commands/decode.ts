/**
 * `telecart decode <characteristic> <hex>`: bytes from a device → FHIR R4 Observations (JSON).
 * Malformed input: exit 1 and one line naming the field that failed, never a stack trace.
 */
import { decodeCharacteristic, draftToFhirObservation } from '@telecart/devices';

export type DecodeOutcome = { ok: true; json: string } | { ok: false; message: string };

export function parseHex(hex: string): Uint8Array | string {
  const clean = hex.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (clean.length === 0) return 'hex: no bytes given';
  if (!/^[0-9a-fA-F]*$/.test(clean)) return `hex: not hexadecimal near "${clean.match(/[^0-9a-fA-F]/)?.[0]}"`;
  if (clean.length % 2 !== 0) return `hex: odd number of digits (${clean.length})`;
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function decodeCommand(characteristic: string, hexParts: string[]): DecodeOutcome {
  const bytes = parseHex(hexParts.join(''));
  if (typeof bytes === 'string') return { ok: false, message: bytes };
  const r = decodeCharacteristic(characteristic, bytes);
  if (!r.ok) return { ok: false, message: `${r.error.field}: ${r.error.reason}` };
  const observations = r.value.map((d) => draftToFhirObservation(d));
  return { ok: true, json: JSON.stringify(observations, null, 2) };
}
