/**
 * Device time → observation time (contract 4). Devices send local wall-clock fields with no
 * offset; the gateway's configured zone turns them into an instant. A device clock that is off
 * by more than the tolerance is not trusted: the receive time is used and the correction kept.
 */
import { type DeviceDateTime, formatDeviceDateTime } from '@telecart/devices';
import type { ObservationTime } from '@telecart/protocol';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (Europe/Paris in winter: +3 600 000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/**
 * Local wall-clock fields in a zone → epoch ms. In the autumn overlap the first (summer-time)
 * instant is taken; in the spring gap the time is read with the offset before the change.
 */
export function zonedToEpochMs(t: DeviceDateTime, timeZone: string): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hours, t.minutes, t.seconds);
  // Offsets a day before and after cover any single DST change around this wall time.
  const before = zoneOffsetMs(wall - 86_400_000, timeZone);
  const after = zoneOffsetMs(wall + 86_400_000, timeZone);
  const valid = [wall - before, wall - after].filter((c, i) => zoneOffsetMs(c, timeZone) === (i === 0 ? before : after));
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

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
}

export function observationTime(i: TimeInputs): ObservationTime {
  const received = new Date(i.receivedAt).toISOString();
  if (!i.deviceTime) return { effective: received, device: null, received, correctionMs: 0, source: 'gateway' };
  const device = formatDeviceDateTime(i.deviceTime);
  const deviceMs = zonedToEpochMs(i.deviceTime, i.timeZone);
  const drift = Math.round(i.receivedAt - deviceMs);
  const trusted = Math.abs(drift) <= i.toleranceMs || (i.fromStorage === true && drift > 0);
  if (trusted) return { effective: new Date(deviceMs).toISOString(), device, received, correctionMs: 0, source: 'device' };
  return { effective: received, device, received, correctionMs: drift, source: 'device-corrected' };
}
