/** GET /patients/:id?lang=&days=: a patient's trends page (pages/patient/; charts drawn by the page from /api/patients/:id/trends). */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PERIODS, patientPageCsp, renderPatientNotFound, renderPatientPage } from '../../pages/patient/page.js';
import { latestTrendReadings } from '../../patient-page/trends.js';
import { currentReader, type DataAccess } from '../access/data-access.js';
import type { HttpDeps } from '../deps.js';
import { PatientIdParams } from '../query-schemas.js';
import { assetHref, uplotAssets } from './assets.js';

const HTML = 'text/html; charset=utf-8';

export const PatientPageQuery = Type.Object(
  {
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }),
    days: Type.Union(
      PERIODS.map((n) => Type.Literal(n)),
      { default: 30 },
    ),
  },
  { additionalProperties: false },
);

export function registerPatientPageRoutes(app: FastifyInstance, deps: HttpDeps, access: DataAccess): void {
  const timeZone = deps.timeZone ?? 'Europe/Paris';
  const { js, css } = uplotAssets();
  const uplot = {
    js: { href: assetHref(js), integrity: js.integrity },
    css: { href: assetHref(css), integrity: css.integrity },
  };
  // As strict as the dashboard's: the inline bundle and style by hash, 'self' only for uPlot's /assets files.
  const csp = patientPageCsp();

  app.get<{ Params: Static<typeof PatientIdParams>; Querystring: Static<typeof PatientPageQuery> }>(
    '/patients/:id',
    { schema: { params: PatientIdParams, querystring: PatientPageQuery }, config: { access: 'page', permission: 'vitals.read' } },
    async (req, reply) => {
      const { id } = req.params;
      const { lang, days } = req.query;
      void reply.type(HTML).header('content-security-policy', csp).header('cache-control', 'no-store');
      // Another cart's patient gets the page an unknown one gets: no hint that it exists.
      const patient = (await access.mayReadPatient(currentReader(req), id)) ? await deps.store.getPatient(id) : null;
      if (!patient) return reply.code(404).send(renderPatientNotFound({ lang }));
      access.recordRead(req, 'view-patient', id);
      const latest = latestTrendReadings(await deps.store.latestVitals(id));
      const { alerts } = await deps.store.listAlerts({ patientId: id, status: 'open', limit: 50 });
      return reply.send(renderPatientPage(patient, latest, { lang, days, timeZone, now: Date.now(), uplot, alerts }));
    },
  );
}
