/**
 * The teleconsultation report (compte-rendu): the PDF the cloud renders (cloud/src/report/pdf.ts)
 * and the specialist's report editor. Section titles follow the report's structure.
 */
import type { Messages } from '../types.js';

export const report = {
  title: { fr: 'Compte-rendu de téléconsultation', en: 'Teleconsultation report' },
  patient: { fr: 'Patient', en: 'Patient' },
  ins: { fr: 'INS', en: 'INS' },
  birthDate: { fr: 'Né(e) le', en: 'Born' },
  actDate: { fr: 'Date de l’acte', en: 'Date of the act' },
  specialist: { fr: 'Spécialiste', en: 'Specialist' },
  cart: { fr: 'Chariot', en: 'Cart' },
  version: { fr: 'Version {n}', en: 'Version {n}' },
  supersedes: { fr: 'Remplace la version {n}', en: 'Supersedes version {n}' },
  reason: { fr: 'Motif', en: 'Reason' },
  history: { fr: 'Antécédents et histoire de la maladie', en: 'History' },
  examination: { fr: 'Examen clinique', en: 'Examination' },
  vitals: { fr: 'Constantes mesurées pendant l’acte', en: 'Vitals measured during the act' },
  vitalsNone: { fr: 'Aucune constante mesurée pendant l’acte.', en: 'No vitals were measured during the act.' },
  conclusion: { fr: 'Conclusion', en: 'Conclusion' },
  prescription: { fr: 'Prescription', en: 'Prescription' },
  recommendations: { fr: 'Recommandations', en: 'Recommendations' },
  empty: { fr: '(non renseigné)', en: '(not filled in)' },
  signedBy: { fr: 'Signé par {name} le {at}', en: 'Signed by {name} on {at}' },
  sha: { fr: 'Empreinte SHA-256 : {sha}', en: 'SHA-256 fingerprint: {sha}' },
  // The specialist's report page (cloud: GET /consult/acts/:sessionId/report).
  pageTitle: { fr: 'telecart — compte-rendu', en: 'telecart — report' },
  save: { fr: 'Enregistrer le brouillon', en: 'Save the draft' },
  sign: { fr: 'Signer', en: 'Sign' },
  correct: { fr: 'Corriger (nouvelle version)', en: 'Correct (new version)' },
  saved: { fr: 'Brouillon enregistré.', en: 'Draft saved.' },
  signedOk: { fr: 'Version {n} signée.', en: 'Version {n} signed.' },
  draftOf: { fr: 'Brouillon — version {n}', en: 'Draft — version {n}' },
  signedOf: { fr: 'Version {n} signée par {name} le {at}', en: 'Version {n} signed by {name} on {at}' },
  none: { fr: 'Pas encore de compte-rendu.', en: 'No report yet.' },
  readOnly: { fr: 'Seul le spécialiste de l’acte peut écrire ce compte-rendu.', en: 'Only the act’s specialist can write this report.' },
  pdf: { fr: 'PDF', en: 'PDF' },
  failed: { fr: 'Refusé : {message}', en: 'Refused: {message}' },
  // The referring GP's mail (cloud/src/outbox/report-gp-mailer.ts): a link, never the report's content.
  gpSubject: { fr: '[Telecart] Compte-rendu de téléconsultation disponible', en: '[Telecart] Teleconsultation report available' },
  gpSubjectCorrected: {
    fr: '[Telecart] Compte-rendu de téléconsultation corrigé (version {version})',
    en: '[Telecart] Teleconsultation report corrected (version {version})',
  },
  gpBody: {
    fr: 'Bonjour {gp},\n\nUn compte-rendu de téléconsultation concernant l’un de vos patients a été signé par {signer} le {signed} (version {version}). Pour le lire, téléchargez-le avec ce lien personnel, valable jusqu’au {expires} :\n\n{link}\n\nCe message ne contient aucune donnée médicale ; ne le transférez pas : le lien donne accès au document.',
    en: 'Dear {gp},\n\nA teleconsultation report about one of your patients was signed by {signer} on {signed} (version {version}). To read it, download it with this personal link, valid until {expires}:\n\n{link}\n\nThis message holds no medical data; do not forward it: the link opens the document.',
  },
} as const satisfies Messages;
