/**
 * The reconnect delay after a lost or refused connection: exponential from `baseMs` up to `maxMs`,
 * each delay spread by ±`spread` (default 50 %) so a fleet of gateways that lost the cloud at the
 * same moment does not come back in lockstep (docs/sync-protocol.md). Pure: `random` is injected.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay drawn at random on either side. Default 0.5. */
  spread?: number;
}

/**
 * The gateway's defaults. After a cloud restart the whole fleet comes back within 1.5 × maxMs of
 * the cloud being up again; ±50 % spreads each round of attempts over a whole delay instead of
 * a wave (±20 % and 60 s made waves a minute apart that the broker could only partly admit:
 * docs/region.md, « The reconnect storm »).
 */
export const RECONNECT_DEFAULTS = { baseMs: 2000, maxMs: 30_000, spread: 0.5 } as const;

/** Delay before reconnect attempt number `attempt` (1 = first retry); `random()` in [0, 1). */
export function reconnectDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const max = Math.max(o.baseMs, o.maxMs);
  const spread = Math.min(1, Math.max(0, o.spread ?? RECONNECT_DEFAULTS.spread));
  const delay = Math.min(max, o.baseMs * 2 ** Math.min(Math.max(0, attempt), 16));
  return Math.round(delay * (1 - spread + random() * 2 * spread));
}
