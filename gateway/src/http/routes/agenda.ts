/**
 * The cart's day for the nurse page (agenda/cart-day.ts):
 *   GET /api/agenda                     → {day, timeZone, at, acts} (null fields before the cloud sent any)
 *   GET /api/documents?patient=<local>  → {patient, documents: [{id, title, date, signer, version, href}]}
 *   GET /api/documents/:id/pdf          → the PDF, fetched from the cloud's link and streamed (502 when the
 *                                          cloud cannot give it, 404 for a document not in the day)
 * The cloud's link (its token) never reaches the page: the page opens the gateway's href.
 */
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type Static, Type } from '@sinclair/typebox';
import { AgendaAct, Uuid } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type CartDay, DocumentUnavailable } from '../../agenda/cart-day.js';

const NoQuery = Type.Object({}, { additionalProperties: false });
const DocumentsQuery = Type.Object({ patient: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const DocParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const AgendaReply = Type.Object({
  day: Nullable(Type.String()),
  timeZone: Nullable(Type.String()),
  at: Nullable(Type.String()),
  acts: Type.Array(AgendaAct),
});
const DocumentItem = Type.Object({
  id: Type.String(),
  title: Type.String(),
  date: Type.String(),
  signer: Type.String(),
  version: Type.Integer(),
  href: Type.String(),
});
const DocumentsReply = Type.Object({ patient: Type.String(), documents: Type.Array(DocumentItem) });

function problem(reply: FastifyReply, statusCode: number, message: string) {
  return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

export function registerAgendaRoutes(app: FastifyInstance, day: CartDay | undefined): void {
  app.get('/api/agenda', { schema: { querystring: NoQuery, response: { 200: AgendaReply } } }, async (_req, reply) => {
    if (!day) return problem(reply, 503, 'the cart’s day is not available on this gateway');
    const d = day.current();
    return { day: d?.day ?? null, timeZone: d?.timeZone ?? null, at: d?.at ?? null, acts: d?.acts ?? [] };
  });

  app.get<{ Querystring: Static<typeof DocumentsQuery> }>(
    '/api/documents',
    { schema: { querystring: DocumentsQuery, response: { 200: DocumentsReply } } },
    async (req, reply) => {
      if (!day) return problem(reply, 503, 'the cart’s documents are not available on this gateway');
      const patient = req.query.patient;
      return {
        patient,
        documents: day.documents(patient).map((d) => ({
          id: d.id,
          title: d.title,
          date: d.date,
          signer: d.signer,
          version: d.version,
          href: `/api/documents/${d.id}/pdf`,
        })),
      };
    },
  );

  app.get<{ Params: Static<typeof DocParams> }>(
    '/api/documents/:id/pdf',
    { schema: { params: DocParams, querystring: NoQuery } },
    async (req, reply) => {
      if (!day) return problem(reply, 503, 'the cart’s documents are not available on this gateway');
      try {
        const { body, length, doc } = await day.open(req.params.id);
        reply
          .type('application/pdf')
          .header('cache-control', 'no-store')
          .header('content-disposition', `inline; filename="document-v${doc.version}.pdf"`);
        if (length !== null) reply.header('content-length', length);
        return reply.send(Readable.fromWeb(body as NodeReadableStream<Uint8Array>));
      } catch (e) {
        if (e instanceof DocumentUnavailable) return problem(reply, e.status, e.message);
        throw e;
      }
    },
  );
}
