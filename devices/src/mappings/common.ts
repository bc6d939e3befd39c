/** Small helpers shared by the structure → ObservationDraft mappings. */
import type { Quantity } from '@telecart/protocol';
import { classifyDateTime } from '../codecs/date-time.js';
import type { Medfloat } from '../codecs/ieee11073.js';
import { MMHG_PER_KPA, UCUM } from '../model/codes.js';
import type { DeviceDateTime, ObservationDraft } from '../model/draft.js';

/** Protocol limit on flags per observation (Observation.flags maxItems). */
export const MAX_FLAGS = 32;

/** User ID 0xFF means "unknown user": left undefined, never guessed. */
export const USER_ID_UNKNOWN = 0xff;

export function userIndexOf(userId: number | undefined): number | undefined {
  return userId === undefined || userId === USER_ID_UNKNOWN ? undefined : userId;
}

/**
 * The device time to carry, and flags saying why there is none: 'device-time-unknown' (year, month
 * or day 0) or 'device-time-invalid' (a field out of range). Never an epoch date from an unknown stamp.
 */
export function deviceTimeOf(timestamp: DeviceDateTime | undefined): { deviceTime?: DeviceDateTime; flags: string[] } {
  if (!timestamp) return { flags: [] };
  const stamp = classifyDateTime(timestamp);
  if (stamp.value) return { deviceTime: stamp.value, flags: [] };
  return { flags: [stamp.status === 'date-unknown' ? 'device-time-unknown' : 'device-time-invalid'] };
}

/** The number, or undefined with a 'value-unavailable:<field>' flag pushed for an SFLOAT/FLOAT special. */
export function numberOrFlag(m: Medfloat, field: string, flags: string[]): number | undefined {
  if (m.kind === 'number') return m.value;
  flags.push(`value-unavailable:${field}`);
  return undefined;
}

/** Rounds to one decimal without float noise (141.76 → 141.8). */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** A pressure in mm[Hg]; kPa is converted (rounded to 0.1) and the original kept on the Quantity. */
export function pressureQuantity(value: number, unit: 'mmHg' | 'kPa'): Quantity {
  if (unit === 'mmHg') return { value, unit: UCUM.mmHg };
  return { value: round1(value * MMHG_PER_KPA), unit: UCUM.mmHg, original: { value, unit: UCUM.kPa } };
}

/** Unique flags in first-seen order, capped at the protocol limit with a visible marker. */
export function finishFlags(flags: readonly string[]): string[] {
  const unique = [...new Set(flags)];
  return unique.length <= MAX_FLAGS ? unique : [...unique.slice(0, MAX_FLAGS - 1), 'flags-truncated'];
}

/** Builds a spot-lane draft, leaving optional keys out rather than undefined, with final flags. */
export function makeDraft(
  d: Omit<ObservationDraft, 'lane' | 'flags' | 'deviceTime' | 'userIndex'> & {
    flags: readonly string[];
    deviceTime?: DeviceDateTime | undefined;
    userIndex?: number | undefined;
  },
): ObservationDraft {
  const out: ObservationDraft = { code: d.code, status: d.status, flags: finishFlags(d.flags), lane: 'spot' };
  if (d.value) out.value = d.value;
  if (d.components) out.components = d.components;
  if (d.deviceTime) out.deviceTime = d.deviceTime;
  if (d.userIndex !== undefined) out.userIndex = d.userIndex;
  if (d.recordNumber !== undefined) out.recordNumber = d.recordNumber;
  if (d.notPatientData !== undefined) out.notPatientData = d.notPatientData;
  return out;
}

/**
 * Drafts with the device's record number (a RACP download's sequence number for devices whose PDUs carry
 * none, e.g. a cuff replaying stored 0x2A35 records); a number the PDU itself carried (glucose) wins.
 */
export function withRecordNumber(drafts: readonly ObservationDraft[], recordNumber: number | undefined): ObservationDraft[] {
  if (recordNumber === undefined) return [...drafts];
  return drafts.map((d) => (d.recordNumber === undefined ? { ...d, recordNumber } : d));
}
