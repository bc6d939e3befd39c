/**
 * The dashboard's alerts panel: the open telemonitoring alerts of the reader's patients, critical
 * first then newest, each in plain words with its values, since when, and an acknowledge button
 * with an optional note. Rendered on the server (GET /dashboard/alerts); the browser re-fetches it
 * on `alert` events and posts acknowledgements.
 */
import { dashboard, format, type Lang, renderFragment, textsIn } from '@telecart/ui';
import type { AlertRecord } from '../../store/cloud-store.js';
import { displayName, formatTime } from './format.js';

export interface AlertPatient {
  id: string;
  family: string | null;
  given: string | null;
}

export interface AlertsPanelOptions {
  lang: Lang;
  timeZone: string;
}

/**
 * How each rule's values are written: digits after the decimal point, '+1' for a signed gain with
 * one digit, 'days' for whole days of silence ("depuis 322 jours", not 322,6). A rule with a
 * `lastAt` value uses its `:last` message, which adds the date of the last reading.
 */
type ValueFormat = number | '+1' | 'days';
const GLUCOSE = { mgdl: 0, mmoll: 1, threshold: 0 } as const;
const WEIGHT_GAIN = { gainKg: '+1', fromKg: 1, toKg: 1 } as const;
const SILENCE = { silentDays: 'days' } as const;
const RULE_VALUES: Readonly<Record<string, Readonly<Record<string, ValueFormat>>>> = {
  'hf-weight-gain-3d': WEIGHT_GAIN,
  'hf-weight-gain-1d': WEIGHT_GAIN,
  'hf-no-weight': SILENCE,
  'bp-severe': { systolic: 0, diastolic: 0, thresholdSystolic: 0, thresholdDiastolic: 0 },
  'bp-above-target': { meanSystolic: 0, meanDiastolic: 0, days: 0, readings: 0, thresholdSystolic: 0, thresholdDiastolic: 0 },
  'bp-no-reading': SILENCE,
  'spo2-low': { spo2: 0, threshold: 0 },
  'spo2-drop': { spo2: 0, drop: 1, baseline: 1 },
  'copd-no-spo2': SILENCE,
  'glucose-severe-hypo': GLUCOSE,
  'glucose-hypo': GLUCOSE,
  'glucose-hyper': GLUCOSE,
  'diabetes-no-glucose': SILENCE,
};

const isMessageKey = (key: string): key is keyof typeof dashboard => Object.hasOwn(dashboard, key);

/** The alert in plain words with its values, e.g. "Poids +2,4 kg en 3 jours (68,1 → 70,5 kg)". */
export function alertText(a: Pick<AlertRecord, 'textKey' | 'rule' | 'values'>, o: AlertsPanelOptions): string {
  const formats = Object.hasOwn(RULE_VALUES, a.textKey) ? RULE_VALUES[a.textKey] : undefined;
  const base = `rule:${a.textKey}`;
  const key = a.values.lastAt && isMessageKey(`${base}:last`) ? `${base}:last` : base;
  if (!formats || !isMessageKey(key)) return `${a.rule} ${JSON.stringify(a.values)}`;
  const locale = dashboard.locale[o.lang];
  const number = (n: unknown, digits: number) => {
    const x = typeof n === 'number' ? n : Number(n);
    if (!Number.isFinite(x)) return '?';
    return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
  };
  const values: Record<string, string> = {};
  for (const [name, how] of Object.entries(formats)) {
    const v = a.values[name];
    values[name] =
      how === '+1' ? `+${number(v, 1)}` : how === 'days' ? number(typeof v === 'number' ? Math.floor(v) : v, 0) : number(v, how);
  }
  if (key.endsWith(':last')) values.lastAt = formatTime(String(a.values.lastAt), locale, o.timeZone);
  return format(dashboard[key][o.lang], values);
}

/** Critical first, then the latest trigger first (the store's order, re-applied for any input). */
export function sortAlerts(alerts: readonly AlertRecord[]): AlertRecord[] {
  const rank = (a: AlertRecord) => (a.severity === 'critical' ? 0 : 1);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || Date.parse(b.lastAt) - Date.parse(a.lastAt) || (a.id < b.id ? -1 : 1));
}

function AlertsTable(props: { alerts: readonly AlertRecord[]; patients: ReadonlyMap<string, AlertPatient>; o: AlertsPanelOptions }) {
  const { lang, timeZone } = props.o;
  const t = textsIn(dashboard, lang);
  const open = sortAlerts(props.alerts.filter((a) => a.status === 'open'));
  if (open.length === 0) return <p class="none">{t.alertsNone}</p>;
  return (
    <table>
      <caption>{t.alertsCaption}</caption>
      <thead>
        <tr>
          <th scope="col">{t.patient}</th>
          <th scope="col">{t.alert}</th>
          <th scope="col">{t.since}</th>
          <th scope="col">{t.action}</th>
        </tr>
      </thead>
      <tbody>
        {open.map((a) => {
          const noteId = `note-${a.id}`;
          return (
            <tr data-alert={a.id} data-rule={a.rule} data-severity={a.severity} data-patient={a.patientId}>
              <th scope="row">
                {/* The name opens the patient's trends, where the alert's readings are. */}
                <a class="name" href={`patients/${encodeURIComponent(a.patientId)}?lang=${lang}`}>
                  {displayName(props.patients.get(a.patientId), a.patientId)}
                </a>
              </th>
              <td>
                <span class="severity">{a.severity === 'critical' ? t.critical : t.warning}</span>
                <span class="alert-text">{alertText(a, props.o)}</span>
                {a.count > 1 && <span class="count">{`${a.count} ${t.times}`}</span>}
              </td>
              <td>
                <time datetime={a.openedAt}>{formatTime(a.openedAt, t.locale, timeZone)}</time>
              </td>
              <td>
                <div class="ack">
                  <label class="visually-hidden" for={noteId}>
                    {t.note}
                  </label>
                  <input type="text" id={noteId} data-note-for={a.id} maxLength={500} placeholder={t.note} />
                  <button type="button" data-ack={a.id}>
                    {t.acknowledge}
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The fragment the page's browser code puts in #alerts-list. */
export function renderAlertsFragment(
  alerts: readonly AlertRecord[],
  patients: ReadonlyMap<string, AlertPatient>,
  o: AlertsPanelOptions,
): string {
  return renderFragment(<AlertsTable alerts={alerts} patients={patients} o={o} />);
}

/** The panel's place in the page, filled by the browser code at once and on every `alert` event. */
export function AlertsSection(props: { lang: Lang }) {
  return (
    <section id="alerts" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading" data-i18n="alertsHeading">
        {dashboard.alertsHeading[props.lang]}
      </h2>
      <div id="alerts-list" aria-live="polite" />
    </section>
  );
}
