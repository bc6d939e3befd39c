/**
 * How often a simulated gateway measures (issue 14): a home kit takes 5–20 readings a day, a
 * nursing-home cart about 200 spot readings a day plus ECG strips. Arrivals are a Poisson process
 * (exponential gaps); `multiplier` speeds every gateway up for stress runs. Pure: `random` injected.
 */
export type GatewayKind = 'home-kit' | 'cart';

export interface RateProfile {
  kind: GatewayKind;
  spotPerDay: number;
  waveformPerDay: number;
}

export const CART_SPOT_PER_DAY = 200;
/** ECG strips a cart records a day (one waveform segment each here). */
export const CART_WAVEFORM_PER_DAY = 12;
export const HOME_KIT_PER_DAY = { min: 5, max: 20 } as const;
const DAY_MS = 86_400_000;

/** Gateway `index` of the fleet: the first `cartShare` of them (rounded) are carts, the rest home kits. */
export function profileFor(index: number, total: number, cartShare: number, random: () => number): RateProfile {
  const carts = Math.round(total * Math.min(1, Math.max(0, cartShare)));
  if (index < carts) return { kind: 'cart', spotPerDay: CART_SPOT_PER_DAY, waveformPerDay: CART_WAVEFORM_PER_DAY };
  return {
    kind: 'home-kit',
    spotPerDay: HOME_KIT_PER_DAY.min + random() * (HOME_KIT_PER_DAY.max - HOME_KIT_PER_DAY.min),
    waveformPerDay: 0,
  };
}

/** Milliseconds until the next reading at `perDay × multiplier` a day; Infinity when the rate is 0. */
export function nextGapMs(perDay: number, multiplier: number, random: () => number): number {
  const rate = perDay * multiplier;
  if (!(rate > 0)) return Number.POSITIVE_INFINITY;
  // Inverse transform of the exponential law; 1 - random() is in (0, 1], so the log is finite.
  return (-Math.log(1 - random()) * DAY_MS) / rate;
}

/** mulberry32: a seeded random source, so a run's fleet (kinds, rates, timings) is reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
