/**
 * The patient's join page of a home act (cloud/src/pages/join/), opened from the invitation's link:
 * when the teleconsultation is, and that the specialist will let them in.
 */
import type { Messages } from '../types.js';

export const join = {
  pageTitle: { fr: 'Téléconsultation Telecart', en: 'Telecart teleconsultation' },
  title: { fr: 'Votre téléconsultation', en: 'Your teleconsultation' },
  when: { fr: 'Le {when}, avec {with}.', en: 'On {when}, with {with}.' },
  admit: {
    fr: 'Le moment venu, restez sur cette page : le spécialiste vous fera entrer dans la consultation.',
    en: 'When the time comes, stay on this page: the specialist will let you into the consultation.',
  },
  device: {
    fr: 'Ce lien ne s’ouvre que sur cet appareil : gardez-le pour la consultation.',
    en: 'This link opens on this device only: keep it for the consultation.',
  },
  refusedTitle: { fr: 'Ce lien ne peut pas être ouvert', en: 'This link cannot be opened' },
  refusedHelp: {
    fr: 'Si vous pensez que c’est une erreur, contactez le service qui vous a invité.',
    en: 'If you think this is a mistake, contact the service that invited you.',
  },
  'reason:malformed': {
    fr: 'Ce lien n’est pas complet : vérifiez qu’il a été copié en entier.',
    en: 'This link is not complete: check it was copied whole.',
  },
  'reason:unknown': { fr: 'Aucune téléconsultation à ce lien.', en: 'No teleconsultation at this link.' },
  'reason:other-act': {
    fr: 'Ce lien est celui d’une autre téléconsultation : ouvrez le lien de celle-ci.',
    en: 'This link is for another teleconsultation: open the link of this one.',
  },
  'reason:expired': {
    fr: 'Ce lien a expiré : la téléconsultation est terminée.',
    en: 'This link has expired: the teleconsultation is over.',
  },
  'reason:superseded': {
    fr: 'La téléconsultation a été déplacée : ouvrez le lien de la dernière invitation.',
    en: 'The teleconsultation was moved: open the link of the latest invitation.',
  },
  'reason:closed': { fr: 'Cette téléconsultation est annulée ou terminée.', en: 'This teleconsultation is cancelled or over.' },
  'reason:other-device': {
    fr: 'Ce lien a déjà été ouvert sur un autre appareil : utilisez cet appareil, ou demandez un nouveau lien.',
    en: 'This link was already opened on another device: use that device, or ask for a new link.',
  },
  'reason:removed': {
    fr: 'Le spécialiste vous a retiré de cette téléconsultation : ce lien ne l’ouvre plus.',
    en: 'The specialist removed you from this teleconsultation: this link no longer opens it.',
  },
} as const satisfies Messages;
