/**
 * Server-side HTML of a patient's trends page: the patient header, the period buttons, one figure
 * per vital the inline script fills with a uPlot chart (data from /api/patients/:id/trends), and
 * the latest readings as a plain table that needs no script. URLs are relative to /patients/:id
 * so the page works behind a reverse-proxy path prefix; nothing loads from another origin.
 */
import { VITAL_CATALOGUE } from '@telecart/devices';
import { ALERT_TEXTS, alertText, sortAlerts } from '../dashboard/alerts-panel.js';
import type { Lang } from '../dashboard/i18n.js';
import { escapeHtml } from '../dashboard/render.js';
import { FAVICON_LINK } from '../http/routes/favicon.js';
import type { AlertRecord, PatientRecord } from '../store/cloud-store.js';
import { PATIENT_PAGE_SCRIPT } from './client-script.js';
import { PERIODS, type Period, TREND_TEXTS, type TrendTexts } from './i18n.js';
import { PATIENT_PAGE_CSS } from './style.js';
import { type LatestTrendReading, TREND_KEYS, type TrendKey } from './trends.js';

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

/** The open alerts above the charts: what to look for in them; acknowledged on the dashboard. */
function alertsSection(alerts: readonly AlertRecord[], o: PatientPageOptions): string {
  if (alerts.length === 0) return '';
  const t = ALERT_TEXTS[o.lang];
  const since = (iso: string) =>
    new Intl.DateTimeFormat(t.locale, { dateStyle: 'short', timeStyle: 'short', timeZone: o.timeZone }).format(new Date(iso));
  const items = sortAlerts(alerts).map(
    (a) =>
      `<li data-alert="${escapeHtml(a.id)}" data-severity="${a.severity}"><strong>${escapeHtml(a.severity === 'critical' ? t.critical : t.warning)}</strong> ` +
      `${escapeHtml(alertText(a, o))} <time datetime="${escapeHtml(a.openedAt)}">(${escapeHtml(t.since)} ${escapeHtml(since(a.openedAt))})</time></li>`,
  );
  return `<section id="patient-alerts" aria-labelledby="patient-alerts-heading">
    <h2 id="patient-alerts-heading">${escapeHtml(t.heading)}</h2>
    <ul>${items.join('')}</ul>
    <p><a href="../?lang=${o.lang}#alerts">${escapeHtml(TREND_TEXTS[o.lang].acknowledgeOnDashboard)}</a></p>
  </section>`;
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);

export function patientName(p: Pick<PatientRecord, 'id' | 'family' | 'given'>): string {
  return p.family || p.given ? `${(p.family ?? '').toUpperCase()} ${p.given ?? ''}`.trim() : p.id;
}

/** The FHIR search of a patient's readings since the start of a period, as the export link asks it. */
export function fhirExportHref(patientId: string, since: number): string {
  const date = encodeURIComponent(new Date(since).toISOString());
  return `../fhir/Observation?patient=${encodeURIComponent(patientId)}&date=ge${date}&_count=${EXPORT_COUNT}`;
}

function formatTime(iso: string, t: TrendTexts, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

function formatValue(r: LatestTrendReading, t: TrendTexts): string {
  const digits = VITAL_CATALOGUE[r.key].digits;
  const nf = new Intl.NumberFormat(t.locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  // A meter's HI / LO is a bound, never shown as an exact value: '> 600'.
  return `${r.comparator ? `${r.comparator} ` : ''}${r.v.map((n) => nf.format(n)).join('/')}`;
}

function latestTable(latest: readonly LatestTrendReading[], t: TrendTexts, timeZone: string): string {
  if (latest.length === 0) return `<p class="none">${escapeHtml(t.noLatest)}</p>`;
  const rows = latest.map(
    (r) =>
      `<tr data-vital="${r.key}"${r.flags.length ? ' class="flagged"' : ''}><th scope="row">${escapeHtml(t.vitals[r.key])}</th>` +
      `<td><span class="value">${escapeHtml(formatValue(r, t))}</span> <span class="unit">${escapeHtml(r.unitDisplay)}</span></td>` +
      `<td><time datetime="${escapeHtml(r.t)}">${escapeHtml(formatTime(r.t, t, timeZone))}</time></td>` +
      `<td>${r.flags.length ? `<span class="flags"><span aria-hidden="true">⚠ </span>${escapeHtml(r.flags.join(', '))}</span>` : ''}</td></tr>`,
  );
  return (
    `<table><caption class="visually-hidden">${escapeHtml(t.latest)}</caption><thead><tr>` +
    [t.colVital, t.colValue, t.colTime, t.colFlags].map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('') +
    `</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
  );
}

function head(title: string, o: Pick<PatientPageOptions, 'uplot'> | null): string {
  return `<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${FAVICON_LINK}
${o ? `<link rel="stylesheet" href="${escapeHtml(o.uplot.css.href)}" integrity="${o.uplot.css.integrity}">\n` : ''}<style>${PATIENT_PAGE_CSS}</style>
</head>`;
}

export function renderPatientPage(patient: PatientRecord, latest: readonly LatestTrendReading[], o: PatientPageOptions): string {
  const t = TREND_TEXTS[o.lang];
  const other: Lang = o.lang === 'fr' ? 'en' : 'fr';
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
  const data = {
    patientId: patient.id,
    days: o.days,
    periods: PERIODS,
    timeZone: o.timeZone,
    trendsUrl: `../api/patients/${idPath}/trends`,
    eventsUrl: `../api/events?patient=${idPath}`,
    exportBase: `../fhir/Observation?patient=${idPath}`,
    exportCount: EXPORT_COUNT,
    thresholds: TREND_THRESHOLDS,
    keys: TREND_KEYS,
    /** Fraction digits shown per vital (the catalogue's). */
    digits: Object.fromEntries(TREND_KEYS.map((k) => [k, VITAL_CATALOGUE[k].digits])),
    lang: o.lang,
    texts: t,
  };
  const periodButtons = PERIODS.map(
    (n) => `<button type="button" data-days="${n}" aria-pressed="${n === o.days}">${escapeHtml(fill(t.days, { n: String(n) }))}</button>`,
  ).join('\n    ');
  return `<!doctype html>
<html lang="${o.lang}">
${head(fill(t.title, { name }), o)}
<body>
<header>
  <a id="back" href="../?lang=${o.lang}">${escapeHtml(t.back)}</a>
  <h1 id="patient-name" data-patient="${escapeHtml(patient.id)}">${escapeHtml(name)}</h1>
${details.length ? `  <p class="details" id="patient-details">${escapeHtml(details.join(' · '))}</p>\n` : ''}  <a id="export-fhir" class="button" href="${escapeHtml(fhirExportHref(patient.id, o.now - o.days * DAY_MS))}" download="telecart-${escapeHtml(idPath)}-observations.fhir.json">${escapeHtml(t.exportFhir)}</a>
  <a id="lang-link" href="?lang=${other}&amp;days=${o.days}" hreflang="${other}" lang="${other}">${escapeHtml(t.switchTo)}</a>
</header>
<main id="patient-main" data-state="loading" data-days="${o.days}">
  ${alertsSection(o.alerts ?? [], o)}
  <section id="trends" aria-labelledby="trends-heading">
    <h2 id="trends-heading">${escapeHtml(t.trends)}</h2>
    <div id="periods" role="group" aria-label="${escapeHtml(t.period)}">
    <span aria-hidden="true">${escapeHtml(t.period)}</span>
    ${periodButtons}
    </div>
    <p id="trends-status" role="status" aria-live="polite">${escapeHtml(t.loading)}</p>
    <noscript><p>${escapeHtml(t.noScript)}</p></noscript>
    <div id="charts"></div>
    <p id="trends-empty" hidden></p>
  </section>
  <section id="latest" aria-labelledby="latest-heading">
    <h2 id="latest-heading">${escapeHtml(t.latest)}</h2>
    ${latestTable(latest, t, o.timeZone)}
  </section>
</main>
<script id="patient-page-data" type="application/json">${scriptJson(data)}</script>
<script src="${escapeHtml(o.uplot.js.href)}" integrity="${o.uplot.js.integrity}"></script>
<script>${PATIENT_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** The answer for an unknown patient and for another cart's patient alike. */
export function renderPatientNotFound(o: { lang: Lang }): string {
  const t = TREND_TEXTS[o.lang];
  return `<!doctype html>
<html lang="${o.lang}">
${head(t.notFound, null)}
<body>
<header><a id="back" href="../?lang=${o.lang}">${escapeHtml(t.back)}</a><h1>${escapeHtml(t.notFound)}</h1></header>
<main><p>${escapeHtml(t.notFoundText)}</p></main>
</body>
</html>
`;
}
