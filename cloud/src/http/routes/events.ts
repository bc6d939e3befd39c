/**
 * GET /api/events[?patient=<id>]: Server-Sent Events, one `observation` event per newly stored
 * reading ({ observation, vital }), for the live dashboard and any other watcher. After a
 * reconnect the client re-reads /api/patients: events missed while away are not replayed.
 */
import type { ServerResponse } from 'node:http';
import type { Static } from '@sinclair/typebox';
import type { Observation } from '@telecart/protocol';
import type { FastifyInstance } from 'fastify';
import { vitalOf } from '../../vitals/summary.js';
import type { HttpDeps } from '../deps.js';
import { EventsQuery } from '../query-schemas.js';

/** A watcher this far behind is cut off rather than buffered without bound (it reconnects and re-reads). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function observationEvent(obs: Observation): string {
  return `id: ${obs.id}\nevent: observation\ndata: ${JSON.stringify({ observation: obs, vital: vitalOf(obs) })}\n\n`;
}

export function registerEventRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const open = new Set<ServerResponse>();
  const heartbeatMs = deps.sseHeartbeatMs ?? 15_000;

  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });

  app.get<{ Querystring: Static<typeof EventsQuery> }>('/api/events', { schema: { querystring: EventsQuery } }, (req, reply) => {
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

    const patient = req.query.patient;
    const close = () => {
      unsubscribe();
      clearInterval(heartbeat);
      open.delete(res);
      if (!res.writableEnded) res.end();
    };
    const unsubscribe = deps.ingest.onObservation((obs) => {
      if (patient !== undefined && obs.patient.id !== patient) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        req.log.warn('events: watcher too slow, closing its stream');
        close();
        return;
      }
      res.write(observationEvent(obs));
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    req.raw.once('close', close);
    res.once('close', close);
  });
}
