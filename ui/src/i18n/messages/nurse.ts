/** The cart's nurse page (gateway: GET /, its script GET /app.js). */
import type { Messages } from '../types.js';

export const nurse = {
  title: { fr: 'Chariot de télémédecine', en: 'Telemedicine cart' },
  patient: { fr: 'Patient', en: 'Patient' },
  clear: { fr: 'Aucun patient', en: 'No patient' },
  /** The language switch shows the other language. */
  switchLang: { fr: 'EN', en: 'FR' },
  recent: { fr: 'Dernières mesures', en: 'Latest readings' },
  none: { fr: 'Aucun patient sélectionné : les mesures sont mises en attente', en: 'No patient selected: readings are held' },
  current: { fr: 'Patient : {name}', en: 'Patient: {name}' },
  held: { fr: 'en attente de patient', en: 'waiting for a patient' },
  invalid: {
    fr: 'non valide selon l’appareil : exclue des tendances et des alertes',
    en: 'not valid, as the device said: left out of trends and alerts',
  },
  assign: { fr: 'Attribuer au patient sélectionné', en: 'Assign to the selected patient' },
  choose: { fr: '— choisir —', en: '— choose —' },
  map: { fr: 'PAM', en: 'MAP' },
  call: { fr: 'Appeler le spécialiste', en: 'Call the specialist' },
  cancelCall: { fr: 'Annuler l’appel', en: 'Cancel the call' },
  reason: { fr: 'Motif (facultatif)', en: 'Reason (optional)' },
  withSpecialist: { fr: '{status} — avec {name}', en: '{status} — with {name}' },
  needPatient: { fr: 'Choisissez d’abord le patient', en: 'Select the patient first' },
  consent: { fr: 'Consentement à la téléconsultation', en: 'Consent to the teleconsultation' },
  byPatient: { fr: 'du patient', en: 'by the patient' },
  byRep: { fr: 'de son représentant (patient hors d’état de consentir)', en: 'by their representative (patient unable to consent)' },
  repName: { fr: 'Nom du représentant', en: 'Representative’s name' },
  repRelation: { fr: 'Lien (fille, tuteur, personne de confiance…)', en: 'Relation (daughter, guardian, trusted person…)' },
  method: { fr: 'Recueilli', en: 'Given' },
  oral: { fr: 'oralement', en: 'orally' },
  written: { fr: 'par écrit', en: 'in writing' },
  confirm: {
    fr: 'J’ai informé la personne et recueilli son consentement libre et éclairé',
    en: 'I informed them and obtained their free and informed consent',
  },
  needConsent: { fr: 'Recueillez d’abord le consentement', en: 'Record the consent first' },
  actPatient: { fr: 'Patient de l’appel : {name}', en: 'Patient of the call: {name}' },
  otherSelected: { fr: 'les nouvelles mesures vont au patient sélectionné', en: 'new readings go to the selected patient' },
  refusedNoConsent: { fr: 'Appel refusé : consentement non transmis', en: 'Call refused: no consent sent' },
  refusedReadingsOne: {
    fr: '1 mesure refusée par le serveur (conservée sur le chariot, non renvoyée) ; prévenez l’administrateur. Dernier motif : {reason}',
    en: '1 reading refused by the server (kept on the cart, not resent); tell the administrator. Latest reason: {reason}',
  },
  refusedReadingsMany: {
    fr: '{n} mesures refusées par le serveur (conservées sur le chariot, non renvoyées) ; prévenez l’administrateur. Dernier motif : {reason}',
    en: '{n} readings refused by the server (kept on the cart, not resent); tell the administrator. Latest reason: {reason}',
  },
  storeNearFull: {
    fr: 'Mémoire du chariot presque pleine : les tracés (ECG, stéthoscope) ne sont plus enregistrés. Reconnectez le chariot au réseau.',
    en: 'Cart storage nearly full: waveforms (ECG, stethoscope) are no longer recorded. Bring the cart back on the network.',
  },
  storeFull: {
    fr: 'Mémoire du chariot pleine : plus aucune mesure n’est enregistrée. Reconnectez le chariot au réseau.',
    en: 'Cart storage full: no new reading is recorded. Bring the cart back on the network.',
  },
  stScheduled: { fr: 'Téléconsultation à venir', en: 'Teleconsultation scheduled' },
  stWaiting: { fr: 'Patient en salle d’attente', en: 'Patient in the waiting room' },
  stInProgress: { fr: 'Téléconsultation en cours', en: 'Teleconsultation in progress' },
  stCompleted: { fr: 'Téléconsultation finalisée', en: 'Teleconsultation completed' },
  stNotDone: { fr: 'Téléconsultation non réalisée', en: 'Teleconsultation not done' },
  stCancelled: { fr: 'Appel annulé', en: 'Call cancelled' },
  stReconnecting: {
    fr: 'Téléconsultation interrompue : reconnexion du spécialiste…',
    en: 'Teleconsultation interrupted: specialist reconnecting…',
  },
} as const satisfies Messages;
