/** Operator endpoints: GET /api/gateways, GET /metrics (Prometheus), GET /api/metrics/ingest, GET /api/metrics/store, GET /healthz. */
import { type Static, Type } from '@sinclair/typebox';
import { GatewayStatus } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import type { IngestMetrics } from '../../ingest/ingest-metrics.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { CloudMetrics } from '../cloud-metrics.js';
import type { HttpDeps } from '../deps.js';
import type { AllFit, Fits } from '../schema-fit.js';

const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    store: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    mqtt: Type.Union([Type.Literal('connected'), Type.Literal('disconnected')]),
  },
  { additionalProperties: false },
);
const Count = Type.Integer({ minimum: 0 });
const OrNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** The carts' last status as the store keeps it; backlog and devices as the protocol defines them. */
const Gateways = Type.Object(
  {
    gateways: Type.Array(
      Type.Object(
        {
          gatewayId: Type.String(),
          online: Type.Boolean(),
          statusAt: OrNull(Type.String()),
          version: OrNull(Type.String()),
          backlog: OrNull(Type.Required(GatewayStatus).properties.backlog),
          devices: OrNull(Type.Required(GatewayStatus).properties.devices),
          statusReceivedAt: OrNull(Type.String()),
          lastBatchAt: OrNull(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** Ingest counters (ingest/ingest-metrics.ts) and the stored readings; every key named, so a new counter must be added here. */
const Malformed = Type.Object(
  { oversize: Count, 'not-json': Count, schema: Count, 'topic-mismatch': Count, 'unknown-topic': Count },
  { additionalProperties: false },
);
const IngestMetricsReply = Type.Object(
  {
    batchesReceived: Count,
    batchesAcked: Count,
    observationsStored: Count,
    duplicates: Count,
    readingsRejected: Count,
    readingsNotServed: Count,
    readingsUnaddressable: Count,
    malformed: Malformed,
    malformedTotal: Count,
    statusesReceived: Count,
    storeErrors: Count,
    storeRetries: Count,
    storeCommits: Count,
    ackPublishErrors: Count,
    lastBatchAt: OrNull(Type.String()),
    workers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            index: Count,
            pid: OrNull(Type.Integer()),
            connected: Type.Boolean(),
            restarts: Count,
            batchesReceived: Count,
            observationsStored: Count,
          },
          { additionalProperties: false },
        ),
      ),
    ),
    observationsInStore: Count,
  },
  { additionalProperties: false },
);
const StoreMetrics = Type.Object(
  { unreadableRows: Type.Object({ observations: Count, alerts: Count, gateways: Count }, { additionalProperties: false }) },
  { additionalProperties: false },
);

/** Compile-time: the reply schema names every ingest counter (a counter added to IngestMetrics and not here fails the build). */
export type IngestMetricsFit = AllFit<[Fits<Static<typeof IngestMetricsReply>, IngestMetrics & { observationsInStore: number }>]>;

export function registerStatusRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess, metrics: CloudMetrics): void {
  // Carts' status (devices, backlog): for readers who see those carts.
  app.get('/api/gateways', { config: { permission: 'vitals.read' }, schema: { response: { 200: Gateways } } }, async (req) => {
    const r = currentReader(req);
    return { gateways: (await deps.store.listGateways()).filter((g) => access.mayReadGateway(r, g.gatewayId)) };
  });

  // Counts only, no patient data: open like the JSON metrics below, for a Prometheus scraper.
  app.get('/metrics', { config: { access: 'public' } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.get('/api/metrics/ingest', { config: { access: 'public' }, schema: { response: { 200: IngestMetricsReply } } }, async () => ({
    ...deps.ingest.metrics(),
    observationsInStore: await deps.store.countObservations({}),
  }));

  // Stored rows the reads skipped because they cannot be served (store/row-decoder.ts): counts only, no patient data.
  app.get('/api/metrics/store', { config: { access: 'public' }, schema: { response: { 200: StoreMetrics } } }, async () => ({
    unreadableRows: deps.store.unreadableRows(),
  }));

  app.get('/healthz', { config: { access: 'public' }, schema: { response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    let store = 'ok';
    try {
      await deps.store.countObservations({ patientId: '' });
    } catch {
      store = 'unavailable';
    }
    const mqtt = deps.ingest.isConnected() ? 'connected' : 'disconnected';
    const ok = store === 'ok' && mqtt === 'connected';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', store, mqtt });
  });
}
