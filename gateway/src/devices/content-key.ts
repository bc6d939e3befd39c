/**
 * The deterministic key of a reading a device can send again (stored records downloaded twice,
 * an indication repeated after a reconnect). It names the measurement itself: device + its own
 * timestamp + LOINC code [+ user index] + the values. The device's record number stands in for the
 * timestamp only when there is none: record numbers restart (battery change, memory cleared,
 * replacement meter, uint16 wrap), so a key built on them would take a new reading for an old one
 * (data loss) or an old record renumbered by the meter for a new one (duplicate). With the values
 * in the key, two readings that share a timestamp (a clock reset to a fixed date) stay apart unless
 * they are the same measurement. Without a timestamp or a record number there is no key: two such
 * readings cannot be told apart from two real measurements, so both are kept.
 */
import { createHash } from 'node:crypto';
import { formatDeviceDateTime, type ObservationDraft } from '@telecart/devices';
import type { Quantity } from '@telecart/protocol';

/** The observation schema's bound on contentKey. */
const MAX_KEY_LENGTH = 256;

const quantity = (q: Quantity) => `${q.value}${q.unit}`;

/**
 * The measured values in their mapping order (component codes are fixed by the panel's code), '/'
 * between them, '-' for none. Built by one loop (no temporary arrays: the burst path's CPU).
 */
function valuesOf(draft: ObservationDraft): string {
  let out = draft.value ? quantity(draft.value) : undefined;
  for (const c of draft.components ?? []) out = out === undefined ? quantity(c.value) : `${out}/${quantity(c.value)}`;
  return out ?? '-';
}

export function contentKeyOf(deviceId: string, draft: ObservationDraft): string | undefined {
  let when: string;
  if (draft.deviceTime) when = `t${formatDeviceDateTime(draft.deviceTime)}`;
  else if (draft.recordNumber !== undefined) when = `n${draft.recordNumber}`;
  else return undefined;
  const user = draft.userIndex === undefined ? '' : `|u${draft.userIndex}`;
  const head = `${deviceId}|${when}|${draft.code.loinc}${user}`;
  const values = valuesOf(draft);
  const key = `${head}|v${values}`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  // Long panels (or long device ids): the values as a digest keep the key within the schema's bound.
  return `${head}|h${createHash('sha256').update(values).digest('hex').slice(0, 32)}`;
}

/**
 * Content-key formats: 1 = releases before the value-bearing key (record number first, no values;
 * pipeline/legacy-keys.ts), 2 = `contentKeyOf`. A device's RACP cursor remembers the format it was built with.
 */
export type ContentKeyFormat = 1 | 2;
export const CONTENT_KEY_FORMAT: ContentKeyFormat = 2;
