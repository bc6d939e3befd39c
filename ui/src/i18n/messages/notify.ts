/**
 * Alert notifications sent by e-mail and SMS (cloud/src/alerts/notify/). On purpose without any
 * measured value: a rule's name, the severity, the patient's initials and a link to the dashboard
 * (behind the clinicians' login). docs/notifications.md.
 */
import type { Messages } from '../types.js';

export const notify = {
  critical: { fr: 'CRITIQUE', en: 'CRITICAL' },
  warning: { fr: 'à surveiller', en: 'to review' },
  sms: {
    fr: 'Telecart {severity} : {rule}, patient {initials}. {link}',
    en: 'Telecart {severity}: {rule}, patient {initials}. {link}',
  },
  smsEscalated: {
    fr: 'Telecart relance (non acquittée depuis {minutes} min) {severity} : {rule}, patient {initials}. {link}',
    en: 'Telecart reminder (not acknowledged for {minutes} min) {severity}: {rule}, patient {initials}. {link}',
  },
  subject: { fr: '[Telecart] Alerte {severity} : {rule} ({initials})', en: '[Telecart] Alert {severity}: {rule} ({initials})' },
  subjectEscalated: {
    fr: '[Telecart] Relance : alerte {severity} non acquittée : {rule} ({initials})',
    en: '[Telecart] Reminder: {severity} alert not acknowledged: {rule} ({initials})',
  },
  body: {
    fr: 'Alerte de télésurveillance {severity} pour le patient {initials} : {rule}.\nOuverte le {openedAt}.\n\nLes valeurs mesurées sont sur le tableau de bord (connexion requise) :\n{link}\n\nMerci d’acquitter l’alerte après sa prise en compte.',
    en: 'Telemonitoring alert ({severity}) for patient {initials}: {rule}.\nOpened on {openedAt}.\n\nThe measured values are on the dashboard (sign-in required):\n{link}\n\nPlease acknowledge the alert once handled.',
  },
  bodyEscalated: {
    fr: 'Cette alerte n’a pas été acquittée depuis {minutes} minutes : elle vous est transmise (niveau {level}).',
    en: 'This alert has not been acknowledged for {minutes} minutes: it is passed on to you (level {level}).',
  },
  digestSubject: { fr: '[Telecart] {count} alerte(s) ouverte(s) le {date}', en: '[Telecart] {count} open alert(s) on {date}' },
  digestIntro: {
    fr: 'Alertes de télésurveillance ouvertes le {date} à {time} :',
    en: 'Telemonitoring alerts open on {date} at {time}:',
  },
  digestLine: {
    fr: '- {severity} : {rule}, patient {initials}, depuis le {openedAt} : {link}',
    en: '- {severity}: {rule}, patient {initials}, since {openedAt}: {link}',
  },
  digestNone: { fr: 'Aucune alerte ouverte.', en: 'No open alert.' },
  'rule:hf-weight-gain-3d': { fr: 'prise de poids sur 3 jours', en: 'weight gain over 3 days' },
  'rule:hf-weight-gain-1d': { fr: 'prise de poids sur 24 h', en: 'weight gain over 24 h' },
  'rule:hf-no-weight': { fr: 'aucun poids reçu', en: 'no weight received' },
  'rule:bp-severe': { fr: 'tension à un niveau sévère', en: 'blood pressure at a severe level' },
  'rule:bp-above-target': { fr: 'tension au-dessus de la cible', en: 'blood pressure above target' },
  'rule:bp-no-reading': { fr: 'aucune tension reçue', en: 'no blood pressure received' },
  'rule:spo2-low': { fr: 'SpO2 basse', en: 'low SpO2' },
  'rule:spo2-drop': { fr: 'baisse de la SpO2', en: 'SpO2 drop' },
  'rule:copd-no-spo2': { fr: 'aucune SpO2 reçue', en: 'no SpO2 received' },
  'rule:glucose-severe-hypo': { fr: 'hypoglycémie sévère', en: 'severe hypoglycaemia' },
  'rule:glucose-hypo': { fr: 'hypoglycémie', en: 'hypoglycaemia' },
  'rule:glucose-hyper': { fr: 'hyperglycémie', en: 'hyperglycaemia' },
  'rule:diabetes-no-glucose': { fr: 'aucune glycémie reçue', en: 'no glucose received' },
} as const satisfies Messages;
