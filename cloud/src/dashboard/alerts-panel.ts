/**
 * The dashboard's alerts panel: the open telemonitoring alerts of the reader's patients,
 * critical first then newest, each in plain words with its values, since when, and an
 * acknowledge button with an optional note. Server-rendered like the patient table; the page's
 * script re-fetches it on `alert` events and posts acknowledgements.
 */
import type { AlertRecord } from '../store/cloud-store.js';
import type { Lang } from './i18n.js';

type Values = AlertRecord['values'];
type Fmt = (n: unknown, digits?: number) => string;

interface AlertTexts {
  locale: string;
  heading: string;
  caption: string;
  none: string;
  patient: string;
  alert: string;
  since: string;
  action: string;
  critical: string;
  warning: string;
  times: string;
  note: string;
  acknowledge: string;
  rules: Record<string, (v: Values, f: Fmt, date: (iso: unknown) => string) => string>;
}

const sign = (f: Fmt, n: unknown) => `+${f(n, 1)}`;
/** Days of silence as a whole number: "depuis 322 jours", not 322,6. */
const wholeDays = (n: unknown) => (typeof n === 'number' ? Math.floor(n) : n);

export const ALERT_TEXTS: Record<Lang, AlertTexts> = {
  fr: {
    locale: 'fr-FR',
    heading: 'Alertes de télésurveillance',
    caption: 'Alertes ouvertes : critiques d’abord, puis les plus récentes',
    none: 'Aucune alerte ouverte.',
    patient: 'Patient',
    alert: 'Alerte',
    since: 'Depuis',
    action: 'Prise en compte',
    critical: 'Critique',
    warning: 'Attention',
    times: 'déclenchements',
    note: 'Note (facultative)',
    acknowledge: 'Acquitter',
    rules: {
      'hf-weight-gain-3d': (v, f) => `Poids ${sign(f, v.gainKg)} kg en 3 jours (${f(v.fromKg, 1)} → ${f(v.toKg, 1)} kg)`,
      'hf-weight-gain-1d': (v, f) => `Poids ${sign(f, v.gainKg)} kg en 24 h (${f(v.fromKg, 1)} → ${f(v.toKg, 1)} kg)`,
      'hf-no-weight': (v, f, d) =>
        `Aucun poids reçu depuis ${f(wholeDays(v.silentDays), 0)} jours${v.lastAt ? ` (dernier : ${d(v.lastAt)})` : ''}`,
      'bp-severe': (v, f) =>
        `Tension sévère ${f(v.systolic, 0)}/${f(v.diastolic, 0)} mmHg (seuil ${f(v.thresholdSystolic, 0)}/${f(v.thresholdDiastolic, 0)})`,
      'bp-above-target': (v, f) =>
        `Tension moyenne ${f(v.meanSystolic, 0)}/${f(v.meanDiastolic, 0)} mmHg sur ${f(v.days, 0)} jours (${f(v.readings, 0)} mesures ; cible < ${f(v.thresholdSystolic, 0)}/${f(v.thresholdDiastolic, 0)})`,
      'bp-no-reading': (v, f, d) =>
        `Aucune tension reçue depuis ${f(wholeDays(v.silentDays), 0)} jours${v.lastAt ? ` (dernière : ${d(v.lastAt)})` : ''}`,
      'spo2-low': (v, f) => `SpO2 ${f(v.spo2, 0)} % (seuil ${f(v.threshold, 0)} %)`,
      'spo2-drop': (v, f) => `SpO2 ${f(v.spo2, 0)} %, −${f(v.drop, 1)} points sous la référence de ${f(v.baseline, 1)} %`,
      'copd-no-spo2': (v, f, d) =>
        `Aucune SpO2 reçue depuis ${f(wholeDays(v.silentDays), 0)} jours${v.lastAt ? ` (dernière : ${d(v.lastAt)})` : ''}`,
      'glucose-severe-hypo': (v, f) => `Hypoglycémie sévère ${f(v.mgdl, 0)} mg/dL (${f(v.mmoll, 1)} mmol/L ; seuil ${f(v.threshold, 0)})`,
      'glucose-hypo': (v, f) => `Hypoglycémie ${f(v.mgdl, 0)} mg/dL (${f(v.mmoll, 1)} mmol/L ; seuil ${f(v.threshold, 0)})`,
      'glucose-hyper': (v, f) => `Hyperglycémie ${f(v.mgdl, 0)} mg/dL (${f(v.mmoll, 1)} mmol/L ; seuil ${f(v.threshold, 0)})`,
      'diabetes-no-glucose': (v, f, d) =>
        `Aucune glycémie reçue depuis ${f(wholeDays(v.silentDays), 0)} jours${v.lastAt ? ` (dernière : ${d(v.lastAt)})` : ''}`,
    },
  },
  en: {
    locale: 'en-GB',
    heading: 'Telemonitoring alerts',
    caption: 'Open alerts: critical first, then the newest',
    none: 'No open alert.',
    patient: 'Patient',
    alert: 'Alert',
    since: 'Since',
    action: 'Acknowledgement',
    critical: 'Critical',
    warning: 'Warning',
    times: 'triggers',
    note: 'Note (optional)',
    acknowledge: 'Acknowledge',
    rules: {
      'hf-weight-gain-3d': (v, f) => `Weight ${sign(f, v.gainKg)} kg in 3 days (${f(v.fromKg, 1)} → ${f(v.toKg, 1)} kg)`,
      'hf-weight-gain-1d': (v, f) => `Weight ${sign(f, v.gainKg)} kg in 24 h (${f(v.fromKg, 1)} → ${f(v.toKg, 1)} kg)`,
      'hf-no-weight': (v, f, d) =>
        `No weight received for ${f(wholeDays(v.silentDays), 0)} days${v.lastAt ? ` (last: ${d(v.lastAt)})` : ''}`,
      'bp-severe': (v, f) =>
        `Severe blood pressure ${f(v.systolic, 0)}/${f(v.diastolic, 0)} mmHg (threshold ${f(v.thresholdSystolic, 0)}/${f(v.thresholdDiastolic, 0)})`,
      'bp-above-target': (v, f) =>
        `Mean blood pressure ${f(v.meanSystolic, 0)}/${f(v.meanDiastolic, 0)} mmHg over ${f(v.days, 0)} days (${f(v.readings, 0)} readings; target < ${f(v.thresholdSystolic, 0)}/${f(v.thresholdDiastolic, 0)})`,
      'bp-no-reading': (v, f, d) =>
        `No blood pressure received for ${f(wholeDays(v.silentDays), 0)} days${v.lastAt ? ` (last: ${d(v.lastAt)})` : ''}`,
      'spo2-low': (v, f) => `SpO2 ${f(v.spo2, 0)} % (threshold ${f(v.threshold, 0)} %)`,
      'spo2-drop': (v, f) => `SpO2 ${f(v.spo2, 0)} %, ${f(v.drop, 1)} points below the baseline of ${f(v.baseline, 1)} %`,
      'copd-no-spo2': (v, f, d) => `No SpO2 received for ${f(wholeDays(v.silentDays), 0)} days${v.lastAt ? ` (last: ${d(v.lastAt)})` : ''}`,
      'glucose-severe-hypo': (v, f) =>
        `Severe hypoglycaemia ${f(v.mgdl, 0)} mg/dL (${f(v.mmoll, 1)} mmol/L; threshold ${f(v.threshold, 0)})`,
      'glucose-hypo': (v, f) => `Hypoglycaemia ${f(v.mgdl, 0)} mg/dL (${f(v.mmoll, 1)} mmol/L; threshold ${f(v.threshold, 0)})`,
      'glucose-hyper': (v, f) => `Hyperglycaemia ${f(v.mgdl, 0)} mg/dL (${f(v.mmoll, 1)} mmol/L; threshold ${f(v.threshold, 0)})`,
      'diabetes-no-glucose': (v, f, d) =>
        `No glucose received for ${f(wholeDays(v.silentDays), 0)} days${v.lastAt ? ` (last: ${d(v.lastAt)})` : ''}`,
    },
  },
};

/** Panel styles, appended to the dashboard's stylesheet (one hashed <style>). */
export const ALERTS_CSS = `
#alerts { margin-bottom: 1.5rem; }
#alerts h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
#alerts tr[data-severity="critical"] th { border-left: .35rem solid #cf222e; }
#alerts tr[data-severity="warning"] th { border-left: .35rem solid var(--warn); }
.severity { display: block; font-size: .85rem; font-weight: 600; }
tr[data-severity="critical"] .severity { color: #cf222e; }
tr[data-severity="warning"] .severity { color: var(--warn); }
.count { display: block; font-size: .85rem; color: var(--muted); }
.ack { display: flex; gap: .4rem; flex-wrap: wrap; }
.ack input { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: .3rem; min-width: 10rem; }
`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface AlertPatient {
  id: string;
  family: string | null;
  given: string | null;
}

export interface AlertsPanelOptions {
  lang: Lang;
  timeZone: string;
}

/** The alert in plain words with its values, e.g. "Poids +2,4 kg en 3 jours (68,1 → 70,5 kg)". */
export function alertText(a: Pick<AlertRecord, 'textKey' | 'rule' | 'values'>, o: AlertsPanelOptions): string {
  const t = ALERT_TEXTS[o.lang];
  const nfs = new Map<number, Intl.NumberFormat>();
  const f: Fmt = (n, digits = 1) => {
    const x = typeof n === 'number' ? n : Number(n);
    if (!Number.isFinite(x)) return '?';
    let nf = nfs.get(digits);
    if (!nf) {
      nf = new Intl.NumberFormat(t.locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
      nfs.set(digits, nf);
    }
    return nf.format(x);
  };
  const date = (iso: unknown) => formatTime(String(iso), t.locale, o.timeZone);
  const render = t.rules[a.textKey];
  return render ? render(a.values, f, date) : `${a.rule} ${JSON.stringify(a.values)}`;
}

function formatTime(iso: string, locale: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone }).format(d);
}

function patientName(p: AlertPatient | undefined, id: string): string {
  if (!p || (!p.family && !p.given)) return id;
  return `${(p.family ?? '').toUpperCase()} ${p.given ?? ''}`.trim();
}

/** Critical first, then the latest trigger first (the store's order, re-applied for any input). */
export function sortAlerts(alerts: readonly AlertRecord[]): AlertRecord[] {
  const rank = (a: AlertRecord) => (a.severity === 'critical' ? 0 : 1);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || Date.parse(b.lastAt) - Date.parse(a.lastAt) || (a.id < b.id ? -1 : 1));
}

/** The fragment the page's script puts in #alerts-list. */
export function renderAlertsFragment(
  alerts: readonly AlertRecord[],
  patients: ReadonlyMap<string, AlertPatient>,
  o: AlertsPanelOptions,
): string {
  const t = ALERT_TEXTS[o.lang];
  const open = sortAlerts(alerts.filter((a) => a.status === 'open'));
  if (open.length === 0) return `<p class="none">${esc(t.none)}</p>`;
  const rows = open.map((a) => {
    const since = formatTime(a.openedAt, t.locale, o.timeZone);
    const count = a.count > 1 ? `<span class="count">${a.count} ${esc(t.times)}</span>` : '';
    const noteId = `note-${a.id}`;
    return (
      `<tr data-alert="${esc(a.id)}" data-rule="${esc(a.rule)}" data-severity="${a.severity}" data-patient="${esc(a.patientId)}">` +
      // The name opens the patient's trends, where the alert's readings are.
      `<th scope="row"><a class="name" href="patients/${esc(encodeURIComponent(a.patientId))}?lang=${o.lang}">${esc(patientName(patients.get(a.patientId), a.patientId))}</a></th>` +
      `<td><span class="severity">${esc(a.severity === 'critical' ? t.critical : t.warning)}</span><span class="alert-text">${esc(alertText(a, o))}</span>${count}</td>` +
      `<td><time datetime="${esc(a.openedAt)}">${esc(since)}</time></td>` +
      `<td><div class="ack"><label class="visually-hidden" for="${esc(noteId)}">${esc(t.note)}</label>` +
      `<input type="text" id="${esc(noteId)}" data-note-for="${esc(a.id)}" maxlength="500" placeholder="${esc(t.note)}">` +
      `<button type="button" data-ack="${esc(a.id)}">${esc(t.acknowledge)}</button></div></td></tr>`
    );
  });
  return (
    `<table><caption>${esc(t.caption)}</caption><thead><tr><th scope="col">${esc(t.patient)}</th><th scope="col">${esc(t.alert)}</th>` +
    `<th scope="col">${esc(t.since)}</th><th scope="col">${esc(t.action)}</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
  );
}

/** The panel's place in the page, filled by the script at once and on every `alert` event. */
export function renderAlertsSection(lang: Lang): string {
  const t = ALERT_TEXTS[lang];
  return `<section id="alerts" aria-labelledby="alerts-heading">
    <h2 id="alerts-heading" data-i18n="alertsHeading">${esc(t.heading)}</h2>
    <div id="alerts-list" aria-live="polite"></div>
  </section>`;
}
