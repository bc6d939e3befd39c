/** Dashboard wording in French (default: the users are French care teams) and English. */
import type { VitalKey } from '../vitals/summary.js';

export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export interface Texts {
  locale: string;
  title: string;
  heading: string;
  caption: string;
  patient: string;
  lastReading: string;
  noReading: string;
  noPatients: string;
  born: string;
  ins: string;
  unregistered: string;
  vitals: Record<VitalKey, string>;
  /** Live-connection states, also used by the inline script. */
  live: string;
  reconnecting: string;
  updated: string;
  refreshFailed: string;
  noScript: string;
  /** Label of the button that switches to the other language (written in that language). */
  switchTo: string;
}

export const TEXTS: Record<Lang, Texts> = {
  fr: {
    locale: 'fr-FR',
    title: 'telecart — télésurveillance',
    heading: 'Patients suivis',
    caption: 'Dernières constantes de chaque patient, mises à jour en direct',
    patient: 'Patient',
    lastReading: 'Dernière mesure',
    noReading: 'aucune mesure',
    noPatients: 'Aucun patient pour le moment.',
    born: 'né(e) le',
    ins: 'INS',
    unregistered: 'patient non enregistré',
    vitals: { bp: 'Tension artérielle', pulse: 'Pouls', spo2: 'SpO₂', weight: 'Poids', temperature: 'Température' },
    live: 'En direct',
    reconnecting: 'Connexion perdue, nouvelle tentative…',
    updated: 'Mis à jour à',
    refreshFailed: 'Mise à jour impossible, nouvel essai à la prochaine mesure',
    noScript: 'JavaScript est désactivé : rechargez la page pour voir les nouvelles mesures.',
    switchTo: 'English',
  },
  en: {
    locale: 'en-GB',
    title: 'telecart — telemonitoring',
    heading: 'Monitored patients',
    caption: "Each patient's latest vital signs, updated live",
    patient: 'Patient',
    lastReading: 'Latest reading',
    noReading: 'no reading',
    noPatients: 'No patients yet.',
    born: 'born',
    ins: 'INS',
    unregistered: 'unregistered patient',
    vitals: { bp: 'Blood pressure', pulse: 'Pulse', spo2: 'SpO₂', weight: 'Weight', temperature: 'Temperature' },
    live: 'Live',
    reconnecting: 'Connection lost, retrying…',
    updated: 'Updated at',
    refreshFailed: 'Could not refresh, will retry on the next reading',
    noScript: 'JavaScript is off: reload the page to see new readings.',
    switchTo: 'Français',
  },
};

export function isLang(v: unknown): v is Lang {
  return v === 'fr' || v === 'en';
}
