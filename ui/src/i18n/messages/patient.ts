/**
 * A patient's trends page (cloud: GET /patients/:id). {placeholders} are filled by the server or
 * the page's bundle. Vital labels are not here: they come from @telecart/devices' vitals catalogue.
 */
import type { Messages } from '../types.js';

export const patient = {
  /** Locale of the dates and numbers shown (not a visible text). */
  locale: { fr: 'fr-FR', en: 'en-GB' },
  /** Page title: {name} is the patient. */
  title: { fr: '{name} — tendances — telecart', en: '{name} — trends — telecart' },
  back: { fr: '← Tableau de bord', en: '← Dashboard' },
  exportFhir: { fr: 'Exporter la période (FHIR)', en: 'Export the period (FHIR)' },
  born: { fr: 'né(e) le', en: 'born' },
  ins: { fr: 'INS', en: 'INS' },
  unregistered: { fr: 'patient non enregistré', en: 'unregistered patient' },
  trends: { fr: 'Tendances', en: 'Trends' },
  period: { fr: 'Période', en: 'Period' },
  /** Period button: {n} days. */
  days: { fr: '{n} jours', en: '{n} days' },
  latest: { fr: 'Dernières mesures', en: 'Latest readings' },
  /** The patient's open alerts above the charts (the same words as the dashboard's alerts panel). */
  alertsHeading: { fr: 'Alertes de télésurveillance', en: 'Telemonitoring alerts' },
  alertCritical: { fr: 'Critique', en: 'Critical' },
  alertWarning: { fr: 'Attention', en: 'Warning' },
  alertSince: { fr: 'Depuis', en: 'Since' },
  /** Link under the patient's open alerts. */
  acknowledgeOnDashboard: { fr: 'Acquitter depuis le tableau de bord', en: 'Acknowledge on the dashboard' },
  colVital: { fr: 'Constante', en: 'Vital sign' },
  colValue: { fr: 'Valeur', en: 'Value' },
  colTime: { fr: 'Date', en: 'Time' },
  colFlags: { fr: 'Alertes', en: 'Alerts' },
  noLatest: { fr: 'Aucune mesure enregistrée.', en: 'No reading recorded.' },
  seriesSystolic: { fr: 'Systolique', en: 'Systolic' },
  seriesDiastolic: { fr: 'Diastolique', en: 'Diastolic' },
  loading: { fr: 'Chargement des mesures…', en: 'Loading readings…' },
  loadFailed: {
    fr: 'Chargement impossible. Rechargez la page pour réessayer.',
    en: 'Could not load the readings. Reload the page to try again.',
  },
  /** Vitals without a reading in the period: followed by their names. */
  noneInPeriod: { fr: 'Aucune mesure sur la période :', en: 'No reading in this period:' },
  /** Text alternative of a chart: {count} is readingsOne or readingsOther. */
  summary: { fr: '{vital} : {count} du {first} au {last}.', en: '{vital}: {count} from {first} to {last}.' },
  readingsOne: { fr: '{n} mesure', en: '{n} reading' },
  readingsOther: { fr: '{n} mesures', en: '{n} readings' },
  summarySeries: {
    fr: '{series} minimum {min} le {minAt}, maximum {max} le {maxAt}, dernière valeur {lastV} le {lastAt}.',
    en: '{series} lowest {min} on {minAt}, highest {max} on {maxAt}, latest {lastV} on {lastAt}.',
  },
  /** A series' name before its figures when a chart has two (blood pressure). */
  seriesPrefix: { fr: '{series} :', en: '{series}:' },
  truncated: {
    fr: 'Seules les {n} mesures les plus récentes de la période sont tracées.',
    en: 'Only the {n} most recent readings of the period are drawn.',
  },
  skipped: {
    fr: '{n} mesures dans une unité non convertible ne sont pas tracées.',
    en: '{n} readings in a unit that cannot be converted are not drawn.',
  },
  threshold: { fr: 'seuil', en: 'threshold' },
  noScript: {
    fr: 'JavaScript est désactivé : les courbes ne peuvent pas être tracées. Le tableau des dernières mesures reste lisible.',
    en: 'JavaScript is off: the charts cannot be drawn. The latest readings table is still there.',
  },
  notFound: { fr: 'Patient introuvable', en: 'Patient not found' },
  notFoundText: {
    fr: 'Ce patient n’existe pas ou ne fait pas partie de vos chariots.',
    en: 'This patient does not exist or is not one of your carts’ patients.',
  },
} as const satisfies Messages;
