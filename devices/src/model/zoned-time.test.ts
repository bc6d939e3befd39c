import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { epochToZonedFields, useProcessTimeZone, zonedToEpochMs, zoneOffsetMs } from './zoned-time.js';

/** Straight from Intl, the reference the cached conversion must match. */
const formats = new Map<string, Intl.DateTimeFormat>();
function reference(epochMs: number, timeZone: string) {
  const f =
    formats.get(timeZone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  formats.set(timeZone, f);
  const p = Object.fromEntries(
    f
      .formatToParts(new Date(epochMs))
      .filter((x) => x.type !== 'literal')
      .map((x) => [x.type, Number(x.value)]),
  );
  return { year: p.year, month: p.month, day: p.day, hours: p.hour, minutes: p.minute, seconds: p.second };
}

// Calls of formatToParts by the module under test (the reference's own formatters are not counted).
const realFormatToParts = Intl.DateTimeFormat.prototype.formatToParts;
let moduleIntlCalls = 0;
Intl.DateTimeFormat.prototype.formatToParts = function (this: Intl.DateTimeFormat, date?: Date | number) {
  if (![...formats.values()].includes(this)) moduleIntlCalls++;
  return realFormatToParts.call(this, date);
};
const initialTz = process.env.TZ;
afterAll(() => {
  Intl.DateTimeFormat.prototype.formatToParts = realFormatToParts;
  if (initialTz === undefined) delete process.env.TZ;
  else process.env.TZ = initialTz;
});

/** Each zone under test, with Intl, then as the process's own zone (offsets from Date). */
const modes = [
  ['Intl', (_zone: string) => {}],
  ['the process zone', (zone: string) => useProcessTimeZone(zone)],
] as const;

describe.each(modes)('zoned time (offsets cached per quarter hour), %s', (mode, use) => {
  // In the process's zone Intl is never asked (its first formatter costs ~7 MiB of ICU data).
  beforeEach(() => {
    moduleIntlCalls = 0;
  });
  afterEach(() => {
    if (mode === 'the process zone') expect(moduleIntlCalls).toBe(0);
    else expect(moduleIntlCalls).toBeGreaterThan(0);
  });

  // Lord Howe moves by 30 min, Kathmandu is +5:45, Chatham +12:45/+13:45, Casablanca has Ramadan changes.
  const zones = [
    'Europe/Paris',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Pacific/Chatham',
    'Africa/Casablanca',
    'UTC',
  ];

  it('gives the same wall-clock fields as Intl, across every DST change of a year', () => {
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2026, 0, 1);
    const mismatches: string[] = [];
    for (const zone of zones) {
      use(zone);
      // 2 h 1 min 17 s steps: quarter-hour cache entries are hit at varied offsets within them.
      for (let t = from; t < to; t += 7_277_000) {
        const got = epochToZonedFields(t, zone);
        const want = reference(t, zone);
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${zone} ${new Date(t).toISOString()}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('matches Intl on both sides of a change, to the second', () => {
    // Europe/Paris: 2025-03-30 01:00:00Z (spring), 2025-10-26 01:00:00Z (autumn); Lord Howe: 2025-04-05 15:00:00Z.
    for (const [zone, change] of [
      ['Europe/Paris', Date.UTC(2025, 2, 30, 1)],
      ['Europe/Paris', Date.UTC(2025, 9, 26, 1)],
      ['Australia/Lord_Howe', Date.UTC(2025, 3, 5, 15)],
    ] as const) {
      use(zone);
      for (const d of [-61_000, -1000, -1, 0, 1, 999, 1000, 59_000]) {
        expect(epochToZonedFields(change + d, zone)).toEqual(reference(change + d, zone));
      }
      expect(zoneOffsetMs(change - 1000, zone)).not.toBe(zoneOffsetMs(change, zone));
    }
  });

  it('keeps local mean time offsets with seconds (Paris before 1911: +0:09:21)', () => {
    const t = Date.UTC(1900, 5, 1, 12, 0, 0);
    use('Europe/Paris');
    expect(zoneOffsetMs(t, 'Europe/Paris')).toBe(561_000);
    expect(epochToZonedFields(t, 'Europe/Paris')).toEqual(reference(t, 'Europe/Paris'));
  });

  it('reads wall times back: the summer instant in the autumn overlap, the offset before in the spring gap', () => {
    const paris = 'Europe/Paris';
    use(paris);
    expect(zonedToEpochMs({ year: 2025, month: 1, day: 15, hours: 10, minutes: 0, seconds: 0 }, paris)).toBe(Date.UTC(2025, 0, 15, 9));
    expect(zonedToEpochMs({ year: 2025, month: 10, day: 26, hours: 2, minutes: 30, seconds: 0 }, paris)).toBe(Date.UTC(2025, 9, 26, 0, 30));
    expect(zonedToEpochMs({ year: 2025, month: 3, day: 30, hours: 2, minutes: 30, seconds: 0 }, paris)).toBe(Date.UTC(2025, 2, 30, 1, 30));
  });
});
