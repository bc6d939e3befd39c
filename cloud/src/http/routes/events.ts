/**
 * GET /api/events[?patient=<id>]: Server-Sent Events, one `observation` event per newly stored
 * reading ({ observation, vital }), and one `alert` event ({ change, alert }) each time a
 * telemonitoring alert opens, updates, is acknowledged or resolves, for the live dashboard and
 * any other watcher. After a
 * reconnect the client re-reads /api/patients: events missed while away are not replayed.
 */
import type { Static } from '@sinclair/typebox';
import { type Observation, SseStreams } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import type { AlertEvent } from '../../alerts/engine.js';
import { vitalOf } from '../../vitals/summary.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { EventsQuery } from '../query-schemas.js';

const RETRY_MS = 3000;

export function registerEventRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  const streams = new SseStreams();
  const heartbeatMs = deps.sseHeartbeatMs ?? 15_000;

  app.addHook('preClose', async () => streams.closeAll());

  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    '/api/events',
    { config: { permission: 'vitals.read' }, schema: { querystring: EventsQuery } },
    async (req, reply) => {
      const reader = currentReader(req);
      const patient = req.query.patient;
      if (patient !== undefined && !(await access.mayReadPatient(reader, patient)))
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no patient ${patient}` });
      access.recordRead(req, 'watch-events', patient ?? null);
      // Which patients this stream may carry, decided once per patient (a new patient's first reading links its cart first).
      const allowed = new Map<string, Promise<boolean>>();
      const mayRead = (id: string) => {
        let p = allowed.get(id);
        if (!p) {
          p = access.mayReadPatient(reader, id);
          allowed.set(id, p);
          // Only a yes is kept: a patient later seen on one of this reader's carts shows up without a reconnect.
          void p.then(
            (ok) => ok || allowed.delete(id),
            () => allowed.delete(id),
          );
        }
        return p;
      };
      reply.hijack();
      // Slow watchers are cut off by the stream (protocol/src/sse.ts): they reconnect and re-read /api/patients.
      const stream = streams.start(req.raw, reply.raw, {
        retryMs: RETRY_MS,
        heartbeatMs,
        greeting: 'connected',
        onSlow: (bytes) => req.log.warn({ bufferedBytes: bytes }, 'events: watcher too slow, closing its stream'),
      });
      const send = (obs: Observation) => stream.send('observation', { observation: obs, vital: vitalOf(obs) }, obs.id);
      const sendAlert = (e: AlertEvent) => stream.send('alert', e);
      const unsubscribe = deps.ingest.onObservation((obs) => {
        if (patient !== undefined && obs.patient.id !== patient) return;
        if (access.seesEveryCart(reader)) return void send(obs);
        // Another cart's patient is never sent. The check is async; events of one patient keep their order.
        void mayRead(obs.patient.id).then(
          (ok) => ok && send(obs),
          () => undefined,
        );
      });
      // Alerts of the same patients only, filtered like the readings.
      const unsubscribeAlerts =
        deps.alerts?.onAlert((e) => {
          if (patient !== undefined && e.alert.patientId !== patient) return;
          if (access.seesEveryCart(reader)) return void sendAlert(e);
          void mayRead(e.alert.patientId).then(
            (ok) => ok && sendAlert(e),
            () => undefined,
          );
        }) ?? (() => undefined);
      stream.onClose(() => {
        unsubscribe();
        unsubscribeAlerts();
      });
      return reply;
    },
  );
}
