/**
 * A recording's segments, gathered (ECG strips, auscultations):
 *   GET /api/recordings/:recordingId                   → JSON: segments in order, complete?, download links
 *   GET /api/recordings/:recordingId/wfdb              → JSON: the WFDB record name and its two file URLs
 *   GET /api/recordings/:recordingId/wfdb/:file        → <record>.hea (text) or <record>.dat (bytes)
 * The WFDB pair is served as two files under one directory-like URL because that is how WFDB tools
 * read records (the WFDB library and wfdb-python fetch `<dir>/<record>.hea`, then the .dat the header
 * names). `?format=16|212` picks the sample format (default: 212 when every sample fits 12 bits).
 */
import { type Static, Type } from '@sinclair/typebox';
import { segmentsToWfdb, type WfdbFormat } from '@telecart/devices';
import { Code, type Observation } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CloudStore } from '../../store/cloud-store.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const RecordingParams = Type.Object({ recordingId: Type.String({ pattern: UUID }) }, { additionalProperties: false });
const FileParams = Type.Object(
  { recordingId: Type.String({ pattern: UUID }), file: Type.String({ pattern: '^r[0-9a-f]{32}\\.(hea|dat)$' }) },
  { additionalProperties: false },
);
const FormatQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal(16), Type.Literal(212)])) },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });

const RecordingReply = Type.Object(
  {
    recordingId: Type.String(),
    kind: Type.Union([Type.Literal('audio'), Type.Literal('waveform')]),
    patientId: Type.String(),
    code: Code,
    complete: Type.Boolean(),
    segments: Type.Array(
      Type.Object(
        {
          index: Type.Integer({ minimum: 0 }),
          last: Type.Boolean(),
          observationId: Type.String(),
          effective: Type.String(),
          /** An audio segment's download URL and length. */
          attachment: Type.Optional(Type.String()),
          durationMs: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
    /** A waveform recording's WFDB export (GET …/wfdb). */
    wfdb: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const WfdbReply = Type.Object(
  { record: Type.String(), directory: Type.String(), files: Type.Array(Type.String()), complete: Type.Boolean() },
  { additionalProperties: false },
);

/** A store that can list a recording's segments by an index (preferred over the scan below). */
export interface RecordingIndex {
  getRecordingSegments(recordingId: string): Promise<Observation[]>;
}

/** How far back the scan looks when the store has no recording index. */
const SCAN_LIMIT = 20_000;
const PAGE = 200;

function hasRecordingIndex(store: CloudStore): store is CloudStore & RecordingIndex {
  return typeof (store as Partial<RecordingIndex>).getRecordingSegments === 'function';
}

function complete(segs: readonly Observation[]): boolean {
  const last = segs.at(-1);
  return last?.segment?.last === true && segs.every((o, i) => o.segment?.index === i);
}

/**
 * The recording's segments in index order. Without a store index, pages back through the newest
 * observations (a recording is fetched soon after it is made) until the recording is complete.
 */
export async function findRecordingSegments(store: CloudStore, recordingId: string): Promise<Observation[]> {
  const byIndex = (a: Observation, b: Observation) => (a.segment?.index ?? 0) - (b.segment?.index ?? 0);
  if (hasRecordingIndex(store)) return (await store.getRecordingSegments(recordingId)).sort(byIndex);
  const found = new Map<number, Observation>();
  for (let offset = 0; offset < SCAN_LIMIT; offset += PAGE) {
    const page = await store.getObservations({ limit: PAGE, offset });
    for (const o of page) if (o.segment?.recordingId === recordingId) found.set(o.segment.index, o);
    const segs = [...found.values()].sort(byIndex);
    if (page.length < PAGE || complete(segs)) return segs;
  }
  return [...found.values()].sort(byIndex);
}

export function wfdbRecordName(recordingId: string): string {
  return `r${recordingId.replace(/-/g, '')}`;
}

function origin(req: FastifyRequest, deps: HttpDeps): string {
  return deps.publicBaseUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
}

function notFound(recordingId: string) {
  return { statusCode: 404, error: 'Not Found', message: `no recording ${recordingId}` };
}

/** The recording's segments if this reader may read its patient ([] otherwise: answered as not found). */
async function readableSegments(access: DataAccess, req: FastifyRequest, deps: HttpDeps, recordingId: string, action: string) {
  const segs = await findRecordingSegments(deps.store, recordingId);
  const patientId = segs[0]?.patient.id;
  if (patientId === undefined || !(await access.mayReadPatient(currentReader(req), patientId))) return [];
  access.recordRead(req, action, patientId, `recording ${recordingId}`);
  return segs;
}

export function registerRecordingRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  app.get<{ Params: Static<typeof RecordingParams> }>(
    '/api/recordings/:recordingId',
    { config: { permission: 'vitals.read' }, schema: { params: RecordingParams, querystring: NoQuery, response: { 200: RecordingReply } } },
    async (req, reply): Promise<Static<typeof RecordingReply> | FastifyReply> => {
      const { recordingId } = req.params;
      const segs = await readableSegments(access, req, deps, recordingId, 'read-recording');
      const first = segs[0];
      if (!first) return reply.code(404).send(notFound(recordingId));
      const base = origin(req, deps);
      const kind = first.attachment ? 'audio' : 'waveform';
      return {
        recordingId,
        kind,
        patientId: first.patient.id,
        code: first.code,
        complete: complete(segs),
        segments: segs.map((o) => ({
          index: o.segment?.index ?? 0,
          last: o.segment?.last === true,
          observationId: o.id,
          effective: o.time.effective,
          ...(o.attachment
            ? { attachment: `${base}/api/observations/${o.id}/attachment`, durationMs: o.attachment.durationMs ?? null }
            : {}),
        })),
        ...(kind === 'waveform' ? { wfdb: `${base}/api/recordings/${recordingId}/wfdb` } : {}),
      };
    },
  );

  app.get<{ Params: Static<typeof RecordingParams> }>(
    '/api/recordings/:recordingId/wfdb',
    { config: { permission: 'vitals.read' }, schema: { params: RecordingParams, querystring: NoQuery, response: { 200: WfdbReply } } },
    async (req, reply): Promise<Static<typeof WfdbReply> | FastifyReply> => {
      const { recordingId } = req.params;
      const segs = await readableSegments(access, req, deps, recordingId, 'read-recording');
      if (!segs.some((o) => o.sampledData)) return reply.code(404).send(notFound(recordingId));
      const name = wfdbRecordName(recordingId);
      const dir = `${origin(req, deps)}/api/recordings/${recordingId}/wfdb`;
      return { record: name, directory: dir, files: [`${dir}/${name}.hea`, `${dir}/${name}.dat`], complete: complete(segs) };
    },
  );

  app.get<{ Params: Static<typeof FileParams>; Querystring: Static<typeof FormatQuery> }>(
    '/api/recordings/:recordingId/wfdb/:file',
    { config: { permission: 'vitals.read' }, schema: { params: FileParams, querystring: FormatQuery } },
    async (req, reply) => {
      const { recordingId, file } = req.params;
      const name = wfdbRecordName(recordingId);
      if (!file.startsWith(`${name}.`)) return reply.code(404).send(notFound(`${recordingId} file ${file}`));
      const segs = (await readableSegments(access, req, deps, recordingId, 'export-wfdb')).filter((o) => o.sampledData);
      if (segs.length === 0) return reply.code(404).send(notFound(recordingId));
      const format: WfdbFormat | undefined = req.query.format;
      const r = segmentsToWfdb(segs, { name, ...(format ? { format } : {}) });
      if (!r.ok) {
        return reply.code(409).send({
          statusCode: 409,
          error: 'Conflict',
          message: `recording ${recordingId} cannot be written as WFDB: ${r.error.field}: ${r.error.reason}`,
        });
      }
      void reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff');
      if (file.endsWith('.hea')) return reply.type('text/plain; charset=utf-8').send(r.value.header);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${r.value.datName}"`)
        .send(Buffer.from(r.value.dat));
    },
  );
}
