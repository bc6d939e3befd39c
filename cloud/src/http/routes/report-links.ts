/**
 * Public: what a report's download link opens (report/links.ts). The token is the right (256 random
 * bits, compared by its hash); every use, refused or not, is a line of the audit trail.
 *   GET  /r/:token                → a GP's or a cart's link: the PDF. A patient's link: the page asking
 *                                   the date of birth (pages/report-link/).
 *   POST /r/:token {birthDate}    → a patient's link: the PDF when the date is the record's; else the
 *                                   page again, with the attempts left (403), or locked for good (423)
 * A link expired is 410, an unknown or malformed one 404 (a patient's: with a page saying why).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { whenOf } from '../../outbox/appointment-messages.js';
import { type ReportLinkPageState, renderReportLinkPage, reportLinkPageCsp } from '../../pages/report-link/page.js';
import { checkBirthDate, type LinkUse, useReportLink } from '../../report/links.js';
import { type ReportFonts, renderReportPdf } from '../../report/pdf.js';
import type { ReportLinkRecord, ReportVersion } from '../../store/report-records.js';
import type { HttpDeps } from '../deps.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 128 }) }, { additionalProperties: false });
const BirthDateBody = Type.Object(
  { birthDate: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD' }) },
  { additionalProperties: false },
);
/** A date of birth is ten characters; the form's body is a few dozen bytes. */
const FORM_BODY_LIMIT = 1024;

type Params = { Params: Static<typeof TokenParams> };

export function registerReportLinkRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  tc: NonNullable<HttpDeps['teleconsult']>,
  fonts: ReportFonts,
): void {
  const { store } = deps;
  const timeZone = deps.timeZone ?? 'Europe/Paris';
  const now = () => new Date();
  const audit = (link: ReportLinkRecord | null, action: string, detail: string, v?: ReportVersion) =>
    tc.relay.recordAudit({
      actor: link ? `link:${link.audience}` : 'link:?',
      actorRole: 'anonymous',
      action,
      ...(v ? { sessionId: v.sessionId, patientId: v.patientId } : {}),
      detail: detail.slice(0, 512),
    });
  const page = (reply: FastifyReply, status: number, state: ReportLinkPageState) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', reportLinkPageCsp())
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(renderReportLinkPage({ lang: 'fr', state }));

  /** A link that opens nothing: audited; a patient's gets a page saying why, the others JSON. */
  function refused(req: FastifyRequest, reply: FastifyReply, use: Extract<LinkUse, { ok: false }>) {
    audit(use.link, 'report-link-refused', `${use.reason} link, from ${req.ip}`);
    const code = use.reason === 'expired' ? 410 : use.reason === 'locked' ? 423 : 404;
    if (use.link?.audience === 'patient') {
      if (use.reason === 'expired') return page(reply, 410, { step: 'expired', expires: whenOf(use.link.expiresAt, timeZone, 'fr') });
      if (use.reason === 'locked') return page(reply, 423, { step: 'locked' });
    }
    const message =
      use.reason === 'expired'
        ? `this link expired on ${use.link?.expiresAt}: ask for a new one`
        : use.reason === 'locked'
          ? 'this link is locked after too many attempts: ask for a new one'
          : 'no report at this link';
    const error = code === 410 ? 'Gone' : code === 423 ? 'Locked' : 'Not Found';
    return reply.code(code).header('cache-control', 'no-store').send({ statusCode: code, error, message });
  }

  async function pdf(req: FastifyRequest, reply: FastifyReply, link: ReportLinkRecord, version: ReportVersion) {
    const act = await store.getTeleconsultation(version.sessionId);
    if (act === null) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no report at this link' });
    const patient = await store.getPatient(version.patientId);
    const body = await renderReportPdf({ version, act, patient, lang: 'fr', timeZone, fonts });
    audit(
      link,
      'report-link-download',
      `report version ${version.version}${link.recipient ? ` for ${link.recipient}` : ''}, from ${req.ip}`,
      version,
    );
    return reply
      .type('application/pdf')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-disposition', `inline; filename="compte-rendu-v${version.version}.pdf"`)
      .send(body);
  }

  app.get<Params>('/r/:token', { schema: { params: TokenParams }, config: { access: 'public' } }, async (req, reply) => {
    const use = await useReportLink(store, req.params.token, now());
    if (!use.ok) return refused(req, reply, use);
    if (use.link.audience !== 'patient') return pdf(req, reply, use.link, use.version);
    audit(use.link, 'report-link-opened', `report version ${use.version.version}: date of birth asked, from ${req.ip}`, use.version);
    return page(reply, 200, { step: 'ask' });
  });

  void app.register(async (scope) => {
    // Only here: the page's form posts its one field without a script.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.post<Params & { Body: Static<typeof BirthDateBody> }>(
      '/r/:token',
      { schema: { params: TokenParams, body: BirthDateBody }, config: { access: 'public' }, attachValidation: true },
      async (req, reply) => {
        const at = now();
        const use = await useReportLink(store, req.params.token, at);
        if (!use.ok) return refused(req, reply, use);
        const { link, version } = use;
        if (link.audience !== 'patient') {
          audit(link, 'report-link-refused', `a date of birth posted to a ${link.audience} link, from ${req.ip}`);
          return reply
            .code(405)
            .header('allow', 'GET')
            .send({ statusCode: 405, error: 'Method Not Allowed', message: 'this link opens with GET' });
        }
        // A malformed date is asked again, not counted.
        if (req.validationError) return page(reply, 400, { step: 'ask' });
        const onRecord = (await store.getPatient(version.patientId))?.birthDate ?? null;
        const check = await checkBirthDate(store, link, onRecord, req.body.birthDate, at);
        if (check.ok) return pdf(req, reply, link, version);
        const why = check.reason === 'wrong' ? `wrong date of birth (${check.attemptsLeft} left)` : check.reason;
        audit(link, 'report-link-refused', `report version ${version.version}: ${why}, from ${req.ip}`, version);
        if (check.reason === 'wrong') return page(reply, 403, { step: 'wrong', attemptsLeft: check.attemptsLeft });
        if (check.reason === 'locked') return page(reply, 423, { step: 'locked' });
        return page(reply, 403, { step: 'no-birth-date' });
      },
    );
  });
}
