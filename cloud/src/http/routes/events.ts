/**
 * GET /api/events[?patient=<id>]: Server-Sent Events, one `observation` event per newly stored
 * reading ({ observation, vital }), and one `alert` event ({ change, alert }) each time a
 * telemonitoring alert opens, updates, is acknowledged or resolves, for the live dashboard and
 * any other watcher. After a
 * reconnect the client re-reads /api/patients: events missed while away are not replayed.
 */
import type { ServerResponse } from 'node:http';
import type { Static } from '@sinclair/typebox';
import type { Observation } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import type { AlertEvent } from '../../alerts/engine.js';
import { vitalOf } from '../../vitals/summary.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { EventsQuery } from '../query-schemas.js';

/** A watcher this far behind is cut off rather than buffered without bound (it reconnects and re-reads). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function observationEvent(obs: Observation): string {
  return `id: ${obs.id}\nevent: observation\ndata: ${JSON.stringify({ observation: obs, vital: vitalOf(obs) })}\n\n`;
}

export function alertEvent(e: AlertEvent): string {
  return `event: alert\ndata: ${JSON.stringify(e)}\n\n`;
}

export function registerEventRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  const open = new Set<ServerResponse>();
  const heartbeatMs = deps.sseHeartbeatMs ?? 15_000;

  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });

  app.get<{ Querystring: Static<typeof EventsQuery> }>('/api/events', { schema: { querystring: EventsQuery } }, async (req, reply) => {
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
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    open.add(res);

    const close = () => {
      unsubscribe();
      unsubscribeAlerts();
      clearInterval(heartbeat);
      open.delete(res);
      if (!res.writableEnded) res.end();
    };
    const write = (text: string) => {
      if (res.writableEnded) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        req.log.warn('events: watcher too slow, closing its stream');
        close();
        return;
      }
      res.write(text);
    };
    const send = (obs: Observation) => write(observationEvent(obs));
    const unsubscribe = deps.ingest.onObservation((obs) => {
      if (patient !== undefined && obs.patient.id !== patient) return;
      if (access.seesEveryCart(reader)) return send(obs);
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
        if (access.seesEveryCart(reader)) return write(alertEvent(e));
        void mayRead(e.alert.patientId).then(
          (ok) => ok && write(alertEvent(e)),
          () => undefined,
        );
      }) ?? (() => undefined);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    req.raw.once('close', close);
    res.once('close', close);
    return reply;
  });
}
