/**
 * The deterministic key of a reading a device can send again (stored records downloaded twice,
 * an indication repeated after a reconnect): device + its record number or its own timestamp +
 * LOINC code [+ user index]. Without either a record number or a device time there is no key:
 * two such readings cannot be told apart from two real measurements, so both are kept.
 */
import { formatDeviceDateTime, type ObservationDraft } from '@telecart/devices';

export function contentKeyOf(deviceId: string, draft: ObservationDraft): string | undefined {
  let when: string;
  if (draft.recordNumber !== undefined) when = `n${draft.recordNumber}`;
  else if (draft.deviceTime) when = `t${formatDeviceDateTime(draft.deviceTime)}`;
  else return undefined;
  const user = draft.userIndex === undefined ? '' : `|u${draft.userIndex}`;
  return `${deviceId}|${when}|${draft.code.loinc}${user}`;
}
