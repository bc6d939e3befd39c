/**
 * A patient's trends page (GET /patients/:id): the patient header, the open alerts, the period
 * buttons, a place for one chart per vital that browser/main.ts fills with uPlot (data from
 * /api/patients/:id/trends), and the latest readings as a plain table that needs no script. URLs
 * are relative to /patients/:id so the page works behind a reverse-proxy path prefix; nothing
 * loads from another origin. The bundle and the stylesheet are inline, allowed by hash; uPlot
 * comes from /assets ('self', with Subresource Integrity).
 */
import { TREND_VITALS, VITAL_CATALOGUE, vitalLabels } from '@telecart/devices';
import {
  common,
  format,
  InlineScript,
  JsonData,
  type Lang,
  loadPageBundle,
  patient as messages,
  PageHead,
  renderDocument,
  type TextsOf,
  textsIn,
} from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { alertText, sortAlerts } from '../../pages/dashboard/alerts-panel.js';
import { type LatestTrendReading, TREND_KEYS, type TrendKey } from '../../patient-page/trends.js';
import type { AlertRecord, PatientRecord } from '../../store/cloud-store.js';
import type { PatientPageData } from './page-data.js';
import { PATIENT_PAGE_CSS } from './style.js';

type Texts = TextsOf<typeof messages>;

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

/** Lines drawn across a chart: where a reading starts to be worrying (the catalogue's trend lines). */
export const TREND_THRESHOLDS: Partial<Record<TrendKey, readonly number[]>> = Object.fromEntries(
  TREND_KEYS.flatMap((k) => {
    const t: { lines?: readonly number[] } = VITAL_CATALOGUE[k].trend;
    return t.lines ? [[k, t.lines] as const] : [];
  }),
);

const DAY_MS = 86_400_000;
/** Rows the "Export FHIR" link asks for (the FHIR search's page size limit). */
export const EXPORT_COUNT = 1000;

const bundle = () => loadPageBundle(import.meta.url);

/**
 * As strict as the dashboard's: the inline bundle and style by hash; 'self' adds only the uPlot
 * files of /assets (loaded with Subresource Integrity). Nothing from another origin.
 */
export function patientPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [PATIENT_PAGE_CSS], selfAssets: true });
}

export interface ScriptAsset {
  href: string;
  integrity: string;
}

export interface PatientPageOptions {
  lang: Lang;
  days: Period;
  timeZone: string;
  /** Now, for the export link's period start. */
  now: number;
  uplot: { js: ScriptAsset; css: ScriptAsset };
  /** The patient's open telemonitoring alerts (acknowledged from the dashboard). */
  alerts?: readonly AlertRecord[];
}

export function patientName(p: Pick<PatientRecord, 'id' | 'family' | 'given'>): string {
  return p.family || p.given ? `${(p.family ?? '').toUpperCase()} ${p.given ?? ''}`.trim() : p.id;
}

/** The FHIR search of a patient's readings since the start of a period, as the export link asks it. */
export function fhirExportHref(patientId: string, since: number): string {
  const date = encodeURIComponent(new Date(since).toISOString());
  return `../fhir/Observation?patient=${encodeURIComponent(patientId)}&date=ge${date}&_count=${EXPORT_COUNT}`;
}

function formatTime(iso: string, t: Texts, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

function formatValue(r: LatestTrendReading, t: Texts): string {
  const digits = VITAL_CATALOGUE[r.key].digits;
  const nf = new Intl.NumberFormat(t.locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  // A meter's HI / LO is a bound, never shown as an exact value: '> 600'.
  return `${r.comparator ? `${r.comparator} ` : ''}${r.v.map((n) => nf.format(n)).join('/')}`;
}

function Head(props: { title: string; t: Texts; uplot?: PatientPageOptions['uplot'] }) {
  return (
    <PageHead title={props.title} icon={FAVICON_HREF} css={PATIENT_PAGE_CSS}>
      {props.uplot && <link rel="stylesheet" href={props.uplot.css.href} integrity={props.uplot.css.integrity} />}
    </PageHead>
  );
}

/** The open alerts above the charts: what to look for in them; acknowledged on the dashboard. */
function AlertsSection(props: { alerts: readonly AlertRecord[]; t: Texts; o: PatientPageOptions }) {
  const { t, o } = props;
  if (props.alerts.length === 0) return null;
  const since = new Intl.DateTimeFormat(t.locale, { dateStyle: 'short', timeStyle: 'short', timeZone: o.timeZone });
  return (
    <section id="patient-alerts" aria-labelledby="patient-alerts-heading">
      <h2 id="patient-alerts-heading">{t.alertsHeading}</h2>
      <ul>
        {sortAlerts(props.alerts).map((a) => (
          <li key={a.id} data-alert={a.id} data-severity={a.severity}>
            <strong>{a.severity === 'critical' ? t.alertCritical : t.alertWarning}</strong> {alertText(a, o)}{' '}
            <time dateTime={a.openedAt}>
              ({t.alertSince} {since.format(new Date(a.openedAt))})
            </time>
          </li>
        ))}
      </ul>
      <p>
        <a href={`../?lang=${o.lang}#alerts`}>{t.acknowledgeOnDashboard}</a>
      </p>
    </section>
  );
}

function LatestTable(props: {
  latest: readonly LatestTrendReading[];
  t: Texts;
  vitals: Readonly<Record<string, string>>;
  timeZone: string;
}) {
  const { t } = props;
  if (props.latest.length === 0) return <p class="none">{t.noLatest}</p>;
  return (
    <table>
      <caption class="visually-hidden">{t.latest}</caption>
      <thead>
        <tr>
          {[t.colVital, t.colValue, t.colTime, t.colFlags].map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.latest.map((r) => (
          <tr key={r.key} data-vital={r.key} class={r.flags.length ? 'flagged' : undefined}>
            <th scope="row">{props.vitals[r.key]}</th>
            <td>
              <span class="value">{formatValue(r, t)}</span> <span class="unit">{r.unitDisplay}</span>
            </td>
            <td>
              <time dateTime={r.t}>{formatTime(r.t, t, props.timeZone)}</time>
            </td>
            <td>
              {r.flags.length > 0 && (
                <span class="flags">
                  <span aria-hidden="true">⚠ </span>
                  {r.flags.join(', ')}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function renderPatientPage(patient: PatientRecord, latest: readonly LatestTrendReading[], o: PatientPageOptions): string {
  const t = textsIn(messages, o.lang);
  const other: Lang = o.lang === 'fr' ? 'en' : 'fr';
  const vitals = vitalLabels(TREND_VITALS, o.lang);
  const name = patientName(patient);
  const details: string[] = [];
  if (patient.birthDate) {
    const d = new Date(`${patient.birthDate}T00:00:00Z`);
    const shown = Number.isNaN(d.getTime())
      ? patient.birthDate
      : new Intl.DateTimeFormat(t.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(d);
    details.push(`${t.born} ${shown}`);
  }
  if (patient.ins) details.push(`${t.ins} ${patient.ins}`);
  if (patient.source === 'observed') details.push(t.unregistered);
  const idPath = encodeURIComponent(patient.id);
  const data: PatientPageData = {
    patientId: patient.id,
    lang: o.lang,
    days: o.days,
    periods: PERIODS,
    timeZone: o.timeZone,
    trendsUrl: `../api/patients/${idPath}/trends`,
    eventsUrl: `../api/events?patient=${idPath}`,
    exportBase: `../fhir/Observation?patient=${idPath}`,
    exportCount: EXPORT_COUNT,
    keys: TREND_KEYS,
    thresholds: TREND_THRESHOLDS as Readonly<Record<string, readonly number[]>>,
    digits: Object.fromEntries(TREND_KEYS.map((k) => [k, VITAL_CATALOGUE[k].digits])),
    vitals,
  };
  return renderDocument(
    <html lang={o.lang}>
      <Head title={format(t.title, { name })} t={t} uplot={o.uplot} />
      <body>
        <header>
          <a id="back" href={`../?lang=${o.lang}`}>
            {t.back}
          </a>
          <h1 id="patient-name" data-patient={patient.id}>
            {name}
          </h1>
          {details.length > 0 && (
            <p class="details" id="patient-details">
              {details.join(' · ')}
            </p>
          )}
          <a
            id="export-fhir"
            class="button"
            href={fhirExportHref(patient.id, o.now - o.days * DAY_MS)}
            download={`telecart-${idPath}-observations.fhir.json`}
          >
            {t.exportFhir}
          </a>
          <a id="lang-link" href={`?lang=${other}&days=${o.days}`} hreflang={other} lang={other}>
            {common.switchToOther[o.lang]}
          </a>
        </header>
        <main id="patient-main" data-state="loading" data-days={String(o.days)}>
          <AlertsSection alerts={o.alerts ?? []} t={t} o={o} />
          <section id="trends" aria-labelledby="trends-heading">
            <h2 id="trends-heading">{t.trends}</h2>
            {/* biome-ignore lint/a11y/useSemanticElements: the period buttons' group as the page has always had it (a fieldset would change its look and what screen readers announce) */}
            <div id="periods" role="group" aria-label={t.period}>
              <span aria-hidden="true">{t.period}</span>
              {PERIODS.map((n) => (
                <button key={n} type="button" data-days={String(n)} aria-pressed={n === o.days}>
                  {format(t.days, { n })}
                </button>
              ))}
            </div>
            <p id="trends-status" role="status" aria-live="polite">
              {t.loading}
            </p>
            <noscript>
              <p>{t.noScript}</p>
            </noscript>
            <div id="charts" />
            <p id="trends-empty" hidden />
          </section>
          <section id="latest" aria-labelledby="latest-heading">
            <h2 id="latest-heading">{t.latest}</h2>
            <LatestTable latest={latest} t={t} vitals={vitals} timeZone={o.timeZone} />
          </section>
        </main>
        <JsonData id="patient-page-data" value={data} />
        <script src={o.uplot.js.href} integrity={o.uplot.js.integrity} />
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}

/** The answer for an unknown patient and for another cart's patient alike. */
export function renderPatientNotFound(o: { lang: Lang }): string {
  const t = textsIn(messages, o.lang);
  return renderDocument(
    <html lang={o.lang}>
      <Head title={t.notFound} t={t} />
      <body>
        <header>
          <a id="back" href={`../?lang=${o.lang}`}>
            {t.back}
          </a>
          <h1>{t.notFound}</h1>
        </header>
        <main>
          <p>{t.notFoundText}</p>
        </main>
      </body>
    </html>,
  );
}
