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
  // The home patient's mail or SMS (cloud/src/outbox/report-link-mailer.ts): a link, never the content.
  patientSubject: { fr: '[Telecart] Votre compte-rendu de téléconsultation', en: '[Telecart] Your teleconsultation report' },
  patientSubjectCorrected: {
    fr: '[Telecart] Votre compte-rendu de téléconsultation, corrigé (version {version})',
    en: '[Telecart] Your teleconsultation report, corrected (version {version})',
  },
  patientBody: {
    fr: 'Bonjour {patient},\n\nLe compte-rendu de votre téléconsultation a été signé par {signer} le {signed} (version {version}). Vous pouvez le télécharger avec ce lien personnel jusqu’au {expires} ; votre date de naissance vous sera demandée :\n\n{link}\n\nCe message ne contient aucune donnée médicale ; ne transférez pas ce lien.',
    en: 'Hello {patient},\n\nThe report of your teleconsultation was signed by {signer} on {signed} (version {version}). You can download it with this personal link until {expires}; you will be asked your date of birth:\n\n{link}\n\nThis message holds no medical data; do not forward this link.',
  },
  patientSms: {
    fr: 'Telecart : votre compte-rendu de téléconsultation (version {version}) est disponible jusqu’au {expires}, date de naissance demandée :',
    en: 'Telecart: your teleconsultation report (version {version}) is available until {expires}, date of birth asked:',
  },
  // The page a patient's link opens (cloud/src/pages/report-link/): the date of birth, then the PDF.
  linkPageTitle: { fr: 'Votre compte-rendu', en: 'Your report' },
  linkIntro: {
    fr: 'Pour ouvrir le compte-rendu de votre téléconsultation, indiquez votre date de naissance.',
    en: 'To open the report of your teleconsultation, give your date of birth.',
  },
  linkBirthDate: { fr: 'Date de naissance', en: 'Date of birth' },
  linkOpen: { fr: 'Ouvrir le compte-rendu', en: 'Open the report' },
  linkWrong: {
    fr: 'Cette date ne correspond pas. Encore {left} essai(s) avant que le lien soit bloqué.',
    en: 'This date does not match. {left} more attempt(s) before the link is locked.',
  },
  linkLocked: {
    fr: 'Ce lien est bloqué après trop d’essais. Demandez un nouveau lien au service qui vous a suivi.',
    en: 'This link is locked after too many attempts. Ask the service that saw you for a new link.',
  },
  linkExpired: {
    fr: 'Ce lien a expiré le {expires}. Demandez un nouveau lien au service qui vous a suivi.',
    en: 'This link expired on {expires}. Ask the service that saw you for a new link.',
  },
  linkNoBirthDate: {
    fr: 'Votre date de naissance n’est pas connue du service : ce lien ne peut pas être ouvert. Contactez le service qui vous a suivi.',
    en: 'The service does not have your date of birth: this link cannot be opened. Contact the service that saw you.',
  },
} as const satisfies Messages;
