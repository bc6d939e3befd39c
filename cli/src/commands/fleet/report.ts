/** What `telecart sim fleet` prints: one object (--json), or the same as a table. */
import { type Static, Type } from '@sinclair/typebox';

const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const FleetReport = Type.Object(
  {
    mode: Type.Union([Type.Literal('steady'), Type.Literal('storm')]),
    gateways: Count,
    carts: Count,
    homeKits: Count,
    rateMultiplier: Type.Number({ exclusiveMinimum: 0 }),
    /** Measured phase, seconds (storm: from the restart's beginning to the end of the drain). */
    durationS: Type.Number({ minimum: 0 }),
    enrollS: Type.Number({ minimum: 0 }),
    /** Gateways connected at the end of the measured phase. */
    connected: Count,
    connectFailures: Count,
    sent: Count,
    acked: Count,
    /** Readings the cloud store holds for the fleet (null when it cannot be read: --cloud without --cloud-db). */
    stored: Type.Union([Count, Type.Null()]),
    /** Acked but not in the store. */
    lost: Type.Union([Count, Type.Null()]),
    /** Rows beyond one per acked reading. */
    duplicated: Type.Union([Count, Type.Null()]),
    /** Readings still waiting for their ack when the run ended. */
    pending: Count,
    resent: Count,
    duplicateAcks: Count,
    rejected: Count,
    latencyMs: Type.Object({
      samples: Count,
      p50: Nullable(Type.Number()),
      p99: Nullable(Type.Number()),
      max: Nullable(Type.Number()),
    }),
    cloud: Type.Object({
      pid: Type.Union([Count, Type.Null()]),
      cpuPercent: Nullable(Type.Number()),
      rssMiB: Nullable(Type.Number()),
      peakRssMiB: Nullable(Type.Number()),
      /** Cloud CPU over the measured phase × 1000 / gateways. */
      cpuPercentPer1000: Nullable(Type.Number()),
      /** (RSS at the end − RSS of the idle cloud before enrollment) × 1000 / gateways. */
      rssMiBPer1000: Nullable(Type.Number()),
    }),
    /** The simulator: its worker processes, their CPU (of one core: 200 % is two cores) and RSS with the parent's. */
    simulator: Type.Object({ workers: Type.Integer({ minimum: 1 }), rssMiB: Type.Number(), cpuPercent: Type.Number() }),
    /**
     * The first connection of every gateway (before the measured phase): wall time, attempts, and
     * CPU of each side per gateway connected (what carries to another machine; the wall time
     * depends on how much of the host the two processes get).
     */
    connect: Type.Object({
      seconds: Type.Number({ minimum: 0 }),
      connected: Count,
      failedAttempts: Count,
      cloudCpuMsPerGateway: Nullable(Type.Number()),
      simulatorCpuMsPerGateway: Nullable(Type.Number()),
    }),
    /** 1-minute load average of the host at the start and at the end of the run (the machine may be shared). */
    loadAverage: Type.Tuple([Type.Number(), Type.Number()]),
    storm: Type.Optional(
      Type.Object({
        readingsPerGateway: Count,
        restartS: Type.Number({ minimum: 0 }),
        /** Seconds from the cloud's restart until every gateway was connected again (null: not all were). */
        reconnectedS: Nullable(Type.Number()),
        /** Seconds from the cloud's restart until every reading was acked (null: not all were). */
        drainedS: Nullable(Type.Number()),
        /** Seconds from the restart's beginning (the new cloud process spawned, not yet ready) until every gateway was connected again. */
        reconnectedSinceRestartS: Type.Optional(Nullable(Type.Number())),
        /** Seconds from the restart's beginning until every reading was acked (the drain may end before the cloud is ready). */
        drainedSinceRestartS: Type.Optional(Nullable(Type.Number())),
        /** Cloud and simulator CPU from the restart until every gateway was back, per gateway. */
        reconnectCloudCpuMsPerGateway: Type.Optional(Nullable(Type.Number())),
        reconnectSimulatorCpuMsPerGateway: Type.Optional(Nullable(Type.Number())),
        /** Connections made from the restart until the end of the drain, and how many of them resumed a TLS session from a ticket. */
        reconnects: Type.Optional(Count),
        tlsResumed: Type.Optional(Count),
        /**
         * The drain's shape, apart from the CPU each process got: seconds from the restart's beginning until
         * half, 90 % and 99 % of the gateways were back; the failed attempts since; the backoff waits begun
         * while the cloud was away (from its stop to its restart) and since its restart, with their mean.
         */
        backSinceRestartS: Type.Optional(
          Type.Object({ p50: Nullable(Type.Number()), p90: Nullable(Type.Number()), p99: Nullable(Type.Number()) }),
        ),
        failedAttemptsSinceRestart: Type.Optional(Count),
        /** Of those, the attempts the broker shed (its admission queue full, or held to the end of its hold). */
        shedAttemptsSinceRestart: Type.Optional(Count),
        /** The other failed attempts by cause: no broker listening (ECONNREFUSED), no CONNACK in time, closed with no error, anything else. */
        otherFailedSinceRestart: Type.Optional(
          Type.Object({ refused: Count, timedOut: Count, closed: Count, other: Count }, { additionalProperties: false }),
        ),
        backoffWhileAway: Type.Optional(Type.Object({ waits: Count, meanMs: Nullable(Type.Number()) })),
        backoffSinceRestart: Type.Optional(Type.Object({ waits: Count, meanMs: Nullable(Type.Number()) })),
      }),
    ),
  },
  { additionalProperties: false, $id: 'FleetReport' },
);
export type FleetReport = Static<typeof FleetReport>;

const fmt = (v: number | null, unit = '', digits = 1): string => (v === null ? '—' : `${Number(v.toFixed(digits))}${unit}`);

export function formatReport(r: FleetReport): string {
  const rows: [string, string][] = [
    ['mode', r.mode],
    ['gateways', `${r.gateways} (${r.carts} carts, ${r.homeKits} home kits), rate ×${r.rateMultiplier}`],
    ['enrollment', fmt(r.enrollS, ' s')],
    ['measured', fmt(r.durationS, ' s')],
    ['connected', `${r.connected}  (failed attempts ${r.connectFailures})`],
    ['readings sent', String(r.sent)],
    ['acked', String(r.acked)],
    ['stored', r.stored === null ? '— (no store access)' : String(r.stored)],
    ['lost', r.lost === null ? '—' : String(r.lost)],
    ['duplicated', r.duplicated === null ? '—' : String(r.duplicated)],
    ['pending at end', String(r.pending)],
    ['resent / dup acks', `${r.resent} / ${r.duplicateAcks}`],
    ['rejected', String(r.rejected)],
    [
      'ingest latency',
      `p50 ${fmt(r.latencyMs.p50, ' ms', 0)}  p99 ${fmt(r.latencyMs.p99, ' ms', 0)}  max ${fmt(r.latencyMs.max, ' ms', 0)}`,
    ],
    ['cloud', `CPU ${fmt(r.cloud.cpuPercent, ' %')}  RSS ${fmt(r.cloud.rssMiB, ' MiB', 0)} (peak ${fmt(r.cloud.peakRssMiB, ' MiB', 0)})`],
    ['per 1,000 gateways', `CPU ${fmt(r.cloud.cpuPercentPer1000, ' %', 2)}  RSS ${fmt(r.cloud.rssMiBPer1000, ' MiB')}`],
    ['simulator', `${r.simulator.workers} worker(s), CPU ${fmt(r.simulator.cpuPercent, ' %')}  RSS ${fmt(r.simulator.rssMiB, ' MiB', 0)}`],
    [
      'first connection',
      `${r.connect.connected} in ${fmt(r.connect.seconds, ' s')} (failed attempts ${r.connect.failedAttempts}); CPU per gateway: cloud ${fmt(r.connect.cloudCpuMsPerGateway, ' ms', 2)}, simulator ${fmt(r.connect.simulatorCpuMsPerGateway, ' ms', 2)}`,
    ],
    ['load average', `${r.loadAverage[0]} → ${r.loadAverage[1]}`],
  ];
  if (r.storm)
    rows.push(
      ['storm backlog', `${r.storm.readingsPerGateway} readings per gateway`],
      ['cloud restart', fmt(r.storm.restartS, ' s')],
      ['all reconnected', r.storm.reconnectedS === null ? 'not all' : fmt(r.storm.reconnectedS, ' s after restart')],
      [
        'reconnect CPU per gateway',
        `cloud ${fmt(r.storm.reconnectCloudCpuMsPerGateway ?? null, ' ms', 2)}, simulator ${fmt(r.storm.reconnectSimulatorCpuMsPerGateway ?? null, ' ms', 2)}`,
      ],
      ['TLS sessions resumed', `${r.storm.tlsResumed ?? '—'} of ${r.storm.reconnects ?? '—'} reconnections`],
      ['all drained', r.storm.drainedS === null ? 'not all' : fmt(r.storm.drainedS, ' s after restart')],
      ['failed attempts since restart', failedSinceRestart(r.storm)],
      [
        'since the restart began',
        `all back ${fmt(r.storm.reconnectedSinceRestartS ?? null, ' s')}, all drained ${fmt(r.storm.drainedSinceRestartS ?? null, ' s')}`,
      ],
    );
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}

function failedSinceRestart(s: NonNullable<FleetReport['storm']>): string {
  const by = s.otherFailedSinceRestart;
  const causes = by
    ? `shed ${s.shedAttemptsSinceRestart ?? '—'}, refused ${by.refused}, no CONNACK ${by.timedOut}, closed ${by.closed}, other ${by.other}`
    : `shed ${s.shedAttemptsSinceRestart ?? '—'}`;
  return `${s.failedAttemptsSinceRestart ?? '—'} (${causes})`;
}
