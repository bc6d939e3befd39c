/**
 * Server-side HTML of the clinician dashboard. The patient table is rendered here (one renderer,
 * tested in Node); the page's small inline script only re-fetches this fragment when a reading
 * arrives on /api/events and switches language. No external resources: hospital networks are
 * often offline from the Internet.
 */

import { VITAL_CATALOGUE } from '@telecart/devices';
import { FAVICON_LINK } from '../http/routes/favicon.js';
import type { GatewayRecord } from '../store/cloud-store.js';
import type { PatientOverview } from '../vitals/overview.js';
import { VITAL_KEYS, type VitalReading } from '../vitals/summary.js';
import { ALERT_TEXTS, renderAlertsSection } from './alerts-panel.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { type Lang, TEXTS, type Texts } from './i18n.js';
import { DASHBOARD_CSS } from './style.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface RenderOptions {
  lang: Lang;
  timeZone: string;
  /** The signed-in clinician, shown with a sign-out button (none in open access). */
  reader?: { name: string } | null;
}

function formatTime(iso: string, t: Texts, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(t.locale, { dateStyle: 'short', timeStyle: 'short', timeZone }).format(d);
}

/** A YYYY-MM-DD calendar date, shown as written in the locale (no zone shift: it is not an instant). */
function formatDate(ymd: string, t: Texts): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return ymd;
  return new Intl.DateTimeFormat(t.locale, { dateStyle: 'short', timeZone: 'UTC' }).format(d);
}

function formatValue(v: VitalReading, t: Texts): string {
  const digits = VITAL_CATALOGUE[v.key].digits;
  const nf = new Intl.NumberFormat(t.locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return v.values.map((n) => nf.format(n)).join('/');
}

function vitalCell(v: VitalReading | undefined, t: Texts, o: RenderOptions): string {
  if (!v) return `<td class="empty"><span class="visually-hidden">${escapeHtml(t.noReading)}</span><span aria-hidden="true">—</span></td>`;
  const flags = v.flags.length
    ? `<span class="flags"><span aria-hidden="true">⚠ </span>${v.flags.map((f) => escapeHtml(f)).join(', ')}</span>`
    : '';
  return (
    `<td data-observation="${escapeHtml(v.observationId)}"${v.flags.length ? ' class="flagged"' : ''}>` +
    `<span class="value">${escapeHtml(formatValue(v, t))}</span> <span class="unit">${escapeHtml(v.unitDisplay)}</span>` +
    `<time datetime="${escapeHtml(v.effective)}">${escapeHtml(formatTime(v.effective, t, o.timeZone))}</time>${flags}</td>`
  );
}

function patientHeader(p: PatientOverview, t: Texts, lang: Lang): string {
  const name = p.family || p.given ? `${(p.family ?? '').toUpperCase()} ${p.given ?? ''}`.trim() : p.id;
  const details: string[] = [];
  if (p.birthDate) details.push(`${t.born} ${formatDate(p.birthDate, t)}`);
  if (p.ins) details.push(`${t.ins} ${p.ins}`);
  if (p.source === 'observed') details.push(t.unregistered);
  return (
    // The name opens the patient's trends page (cloud/src/patient-page).
    `<th scope="row"><a class="name" href="patients/${escapeHtml(encodeURIComponent(p.id))}?lang=${lang}">${escapeHtml(name)}</a>` +
    (details.length ? `<span class="details">${escapeHtml(details.join(' · '))}</span>` : '') +
    '</th>'
  );
}

/** The <section> the script replaces on every update. */
export function renderPatientsFragment(patients: readonly PatientOverview[], o: RenderOptions): string {
  const t = TEXTS[o.lang];
  if (patients.length === 0) return `<p class="none">${escapeHtml(t.noPatients)}</p>`;
  const head = `<tr><th scope="col">${escapeHtml(t.patient)}</th>${VITAL_KEYS.map((k) => `<th scope="col">${escapeHtml(t.vitals[k])}</th>`).join('')}</tr>`;
  const rows = patients
    .map(
      (p) =>
        `<tr data-patient="${escapeHtml(p.id)}">${patientHeader(p, t, o.lang)}${VITAL_KEYS.map((k) => vitalCell(p.vitals[k], t, o)).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>${escapeHtml(t.caption)}</caption><thead>${head}</thead><tbody>\n${rows}\n</tbody></table>`;
}

/** The carts/home boxes panel: connection, backlog and the store-full alarm each gateway reported. */
export function renderGatewaysFragment(gateways: readonly GatewayRecord[], o: RenderOptions): string {
  const t = TEXTS[o.lang];
  const g = t.gateways;
  if (gateways.length === 0) return `<p class="none">${escapeHtml(g.none)}</p>`;
  const nf = new Intl.NumberFormat(t.locale);
  const rows = gateways.map((gw) => {
    const level = gw.backlog?.capacity?.level ?? 'ok';
    const alarm = level !== 'ok';
    const backlog = gw.backlog
      ? `${nf.format(gw.backlog.readings)}${gw.backlog.held ? ` (+${nf.format(gw.backlog.held)} ${escapeHtml(g.held)})` : ''}` +
        (gw.backlog.oldestUnsyncedAt
          ? `<time datetime="${escapeHtml(gw.backlog.oldestUnsyncedAt)}">${escapeHtml(g.oldest)} ${escapeHtml(formatTime(gw.backlog.oldestUnsyncedAt, t, o.timeZone))}</time>`
          : '')
      : '—';
    const seen = gw.statusReceivedAt
      ? `<time datetime="${escapeHtml(gw.statusReceivedAt)}">${escapeHtml(g.lastSeen)} ${escapeHtml(formatTime(gw.statusReceivedAt, t, o.timeZone))}</time>`
      : '';
    return (
      `<tr data-gateway="${escapeHtml(gw.gatewayId)}" data-store="${level}"${alarm ? ' class="flagged"' : ''}>` +
      `<th scope="row">${escapeHtml(gw.gatewayId)}</th>` +
      `<td>${escapeHtml(gw.online ? g.online : g.offline)}${seen}</td>` +
      `<td>${backlog}</td>` +
      `<td>${alarm ? '<span aria-hidden="true">⚠ </span>' : ''}${escapeHtml(g.storeLevels[level])}</td></tr>`
    );
  });
  return `<table><caption>${escapeHtml(g.heading)}</caption><thead><tr><th scope="col">${escapeHtml(g.gateway)}</th><th scope="col">${escapeHtml(g.connection)}</th><th scope="col">${escapeHtml(g.backlog)}</th><th scope="col">${escapeHtml(g.store)}</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

export function renderDashboardPage(
  patients: readonly PatientOverview[],
  o: RenderOptions,
  gateways: readonly GatewayRecord[] = [],
): string {
  const t = TEXTS[o.lang];
  const other: Lang = o.lang === 'fr' ? 'en' : 'fr';
  const chrome = Object.fromEntries(
    (['fr', 'en'] as const).map((l) => {
      const x = TEXTS[l];
      return [
        l,
        {
          title: x.title,
          heading: x.heading,
          live: x.live,
          reconnecting: x.reconnecting,
          updated: x.updated,
          refreshFailed: x.refreshFailed,
          switchTo: x.switchTo,
          signedInAs: x.signedInAs,
          logout: x.logout,
          locale: x.locale,
          alertsHeading: ALERT_TEXTS[l].heading,
        },
      ];
    }),
  );
  return `<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title data-i18n="title">${escapeHtml(t.title)}</title>
${FAVICON_LINK}
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <h1 data-i18n="heading">${escapeHtml(t.heading)}</h1>
  <p id="live-status" role="status" aria-live="polite"></p>
  <button type="button" id="lang-toggle" lang="${other}">${escapeHtml(t.switchTo)}</button>
${
  o.reader
    ? `  <p id="reader"><span data-i18n="signedInAs">${escapeHtml(t.signedInAs)}</span> ${escapeHtml(o.reader.name)}</p>
  <button type="button" id="logout" data-i18n="logout">${escapeHtml(t.logout)}</button>
`
    : ''
}</header>
<main>
  <noscript><p>${escapeHtml(t.noScript)}</p></noscript>
  ${renderAlertsSection(o.lang)}
  <section id="patients" aria-labelledby="patients-heading">
    <h2 id="patients-heading" class="visually-hidden" data-i18n="heading">${escapeHtml(t.heading)}</h2>
    <div id="patients-table">${renderPatientsFragment(patients, o)}</div>
  </section>
  <section id="gateways" aria-labelledby="gateways-heading">
    <h2 id="gateways-heading" class="visually-hidden">${escapeHtml(t.gateways.heading)}</h2>
    <div id="gateways-table">${renderGatewaysFragment(gateways, o)}</div>
  </section>
</main>
<script id="dashboard-texts" type="application/json">${scriptJson(chrome)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
