/** Dashboard wording in French (default: the users are French care teams) and English. */
import { SUMMARY_VITALS, vitalLabels } from '@telecart/devices';
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
  /** The signed-in clinician and the sign-out button. */
  signedInAs: string;
  logout: string;
  /** The carts and home boxes panel (operator view). */
  gateways: {
    heading: string;
    gateway: string;
    connection: string;
    online: string;
    offline: string;
    backlog: string;
    held: string;
    oldest: string;
    store: string;
    storeLevels: Record<'ok' | 'near-full' | 'full', string>;
    none: string;
    lastSeen: string;
  };
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
    vitals: vitalLabels(SUMMARY_VITALS, 'fr'),
    live: 'En direct',
    reconnecting: 'Connexion perdue, nouvelle tentative…',
    updated: 'Mis à jour à',
    refreshFailed: 'Mise à jour impossible, nouvel essai à la prochaine mesure',
    noScript: 'JavaScript est désactivé : rechargez la page pour voir les nouvelles mesures.',
    switchTo: 'English',
    signedInAs: 'Connecté(e) :',
    logout: 'Se déconnecter',
    gateways: {
      heading: 'Chariots et box',
      gateway: 'Passerelle',
      connection: 'Connexion',
      online: 'en ligne',
      offline: 'hors ligne',
      backlog: 'Mesures à transmettre',
      held: 'en attente de patient',
      oldest: 'la plus ancienne',
      store: 'Stockage local',
      storeLevels: {
        ok: 'normal',
        'near-full': 'presque plein : enregistrement des tracés suspendu',
        full: 'plein : plus aucune mesure enregistrée',
      },
      none: 'Aucune passerelle ne s’est encore annoncée.',
      lastSeen: 'dernier signe de vie',
    },
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
    vitals: vitalLabels(SUMMARY_VITALS, 'en'),
    live: 'Live',
    reconnecting: 'Connection lost, retrying…',
    updated: 'Updated at',
    refreshFailed: 'Could not refresh, will retry on the next reading',
    noScript: 'JavaScript is off: reload the page to see new readings.',
    switchTo: 'Français',
    signedInAs: 'Signed in:',
    logout: 'Sign out',
    gateways: {
      heading: 'Carts and home boxes',
      gateway: 'Gateway',
      connection: 'Connection',
      online: 'online',
      offline: 'offline',
      backlog: 'Readings to send',
      held: 'waiting for a patient',
      oldest: 'oldest',
      store: 'Local store',
      storeLevels: { ok: 'normal', 'near-full': 'nearly full: waveform capture paused', full: 'full: no new reading is recorded' },
      none: 'No gateway has reported yet.',
      lastSeen: 'last heard',
    },
  },
};

export function isLang(v: unknown): v is Lang {
  return v === 'fr' || v === 'en';
}
