/**
 * Device time → observation time (contract 4, docs/architecture.md). Devices send local wall-clock fields with no
 * offset; the gateway's configured zone turns them into an instant. A device clock that is off
 * by more than the tolerance is not trusted: the receive time is used and the correction kept.
 */
import { type DeviceDateTime, formatDeviceDateTime, zonedToEpochMs } from '@telecart/devices';

export { zonedToEpochMs, zoneOffsetMs } from '@telecart/devices';

import type { ObservationTime } from '@telecart/protocol';

export interface TimeInputs {
  deviceTime: DeviceDateTime | undefined;
  /** Gateway receive time, ms since epoch. */
  receivedAt: number;
  timeZone: string;
  toleranceMs: number;
  /**
   * The device says this record comes from its memory: its age is real, so a device time in the
   * past is kept however old (a device time in the future is still corrected).
   */
  fromStorage?: boolean;
  /**
   * The device clock's measured offset (device − gateway, ms) when it was off by more than its
   * tolerance and could not be set: the device time is shifted back by it, the correction recorded.
   */
  clockOffsetMs?: number;
}

export function observationTime(i: TimeInputs): ObservationTime {
  const received = new Date(i.receivedAt).toISOString();
  if (!i.deviceTime) return { effective: received, device: null, received, correctionMs: 0, source: 'gateway' };
  const device = formatDeviceDateTime(i.deviceTime);
  const deviceMs = zonedToEpochMs(i.deviceTime, i.timeZone);
  if (i.clockOffsetMs !== undefined) {
    const correctionMs = -Math.round(i.clockOffsetMs);
    return { effective: new Date(deviceMs + correctionMs).toISOString(), device, received, correctionMs, source: 'device-corrected' };
  }
  const drift = Math.round(i.receivedAt - deviceMs);
  const trusted = Math.abs(drift) <= i.toleranceMs || (i.fromStorage === true && drift > 0);
  if (trusted) return { effective: new Date(deviceMs).toISOString(), device, received, correctionMs: 0, source: 'device' };
  return { effective: received, device, received, correctionMs: drift, source: 'device-corrected' };
}
