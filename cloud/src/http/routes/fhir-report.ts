/**
 * The signed teleconsultation reports as FHIR R4 (report/fhir.ts):
 *   GET /fhir/DocumentReference/:id                         one signed version (its PDF in content.attachment.url)
 *   GET /fhir/DocumentReference?patient=&encounter=&_count=  signed versions of a patient and/or an act (session id)
 *   GET /fhir/Composition/:id                               the structured sections of that version
 *   GET /fhir/Binary/:id                                    the version's PDF (application/pdf)
 * Clinicians of the patient's carts only (another cart's report is answered as unknown); every read
 * and download is a line of the audit trail, none coalesced.
 */
import { type Static, Type } from '@sinclair/typebox';
import { report as reportTexts } from '@telecart/ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import { fhirResponses } from '../../fhir/response-schemas.js';
import { toFhirComposition, toFhirDocumentReference } from '../../report/fhir.js';
import { DEBIAN_DEJAVU, patientName, type ReportFonts, renderReportPdf } from '../../report/pdf.js';
import type { ReportVersion } from '../../store/report-records.js';
import type { TeleconsultationRecord } from '../../store/teleconsult-records.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { badRequest, baseUrl, localPatientId, searchRefused } from '../fhir-helpers.js';
import { FhirIdParams } from '../query-schemas.js';

// Open objects (as the other FHIR schemas): fastify passes every element the mapping builds.
const resource = (type: string) => Type.Object({ resourceType: Type.Literal(type), id: Type.String() }, { additionalProperties: true });
const Searchset = Type.Object(
  {
    resourceType: Type.Literal('Bundle'),
    type: Type.Literal('searchset'),
    entry: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: true },
);
const DocumentReferenceSearch = Type.Object(
  {
    patient: Type.Optional(Type.String({ minLength: 1, maxLength: 72 })),
    encounter: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    _count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    _format: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const TITLE = reportTexts.title.fr;

export function registerFhirReportRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  access: DataAccess,
  tc: NonNullable<HttpDeps['teleconsult']>,
  o: { fonts?: ReportFonts } = {},
): void {
  const { store } = deps;
  const fonts = o.fonts ?? DEBIAN_DEJAVU;

  const audit = (req: FastifyRequest, action: string, v: ReportVersion, what: string) => {
    const r = currentReader(req);
    tc.relay.recordAudit({
      actor: r.id,
      actorRole: r.role,
      action,
      sessionId: v.sessionId,
      patientId: v.patientId,
      detail: `${what} (report version ${v.version})`,
    });
  };

  /** The signed version and its act if this reader may read its patient, else null (answered as unknown). */
  async function readable(
    req: FastifyRequest,
    id: string,
  ): Promise<{ v: ReportVersion; act: TeleconsultationRecord; versions: ReportVersion[] } | null> {
    const v = await store.getReportVersion(id);
    if (v === null || v.status !== 'signed' || !(await access.mayReadPatient(currentReader(req), v.patientId))) return null;
    const act = await store.getTeleconsultation(v.sessionId);
    if (act === null) return null;
    return { v, act, versions: await store.reportVersions(v.sessionId) };
  }

  const notFound = (reply: FastifyReply, what: string) =>
    reply
      .code(404)
      .type(FHIR_JSON)
      .send(operationOutcome('not-found', `${what} is not known`));

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/DocumentReference/:id',
    {
      config: { permission: 'reports.read' },
      schema: { params: FhirIdParams, response: fhirResponses(resource('DocumentReference')) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const found = await readable(req, req.params.id);
      if (found === null) return notFound(reply, `DocumentReference/${req.params.id}`);
      audit(req, 'fhir-read-report', found.v, `DocumentReference/${found.v.id}`);
      const patient = await store.getPatient(found.v.patientId);
      const ctx = { act: found.act, versions: found.versions, baseUrl: baseUrl(req, deps), title: TITLE };
      return reply.type(FHIR_JSON).send(toFhirDocumentReference(found.v, ctx, patientName(patient, found.v.patientId)));
    },
  );

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Composition/:id',
    {
      config: { permission: 'reports.read' },
      schema: { params: FhirIdParams, response: fhirResponses(resource('Composition')) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const found = await readable(req, req.params.id);
      if (found === null) return notFound(reply, `Composition/${req.params.id}`);
      audit(req, 'fhir-read-report', found.v, `Composition/${found.v.id}`);
      const ctx = { act: found.act, versions: found.versions, baseUrl: baseUrl(req, deps), title: TITLE };
      return reply.type(FHIR_JSON).send(toFhirComposition(found.v, ctx));
    },
  );

  app.get<{ Params: Static<typeof FhirIdParams> }>(
    '/fhir/Binary/:id',
    { config: { permission: 'reports.read' }, schema: { params: FhirIdParams }, attachValidation: true },
    async (req, reply) => {
      if (req.validationError) return badRequest(reply, `'${req.params.id}' is not a FHIR id`, 'id');
      const found = await readable(req, req.params.id);
      if (found === null) return notFound(reply, `Binary/${req.params.id}`);
      const patient = await store.getPatient(found.v.patientId);
      const pdf = await renderReportPdf({
        version: found.v,
        act: found.act,
        patient,
        lang: 'fr',
        timeZone: deps.timeZone ?? 'Europe/Paris',
        fonts,
      });
      audit(req, 'download-report', found.v, `Binary/${found.v.id} (pdf)`);
      return reply.type('application/pdf').header('cache-control', 'no-store').send(pdf);
    },
  );

  app.get<{ Querystring: Static<typeof DocumentReferenceSearch> }>(
    '/fhir/DocumentReference',
    {
      config: { permission: 'reports.read' },
      schema: { querystring: DocumentReferenceSearch, response: fhirResponses(Searchset) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) return searchRefused(reply, req.validationError);
      const q = req.query;
      if (q.patient === undefined && q.encounter === undefined)
        return badRequest(reply, 'search DocumentReference by patient or encounter (the act’s session id)', 'patient');
      const patientId = q.patient === undefined ? undefined : await localPatientId(store, q.patient.replace(/^Patient\//, ''));
      const sessionId = q.encounter?.replace(/^Encounter\//, '').replace(/^urn:telecart:teleconsultation\|/, '');
      const reader = currentReader(req);
      const all = await store.listReports({ patientId, sessionId, limit: 1000 });
      const visible = await access.visible(reader, all, (v) => v.patientId);
      const page = visible.slice(0, q._count ?? 50);
      const base = baseUrl(req, deps);
      const resources = [];
      for (const v of page) {
        const act = await store.getTeleconsultation(v.sessionId);
        if (act === null) continue;
        audit(req, 'fhir-search-report', v, `DocumentReference/${v.id}`);
        const ctx = { act, versions: await store.reportVersions(v.sessionId), baseUrl: base, title: TITLE };
        resources.push(toFhirDocumentReference(v, ctx, patientName(await store.getPatient(v.patientId), v.patientId)));
      }
      const self = new URL(`${base}/DocumentReference`);
      for (const [k, val] of Object.entries(q)) if (val !== undefined) self.searchParams.set(k, String(val));
      return reply.type(FHIR_JSON).send({
        resourceType: 'Bundle',
        type: 'searchset',
        total: visible.length,
        link: [{ relation: 'self', url: self.toString() }],
        entry: resources.map((r) => ({ fullUrl: `${base}/DocumentReference/${String(r.id)}`, resource: r, search: { mode: 'match' } })),
      });
    },
  );
}
