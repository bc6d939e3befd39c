/** Wording of the patient trends page, French (default) and English. Placeholders {x} are filled by the page script. */
import { TREND_VITALS, vitalLabels } from '@telecart/devices';
import type { Lang } from '../dashboard/i18n.js';
import type { TrendKey } from './trends.js';

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

export interface TrendTexts {
  locale: string;
  /** Page title: {name} is the patient. */
  title: string;
  back: string;
  exportFhir: string;
  switchTo: string;
  born: string;
  ins: string;
  unregistered: string;
  trends: string;
  period: string;
  /** Button label: {n} days. */
  days: string;
  latest: string;
  /** Link under the patient's open alerts. */
  acknowledgeOnDashboard: string;
  colVital: string;
  colValue: string;
  colTime: string;
  colFlags: string;
  noLatest: string;
  vitals: Record<TrendKey, string>;
  series: { systolic: string; diastolic: string };
  loading: string;
  loadFailed: string;
  /** Vitals without a reading in the period: followed by their names. */
  noneInPeriod: string;
  /** Text alternative of a chart: {count} is a number of readings. */
  summary: string;
  readings: { one: string; other: string };
  summarySeries: string;
  truncated: string;
  skipped: string;
  threshold: string;
  noScript: string;
  notFound: string;
  notFoundText: string;
}

export const TREND_TEXTS: Record<Lang, TrendTexts> = {
  fr: {
    locale: 'fr-FR',
    title: '{name} — tendances — telecart',
    back: '← Tableau de bord',
    exportFhir: 'Exporter la période (FHIR)',
    switchTo: 'English',
    born: 'né(e) le',
    ins: 'INS',
    unregistered: 'patient non enregistré',
    trends: 'Tendances',
    period: 'Période',
    days: '{n} jours',
    latest: 'Dernières mesures',
    acknowledgeOnDashboard: 'Acquitter depuis le tableau de bord',
    colVital: 'Constante',
    colValue: 'Valeur',
    colTime: 'Date',
    colFlags: 'Alertes',
    noLatest: 'Aucune mesure enregistrée.',
    vitals: vitalLabels(TREND_VITALS, 'fr'),
    series: { systolic: 'Systolique', diastolic: 'Diastolique' },
    loading: 'Chargement des mesures…',
    loadFailed: 'Chargement impossible. Rechargez la page pour réessayer.',
    noneInPeriod: 'Aucune mesure sur la période :',
    summary: '{vital} : {count} du {first} au {last}.',
    readings: { one: '{n} mesure', other: '{n} mesures' },
    summarySeries: '{series} minimum {min} le {minAt}, maximum {max} le {maxAt}, dernière valeur {lastV} le {lastAt}.',
    truncated: 'Seules les {n} mesures les plus récentes de la période sont tracées.',
    skipped: '{n} mesures dans une unité non convertible ne sont pas tracées.',
    threshold: 'seuil',
    noScript: 'JavaScript est désactivé : les courbes ne peuvent pas être tracées. Le tableau des dernières mesures reste lisible.',
    notFound: 'Patient introuvable',
    notFoundText: 'Ce patient n’existe pas ou ne fait pas partie de vos chariots.',
  },
  en: {
    locale: 'en-GB',
    title: '{name} — trends — telecart',
    back: '← Dashboard',
    exportFhir: 'Export the period (FHIR)',
    switchTo: 'Français',
    born: 'born',
    ins: 'INS',
    unregistered: 'unregistered patient',
    trends: 'Trends',
    period: 'Period',
    days: '{n} days',
    latest: 'Latest readings',
    acknowledgeOnDashboard: 'Acknowledge on the dashboard',
    colVital: 'Vital sign',
    colValue: 'Value',
    colTime: 'Time',
    colFlags: 'Alerts',
    noLatest: 'No reading recorded.',
    vitals: vitalLabels(TREND_VITALS, 'en'),
    series: { systolic: 'Systolic', diastolic: 'Diastolic' },
    loading: 'Loading readings…',
    loadFailed: 'Could not load the readings. Reload the page to try again.',
    noneInPeriod: 'No reading in this period:',
    summary: '{vital}: {count} from {first} to {last}.',
    readings: { one: '{n} reading', other: '{n} readings' },
    summarySeries: '{series} lowest {min} on {minAt}, highest {max} on {maxAt}, latest {lastV} on {lastAt}.',
    truncated: 'Only the {n} most recent readings of the period are drawn.',
    skipped: '{n} readings in a unit that cannot be converted are not drawn.',
    threshold: 'threshold',
    noScript: 'JavaScript is off: the charts cannot be drawn. The latest readings table is still there.',
    notFound: 'Patient not found',
    notFoundText: 'This patient does not exist or is not one of your carts’ patients.',
  },
};
