/**
 * Device clocks keep local wall-clock fields with no zone. These convert between such fields and
 * instants in an IANA zone (DST included) with Intl only: the gateway reads device times with
 * them and the simulators set their clocks with them.
 */
import type { DeviceDateTime } from './draft.js';

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

/** Wall-clock fields of an instant in a zone. */
export function epochToZonedFields(epochMs: number, timeZone: string): DeviceDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hours: parts.hour ?? 0,
    minutes: parts.minute ?? 0,
    seconds: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (Europe/Paris in winter: +3 600 000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const f = epochToZonedFields(epochMs, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hours, f.minutes, f.seconds);
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
