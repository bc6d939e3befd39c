/**
 * UPGRADE-ONLY: everything about content-key format 1 (releases before the value-bearing key) lives
 * here, so it can be deleted in one piece once no gateway runs such a release. A gateway upgraded from
 * one holds format-1 keys in its store (readings, synced_keys); the first RACP download of each device
 * after the upgrade recognises the records the old release already stored by them. Nothing else may
 * dedup with these keys: format 1 is the key that took a reset meter's new readings for old ones.
 */
import { formatDeviceDateTime, type ObservationDraft } from '@telecart/devices';
import { sequenceDistance } from '../devices/record-numbering.js';

/**
 * The key format 1 gave a reading: `device|n<record number>|loinc[|u<user>]`, else
 * `device|t<device time>|loinc[|u<user>]`.
 */
export function legacyContentKeyOf(deviceId: string, draft: ObservationDraft): string | undefined {
  let when: string;
  if (draft.recordNumber !== undefined) when = `n${draft.recordNumber}`;
  else if (draft.deviceTime) when = `t${formatDeviceDateTime(draft.deviceTime)}`;
  else return undefined;
  const user = draft.userIndex === undefined ? '' : `|u${draft.userIndex}`;
  return `${deviceId}|${when}|${draft.code.loinc}${user}`;
}

/**
 * During the first download after the upgrade (the device's RACP cursor is still format 1), a
 * record at or behind that cursor (serial-number order) whose legacy key the store knows was stored
 * by the old release: it counts as known, is not stored again, and as the proof record it says
 * "numbering unchanged". A record ahead of the cursor never reached the old release: stored
 * normally. The caller drops `legacyCursor` after a 'renumbered' verdict (an old number then names
 * another measurement) and rewrites the cursor as format 2 after the download, so this never runs
 * again for the device: a legacy match on a later reset would drop a new reading.
 */
export function knownUnderLegacyKey(
  legacyCursor: number | undefined,
  recordNumber: number | undefined,
  legacyKeyKnown: () => boolean,
): boolean {
  if (legacyCursor === undefined || recordNumber === undefined) return false;
  if (sequenceDistance(recordNumber, legacyCursor) < 0) return false;
  return legacyKeyKnown();
}

/** What the legacy check asks of the store. */
export interface LegacyKeyLookup {
  /** False once no format-1 key is left: the check then costs nothing. */
  hasLegacyContentKeys(): boolean;
  hasContentKey(key: string): boolean;
}

/**
 * A reading the previous release stored under its format-1 key. `legacyCursor`: the device's
 * format-1 RACP cursor while its first download after the upgrade runs, else undefined.
 */
export function storedByOldRelease(
  store: LegacyKeyLookup,
  deviceId: string,
  draft: ObservationDraft,
  legacyCursor: number | undefined,
): boolean {
  if (!store.hasLegacyContentKeys()) return false;
  if (draft.recordNumber === undefined) {
    // Keyed by device time in both formats; format 1 lacked the values. Its only false match is the
    // same device, second, code and user, which format 1 took for the same reading too; the old
    // keys age out with the synced keys' retention (400 days).
    const legacyKey = draft.deviceTime ? legacyContentKeyOf(deviceId, draft) : undefined;
    return legacyKey !== undefined && store.hasContentKey(legacyKey);
  }
  return knownUnderLegacyKey(legacyCursor, draft.recordNumber, () => {
    const legacyKey = legacyContentKeyOf(deviceId, draft);
    return legacyKey !== undefined && store.hasContentKey(legacyKey);
  });
}
