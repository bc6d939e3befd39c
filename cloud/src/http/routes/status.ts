/** Operator endpoints: GET /api/gateways, GET /api/metrics/ingest, GET /healthz. */
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

export function registerStatusRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get('/api/gateways', async () => ({ gateways: await deps.store.listGateways() }));

  app.get('/api/metrics/ingest', async () => ({
    ...deps.ingest.metrics(),
    observationsInStore: await deps.store.countObservations({}),
  }));

  app.get('/healthz', async (_req, reply) => {
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
