/**
 * The messages between `telecart sim fleet` and its worker processes (`--workers N`), checked on
 * arrival on both sides: a worker that sends something else is a bug the run reports, not a count
 * it adds up.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FleetCounters } from './light-gateway.js';

const Count = Type.Integer({ minimum: 0 });

export const WorkerGateway = Type.Object(
  {
    gatewayId: Type.String({ minLength: 1 }),
    kind: Type.Union([Type.Literal('home-kit'), Type.Literal('cart')]),
    key: Type.String({ minLength: 1 }),
    cert: Type.String({ minLength: 1 }),
    spotPerDay: Type.Number({ minimum: 0 }),
    waveformPerDay: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type WorkerGateway = Static<typeof WorkerGateway>;

/** Parent → worker. */
export const ToWorker = Type.Union([
  Type.Object(
    {
      type: Type.Literal('init'),
      url: Type.String({ minLength: 1 }),
      ca: Type.String({ minLength: 1 }),
      seed: Type.Integer(),
      backoff: Type.Object({
        baseMs: Type.Integer({ minimum: 1 }),
        maxMs: Type.Integer({ minimum: 1 }),
        spread: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        afterShedMs: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      tlsResumption: Type.Boolean(),
      gateways: Type.Array(WorkerGateway),
    },
    { additionalProperties: false },
  ),
  /**
   * Open every connection, spread at random over `rampMs`, with at most `maxConnecting` gateways of
   * this worker trying their first connection at once.
   */
  Type.Object(
    { type: Type.Literal('connect'), rampMs: Type.Number({ minimum: 0 }), maxConnecting: Type.Integer({ minimum: 1 }) },
    { additionalProperties: false },
  ),
  /** Measure at the gateways' rates × `rate` for `durationMs`; answered by `measured`. */
  Type.Object(
    { type: Type.Literal('steady'), durationMs: Type.Number({ minimum: 0 }), rate: Type.Number({ exclusiveMinimum: 0 }) },
    { additionalProperties: false },
  ),
  /** Every gateway records `readings` spot readings now (the storm's backlog); answered by `recorded`. */
  Type.Object({ type: Type.Literal('record'), readings: Count }, { additionalProperties: false }),
  /** Close every connection and send the `final` message, then exit. */
  Type.Object({ type: Type.Literal('stop') }, { additionalProperties: false }),
]);
export type ToWorker = Static<typeof ToWorker>;

export const WorkerCounters = Type.Object(
  {
    connectedNow: Count,
    everConnected: Count,
    connects: Count,
    tlsResumed: Count,
    connectFailures: Count,
    shedAttempts: Count,
    refusedAttempts: Count,
    timedOutAttempts: Count,
    closedAttempts: Count,
    otherFailedAttempts: Count,
    backoffWaits: Count,
    backoffWaitMs: Count,
    generated: Count,
    sent: Count,
    resent: Count,
    acked: Count,
    duplicateAcks: Count,
    rejected: Count,
    batchesTimedOut: Count,
    invalidAcks: Count,
  },
  { additionalProperties: false },
);
// The schema and the gateways' counters are the same keys (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const countersMatch: Same<Static<typeof WorkerCounters>, FleetCounters> = true;

/** What a worker is at: sent every 200 ms and with each answer. */
export const WorkerStats = Type.Object(
  {
    counters: WorkerCounters,
    /** Readings not yet acked, all its gateways. */
    backlog: Count,
    /** process.cpuUsage() of the worker, µs since it started. */
    cpuMicros: Count,
    rssBytes: Count,
  },
  { additionalProperties: false },
);
export type WorkerStats = Static<typeof WorkerStats>;

/** Worker → parent. */
export const FromWorker = Type.Union([
  Type.Object({ type: Type.Literal('ready'), stats: WorkerStats }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('stats'), stats: WorkerStats }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('measured'), stats: WorkerStats }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('recorded'), stats: WorkerStats }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('final'),
      stats: WorkerStats,
      /** The latency histogram's non-empty buckets: [ms, count]. */
      latency: Type.Array(Type.Tuple([Count, Count])),
      latencyMaxMs: Count,
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('error'), message: Type.String() }, { additionalProperties: false }),
]);
export type FromWorker = Static<typeof FromWorker>;
