/**
 * The reconnect policy of a gateway, real or simulated (one module for both: the simulator's
 * storms measure this code): the delay after a lost or refused connection is exponential from
 * `baseMs` up to `maxMs`, each delay spread by ±`spread` (default 50 %) so a fleet of gateways that
 * lost the cloud at the same moment does not come back in lockstep (docs/sync-protocol.md). An
 * attempt the broker **shed** (its admission queue full, or held to its end: protocol
 * `connectEnd`) waits at least `afterShedMs` (spread likewise): the broker is up and has a backlog
 * ahead of this gateway, so a 2–4 s retry would only be shed again (docs/region.md, « The reconnect
 * storm », « Fewer refusals »). Pure: `random` is injected.
 */
import type { ConnectEnd } from '@telecart/protocol';
import { GATEWAY_CONNECT_TIMEOUT_MS } from '@telecart/protocol';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay drawn at random on either side. Default 0.5. */
  spread?: number;
  /** The least delay (before its spread) after an attempt the broker shed. Default 20 s; 0: as after any failure. */
  afterShedMs?: number;
}

/**
 * The gateway's defaults. After a cloud restart the whole fleet comes back within 1.5 × maxMs of
 * the cloud being up again; ±50 % spreads each round of attempts over a whole delay instead of
 * a wave (±20 % and 60 s made waves a minute apart that the broker could only partly admit:
 * docs/region.md, « The reconnect storm »). After a shed, 10–30 s: in a model of the storm (the
 * broker admitting 100–200 gateways a second, holding each connection 25 s) the refusals per
 * gateway fell by a third to a half against the plain schedule, without the broker idling.
 * `connectTimeoutMs`: the wait for the CONNACK, longer than the broker holds a connection.
 */
export const RECONNECT_DEFAULTS = {
  baseMs: 2000,
  maxMs: 30_000,
  spread: 0.5,
  afterShedMs: 20_000,
  connectTimeoutMs: GATEWAY_CONNECT_TIMEOUT_MS,
} as const;

/**
 * Delay before reconnect attempt number `attempt` + 1 (`attempt` 1 = after the first retry failed);
 * `end`: how the last attempt ended (default `failed`); `random()` in [0, 1).
 */
export function reconnectDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random, end: ConnectEnd = 'failed'): number {
  const max = Math.max(o.baseMs, o.maxMs);
  const spread = Math.min(1, Math.max(0, o.spread ?? RECONNECT_DEFAULTS.spread));
  let delay = Math.min(max, o.baseMs * 2 ** Math.min(Math.max(0, attempt), 16));
  if (end === 'shed') delay = Math.max(delay, Math.max(0, o.afterShedMs ?? RECONNECT_DEFAULTS.afterShedMs));
  return Math.round(delay * (1 - spread + random() * 2 * spread));
}
