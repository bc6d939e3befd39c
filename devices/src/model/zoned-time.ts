/**
 * Device clocks keep local wall-clock fields with no zone. These convert between such fields and
 * instants in an IANA zone (DST included) with Intl only: the gateway reads device times with
 * them and the simulators set their clocks with them.
 *
 * Intl's formatToParts costs ~20 µs a call and a device time needs up to four of them, which
 * was ~10 % of the gateway's CPU per reading. A zone's offset changes a few times a year, so it is
 * cached per UTC quarter-hour: Intl is asked at both ends of the quarter, and the offset is
 * cached only when they agree (a quarter holding a change is always computed exactly). Fields are
 * then plain UTC arithmetic on the shifted instant.
 *
 * The first Intl.DateTimeFormat of a process makes ICU load its locale data: ~7 MiB resident that
 * an idle gateway needs for nothing else (docs/footprint.md). The gateway runs in its configured
 * zone (useProcessTimeZone): offsets in that zone come from Date, which reads ICU's zone table only.
 */
import { type DeviceDateTime, utcDateFields } from './draft.js';

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

/** Wall-clock fields of an instant in a zone, straight from Intl (seconds resolution). */
function intlFields(epochMs: number, timeZone: string): DeviceDateTime {
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

/** The zone set by useProcessTimeZone (a name Intl accepted), while process.env.TZ still names it. */
let processZone: string | null = null;

/**
 * Makes `timeZone` this process's local time zone (process.env.TZ; Node tells V8 at once), so that
 * conversions in it use Date instead of Intl. `timeZone` must be a zone Intl accepts (the gateway's
 * validated configuration): V8 would silently take an unknown one for UTC.
 */
export function useProcessTimeZone(timeZone: string): void {
  process.env.TZ = timeZone;
  processZone = timeZone;
  offsets.delete(timeZone); // the same offsets, now read from Date
}

function intlOffsetMs(epochMs: number, timeZone: string): number {
  if (timeZone === processZone && process.env.TZ === processZone) {
    // From the local fields, not getTimezoneOffset (whole minutes: Paris before 1911 is +0:09:21).
    const d = new Date(epochMs);
    const local = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds());
    return local - (epochMs - (((epochMs % 1000) + 1000) % 1000));
  }
  const f = intlFields(epochMs, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hours, f.minutes, f.seconds);
  return asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

const BUCKET_MS = 15 * 60_000;
/** Per zone: quarter-hour index → offset, or null when the offset changes inside that quarter. */
const offsets = new Map<string, Map<number, number | null>>();
const MAX_BUCKETS_PER_ZONE = 50_000;

/** The zone's offset from UTC at an instant, in ms (Europe/Paris in winter: +3 600 000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const bucket = Math.floor(epochMs / BUCKET_MS);
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let cached = zone.get(bucket);
  if (cached === undefined) {
    const start = bucket * BUCKET_MS;
    const a = intlOffsetMs(start, timeZone);
    cached = a === intlOffsetMs(start + BUCKET_MS - 1000, timeZone) ? a : null;
    if (zone.size >= MAX_BUCKETS_PER_ZONE) zone.clear();
    zone.set(bucket, cached);
  }
  return cached ?? intlOffsetMs(epochMs, timeZone);
}

/** Wall-clock fields of an instant in a zone. */
export function epochToZonedFields(epochMs: number, timeZone: string): DeviceDateTime {
  if (!Number.isFinite(epochMs)) return intlFields(epochMs, timeZone); // Intl throws the usual RangeError
  const d = new Date(epochMs + zoneOffsetMs(epochMs, timeZone));
  return utcDateFields(d);
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
  if (before === after) return wall - before; // no change around this time: the common case
  const valid = [wall - before, wall - after].filter((c, i) => zoneOffsetMs(c, timeZone) === (i === 0 ? before : after));
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}
