/**
 * Trends: a patient's spot readings of each vital over a period, as time-ordered points in one
 * unit per vital, for the trends page and GET /api/patients/:id/trends. Waveform segments,
 * recorded files and preliminary values are not spot readings and never become points; a value
 * in a unit we cannot convert is counted as skipped rather than drawn on the wrong scale.
 */
import { TREND_VITALS, type TrendVitalId, UNIT_DISPLAY, VITAL_CATALOGUE } from '@telecart/devices';
import type { Comparator, Observation } from '@telecart/protocol';
import { type CloudStore, MAX_PAGE_SIZE } from '../store/cloud-store.js';

/** The vitals the catalogue puts on the trends page, in its order. */
export const TREND_KEYS: readonly TrendVitalId[] = TREND_VITALS;
export type TrendKey = TrendVitalId;

/** Points per vital a response carries at most (the newest are kept). */
export const TREND_POINTS_MAX = 5000;
/** Longest period one request may ask for. */
export const TREND_RANGE_MAX_DAYS = 400;
export const TREND_RANGE_DEFAULT_DAYS = 30;

export interface TrendPoint {
  /** Effective time, ISO, as the reading carries it. */
  t: string;
  /** One value per series of the vital (systolic and diastolic for blood pressure). */
  v: number[];
  flags: string[];
  /** The true value is beyond `v` (a glucose meter's HI '>' / LO '<'). */
  comparator?: Comparator;
}

export interface VitalTrend {
  key: TrendKey;
  /** UCUM code every point is in. */
  unit: string;
  unitDisplay: string;
  /** What each position of `v` is. */
  series: string[];
  /** Oldest first. */
  points: TrendPoint[];
  /** More readings than `TREND_POINTS_MAX` in the period: only the newest are here. */
  truncated: boolean;
  /** Readings left out because their unit could not be converted. */
  skipped: number;
}

type Convert = (v: number) => number;

interface TrendDef {
  key: TrendKey;
  /** LOINC codes of the observation (the panel's code for blood pressure). */
  codes: readonly string[];
  unit: string;
  /** For panels: the component codes, one series each. */
  components?: readonly { name: string; loinc: string }[];
  /** Other units a reading may carry, converted to `unit`. */
  from?: Readonly<Record<string, Convert>>;
}

const same: Convert = (v) => v;

function trendDef(key: TrendKey): TrendDef {
  const e = VITAL_CATALOGUE[key];
  const def: TrendDef = { key, codes: e.loinc, unit: e.unit };
  if ('components' in e) def.components = e.components.map((c) => ({ name: c.name, loinc: c.code.loinc }));
  if ('convert' in e) def.from = Object.fromEntries(Object.entries(e.convert).map(([u, c]) => [u, c.toUnit]));
  return def;
}

/** Derived from the vitals catalogue (codes, unit, series, conversions). */
export const TREND_DEFS: Readonly<Record<TrendKey, TrendDef>> = Object.fromEntries(TREND_KEYS.map((k) => [k, trendDef(k)])) as Record<
  TrendKey,
  TrendDef
>;

const CODE_TO_KEY: ReadonlyMap<string, TrendKey> = new Map(TREND_KEYS.flatMap((k) => TREND_DEFS[k].codes.map((c) => [c, k] as const)));

/** The vital an observation's code belongs to, if any. */
export function trendKeyOf(obs: Observation): TrendKey | null {
  return CODE_TO_KEY.get(obs.code.loinc) ?? null;
}

function inUnit(def: TrendDef, q: { value: number; unit: string }): number | null {
  const convert = q.unit === def.unit ? same : def.from?.[q.unit];
  if (!convert) return null;
  // Conversions yield long fractions: two decimals are finer than any of these devices.
  return Math.round(convert(q.value) * 100) / 100;
}

/** A spot reading as a point; 'unit' when its unit cannot be converted; null when it is no spot reading of this vital. */
export function trendPoint(def: TrendDef, obs: Observation): TrendPoint | 'unit' | null {
  if (!def.codes.includes(obs.code.loinc)) return null;
  if (obs.status !== 'final' || obs.lane === 'waveform' || obs.sampledData || obs.attachment || obs.segment) return null;
  let v: (number | null)[];
  if (def.components) {
    v = def.components.map((c) => {
      const q = obs.components?.find((x) => x.code.loinc === c.loinc)?.value;
      return q ? inUnit(def, q) : null;
    });
    if (def.components.some((c) => !obs.components?.some((x) => x.code.loinc === c.loinc))) return null;
  } else {
    if (!obs.value) return null;
    v = [inUnit(def, obs.value)];
  }
  if (v.some((x) => x === null)) return 'unit';
  const comparator = obs.value?.comparator;
  return { t: obs.time.effective, v: v as number[], flags: obs.flags, ...(comparator ? { comparator } : {}) };
}

export interface TrendQuery {
  patientId: string;
  from: Date;
  to: Date;
  /** Default TREND_POINTS_MAX. */
  maxPoints?: number;
}

/**
 * One vital's points in [from, to]. Reads the store newest first, a page at a time, so the cap
 * keeps the newest readings; ids already seen are skipped (a reading stored meanwhile shifts the
 * pages by one, it never hides one).
 */
export async function vitalTrend(store: Pick<CloudStore, 'getObservations'>, key: TrendKey, q: TrendQuery): Promise<VitalTrend> {
  const def = TREND_DEFS[key];
  const cap = q.maxPoints ?? TREND_POINTS_MAX;
  // Bounded reading even when most rows of these codes are not spot readings.
  const maxPages = Math.ceil(cap / MAX_PAGE_SIZE) * 4;
  const seen = new Set<string>();
  const points: TrendPoint[] = [];
  let skipped = 0;
  let truncated = false;
  for (let page = 0, offset = 0; !truncated; page++) {
    if (page === maxPages) {
      truncated = true;
      break;
    }
    const rows = await store.getObservations({
      patientId: q.patientId,
      loinc: def.codes,
      from: q.from,
      to: q.to,
      limit: MAX_PAGE_SIZE,
      offset,
    });
    for (const obs of rows) {
      if (seen.has(obs.id)) continue;
      seen.add(obs.id);
      const p = trendPoint(def, obs);
      if (p === null) continue;
      if (p === 'unit') {
        skipped++;
        continue;
      }
      if (points.length === cap) {
        truncated = true;
        break;
      }
      points.push(p);
    }
    if (rows.length < MAX_PAGE_SIZE) break;
    offset += rows.length;
  }
  points.reverse();
  return {
    key,
    unit: def.unit,
    unitDisplay: UNIT_DISPLAY[def.unit] ?? def.unit,
    series: def.components ? def.components.map((c) => c.name) : ['value'],
    points,
    truncated,
    skipped,
  };
}

export async function patientTrends(store: Pick<CloudStore, 'getObservations'>, q: TrendQuery): Promise<VitalTrend[]> {
  return Promise.all(TREND_KEYS.map((k) => vitalTrend(store, k, q)));
}

export interface LatestTrendReading extends TrendPoint {
  key: TrendKey;
  unitDisplay: string;
}

/** The newest spot reading of each vital, in TREND_KEYS order, from the store's newest-per-code list. */
export function latestTrendReadings(latestPerCode: readonly Observation[]): LatestTrendReading[] {
  const best = new Map<TrendKey, LatestTrendReading>();
  for (const obs of latestPerCode) {
    const key = trendKeyOf(obs);
    if (!key) continue;
    const def = TREND_DEFS[key];
    const p = trendPoint(def, obs);
    if (p === null || p === 'unit') continue;
    const prev = best.get(key);
    if (!prev || Date.parse(p.t) > Date.parse(prev.t)) best.set(key, { ...p, key, unitDisplay: UNIT_DISPLAY[def.unit] ?? def.unit });
  }
  return TREND_KEYS.flatMap((k) => best.get(k) ?? []);
}
