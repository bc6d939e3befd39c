/**
 * What a device definition says about a model's mistakes, applied around the pure codecs: byte-level
 * quirks before decoding, draft-level quirks after.
 */
import { type DeviceDefinition, type DeviceFrame, normalizeCharacteristic, type ObservationDraft, quirkOf } from '@telecart/devices';

/** Byte-level quirks before decoding, e.g. a units bit set the wrong way round. */
export function applyByteQuirks(definition: DeviceDefinition | undefined, frame: DeviceFrame): { bytes: Uint8Array; flags: string[] } {
  if (!definition) return { bytes: frame.bytes, flags: [] };
  const short = normalizeCharacteristic(frame.characteristic);
  const inverted = definition.quirks.find((q) => q.kind === 'inverted-unit-flag' && normalizeCharacteristic(q.characteristic) === short);
  if (!inverted || frame.bytes.length === 0) return { bytes: frame.bytes, flags: [] };
  const bytes = Uint8Array.from(frame.bytes);
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return { bytes, flags: ['unit-flag-corrected'] };
}

/** Draft-level quirks: a clock known to reset to a fixed year gives no usable device time. */
export function applyDraftQuirks(definition: DeviceDefinition | undefined, draft: ObservationDraft, extra: string[]): ObservationDraft {
  const reset = definition ? quirkOf(definition, 'clock-resets') : undefined;
  let d = extra.length > 0 ? { ...draft, flags: [...draft.flags, ...extra] } : draft;
  if (reset && d.deviceTime?.year === reset.year) {
    const { deviceTime: _dropped, ...rest } = d;
    d = { ...rest, flags: [...d.flags, 'device-clock-reset'] };
  }
  return d;
}
