/**
 * The care team's dashboard (cloud: GET /): the patient table, the alerts panel, the carts and
 * home boxes panel. Keys named in the page's data-i18n attributes (title, heading, signedInAs,
 * logout, alertsHeading) are switched in place by the browser code. Vital-sign labels come from
 * @telecart/devices. The `rule:` messages word each alert rule; their placeholders are the
 * alert's values, formatted by the page (digits, sign); `…:last` adds the date of the last reading.
 */
import type { Messages } from '../types.js';

export const dashboard = {
  /** Number and date formats (not shown as text). */
  locale: { fr: 'fr-FR', en: 'en-GB' },
  title: { fr: 'telecart — télésurveillance', en: 'telecart — telemonitoring' },
  heading: { fr: 'Patients suivis', en: 'Monitored patients' },
  caption: { fr: 'Dernières constantes de chaque patient, mises à jour en direct', en: "Each patient's latest vital signs, updated live" },
  patient: { fr: 'Patient', en: 'Patient' },
  noReading: { fr: 'aucune mesure', en: 'no reading' },
  noPatients: { fr: 'Aucun patient pour le moment.', en: 'No patients yet.' },
  born: { fr: 'né(e) le', en: 'born' },
  ins: { fr: 'INS', en: 'INS' },
  unregistered: { fr: 'patient non enregistré', en: 'unregistered patient' },
  live: { fr: 'En direct', en: 'Live' },
  reconnecting: { fr: 'Connexion perdue, nouvelle tentative…', en: 'Connection lost, retrying…' },
  updated: { fr: 'Mis à jour à', en: 'Updated at' },
  refreshFailed: {
    fr: 'Mise à jour impossible, nouvel essai à la prochaine mesure',
    en: 'Could not refresh, will retry on the next reading',
  },
  noScript: {
    fr: 'JavaScript est désactivé : rechargez la page pour voir les nouvelles mesures.',
    en: 'JavaScript is off: reload the page to see new readings.',
  },
  signedInAs: { fr: 'Connecté(e) :', en: 'Signed in:' },
  logout: { fr: 'Se déconnecter', en: 'Sign out' },

  // The carts and home boxes panel.
  gatewaysHeading: { fr: 'Chariots et box', en: 'Carts and home boxes' },
  gateway: { fr: 'Passerelle', en: 'Gateway' },
  connection: { fr: 'Connexion', en: 'Connection' },
  online: { fr: 'en ligne', en: 'online' },
  offline: { fr: 'hors ligne', en: 'offline' },
  backlog: { fr: 'Mesures à transmettre', en: 'Readings to send' },
  held: { fr: 'en attente de patient', en: 'waiting for a patient' },
  oldest: { fr: 'la plus ancienne', en: 'oldest' },
  store: { fr: 'Stockage local', en: 'Local store' },
  storeOk: { fr: 'normal', en: 'normal' },
  storeNearFull: { fr: 'presque plein : enregistrement des tracés suspendu', en: 'nearly full: waveform capture paused' },
  storeFull: { fr: 'plein : plus aucune mesure enregistrée', en: 'full: no new reading is recorded' },
  gatewaysNone: { fr: 'Aucune passerelle ne s’est encore annoncée.', en: 'No gateway has reported yet.' },
  lastSeen: { fr: 'dernier signe de vie', en: 'last heard' },

  // The telemonitoring alerts panel.
  alertsHeading: { fr: 'Alertes de télésurveillance', en: 'Telemonitoring alerts' },
  alertsCaption: { fr: 'Alertes ouvertes : critiques d’abord, puis les plus récentes', en: 'Open alerts: critical first, then the newest' },
  alertsNone: { fr: 'Aucune alerte ouverte.', en: 'No open alert.' },
  alert: { fr: 'Alerte', en: 'Alert' },
  since: { fr: 'Depuis', en: 'Since' },
  action: { fr: 'Prise en compte', en: 'Acknowledgement' },
  critical: { fr: 'Critique', en: 'Critical' },
  warning: { fr: 'Attention', en: 'Warning' },
  times: { fr: 'déclenchements', en: 'triggers' },
  note: { fr: 'Note (facultative)', en: 'Note (optional)' },
  acknowledge: { fr: 'Acquitter', en: 'Acknowledge' },
  'rule:hf-weight-gain-3d': {
    fr: 'Poids {gainKg} kg en 3 jours ({fromKg} → {toKg} kg)',
    en: 'Weight {gainKg} kg in 3 days ({fromKg} → {toKg} kg)',
  },
  'rule:hf-weight-gain-1d': {
    fr: 'Poids {gainKg} kg en 24 h ({fromKg} → {toKg} kg)',
    en: 'Weight {gainKg} kg in 24 h ({fromKg} → {toKg} kg)',
  },
  'rule:hf-no-weight': { fr: 'Aucun poids reçu depuis {silentDays} jours', en: 'No weight received for {silentDays} days' },
  'rule:hf-no-weight:last': {
    fr: 'Aucun poids reçu depuis {silentDays} jours (dernier : {lastAt})',
    en: 'No weight received for {silentDays} days (last: {lastAt})',
  },
  'rule:bp-severe': {
    fr: 'Tension sévère {systolic}/{diastolic} mmHg (seuil {thresholdSystolic}/{thresholdDiastolic})',
    en: 'Severe blood pressure {systolic}/{diastolic} mmHg (threshold {thresholdSystolic}/{thresholdDiastolic})',
  },
  'rule:bp-above-target': {
    fr: 'Tension moyenne {meanSystolic}/{meanDiastolic} mmHg sur {days} jours ({readings} mesures ; cible < {thresholdSystolic}/{thresholdDiastolic})',
    en: 'Mean blood pressure {meanSystolic}/{meanDiastolic} mmHg over {days} days ({readings} readings; target < {thresholdSystolic}/{thresholdDiastolic})',
  },
  'rule:bp-no-reading': { fr: 'Aucune tension reçue depuis {silentDays} jours', en: 'No blood pressure received for {silentDays} days' },
  'rule:bp-no-reading:last': {
    fr: 'Aucune tension reçue depuis {silentDays} jours (dernière : {lastAt})',
    en: 'No blood pressure received for {silentDays} days (last: {lastAt})',
  },
  'rule:spo2-low': { fr: 'SpO2 {spo2} % (seuil {threshold} %)', en: 'SpO2 {spo2} % (threshold {threshold} %)' },
  'rule:spo2-drop': {
    fr: 'SpO2 {spo2} %, −{drop} points sous la référence de {baseline} %',
    en: 'SpO2 {spo2} %, {drop} points below the baseline of {baseline} %',
  },
  'rule:copd-no-spo2': { fr: 'Aucune SpO2 reçue depuis {silentDays} jours', en: 'No SpO2 received for {silentDays} days' },
  'rule:copd-no-spo2:last': {
    fr: 'Aucune SpO2 reçue depuis {silentDays} jours (dernière : {lastAt})',
    en: 'No SpO2 received for {silentDays} days (last: {lastAt})',
  },
  'rule:glucose-severe-hypo': {
    fr: 'Hypoglycémie sévère {mgdl} mg/dL ({mmoll} mmol/L ; seuil {threshold})',
    en: 'Severe hypoglycaemia {mgdl} mg/dL ({mmoll} mmol/L; threshold {threshold})',
  },
  'rule:glucose-hypo': {
    fr: 'Hypoglycémie {mgdl} mg/dL ({mmoll} mmol/L ; seuil {threshold})',
    en: 'Hypoglycaemia {mgdl} mg/dL ({mmoll} mmol/L; threshold {threshold})',
  },
  'rule:glucose-hyper': {
    fr: 'Hyperglycémie {mgdl} mg/dL ({mmoll} mmol/L ; seuil {threshold})',
    en: 'Hyperglycaemia {mgdl} mg/dL ({mmoll} mmol/L; threshold {threshold})',
  },
  'rule:diabetes-no-glucose': { fr: 'Aucune glycémie reçue depuis {silentDays} jours', en: 'No glucose received for {silentDays} days' },
  'rule:diabetes-no-glucose:last': {
    fr: 'Aucune glycémie reçue depuis {silentDays} jours (dernière : {lastAt})',
    en: 'No glucose received for {silentDays} days (last: {lastAt})',
  },
} as const satisfies Messages;
