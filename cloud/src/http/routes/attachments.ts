/**
 * GET /api/observations/:id/attachment — the recorded file of an Observation (stethoscope FLAC),
 * byte for byte as the gateway stored it: its content type, Content-Length, a download filename,
 * ETag = the SHA-256 the gateway computed (so If-None-Match answers 304), and Repr-Digest (RFC 9530)
 * so a client can check the bytes end to end.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type DataAccess, readableObservation } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) });
const NoQuery = Type.Object({}, { additionalProperties: false });

const EXTENSIONS: Readonly<Record<string, string>> = {
  'audio/flac': 'flac',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
};

export function registerAttachmentRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/observations/:id/attachment',
    { config: { permission: 'vitals.read' }, schema: { params: IdParams, querystring: NoQuery } },
    async (req, reply) => {
      const obs = await readableObservation(access, req, deps, req.params.id, 'download-attachment');
      const a = obs?.attachment;
      if (!a) {
        const message = obs ? `observation ${req.params.id} has no attachment` : `no observation ${req.params.id}`;
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message });
      }
      const etag = `"${a.sha256}"`;
      void reply
        .header('etag', etag)
        .header('cache-control', 'private, max-age=0, must-revalidate')
        .header('x-content-type-options', 'nosniff');
      if (req.headers['if-none-match'] === etag) return reply.code(304).send();
      const bytes = Buffer.from(a.data, 'base64');
      const ext = EXTENSIONS[a.contentType] ?? 'bin';
      return reply
        .type(a.contentType)
        .header('content-length', String(bytes.length))
        .header('content-disposition', `attachment; filename="${req.params.id}.${ext}"`)
        .header('repr-digest', `sha-256=:${Buffer.from(a.sha256, 'hex').toString('base64')}:`)
        .send(bytes);
    },
  );
}
