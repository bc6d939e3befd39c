/**
 * Transitional: the alerts panel moved to pages/dashboard/alerts-panel.tsx, its words to the
 * catalogue (ui, namespace `dashboard`). The patient page and routes/alerts.ts still import from
 * here; ALERT_TEXTS keeps the old shape, built from the catalogue. Goes when they have moved.
 */
import { dashboard, LANGS, type Lang } from '@telecart/ui';

export { type AlertPatient, alertText, renderAlertsFragment, sortAlerts } from '../pages/dashboard/alerts-panel.js';

const textsOf = (l: Lang) => ({
  locale: dashboard.locale[l],
  heading: dashboard.alertsHeading[l],
  caption: dashboard.alertsCaption[l],
  none: dashboard.alertsNone[l],
  patient: dashboard.patient[l],
  alert: dashboard.alert[l],
  since: dashboard.since[l],
  action: dashboard.action[l],
  critical: dashboard.critical[l],
  warning: dashboard.warning[l],
  times: dashboard.times[l],
  note: dashboard.note[l],
  acknowledge: dashboard.acknowledge[l],
});

export const ALERT_TEXTS: Record<Lang, ReturnType<typeof textsOf>> = Object.fromEntries(LANGS.map((l) => [l, textsOf(l)])) as Record<
  Lang,
  ReturnType<typeof textsOf>
>;
