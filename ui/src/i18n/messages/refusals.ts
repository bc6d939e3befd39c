/**
 * The cloud's refusals shown to users, in the request's language (cloud/src/http/request-lang.ts);
 * the JSON reply also carries the key as a stable machine `code`. Appointments (teleconsult/appointments.ts).
 * The English text is the one the audit trail keeps.
 */
import type { Messages } from '../types.js';

export const refusals = {
  'appointment-invalid': { fr: 'demande refusée : {detail}', en: '{detail}' },
  'appointment-start-not-date': { fr: 'le début n’est pas une date et une heure', en: 'the start is not a date and time' },
  'appointment-duration': {
    fr: 'la durée doit être de {min} à {max} minutes (reçu : {minutes})',
    en: 'the duration must be {min} to {max} minutes (got {minutes})',
  },
  'appointment-start-past': {
    fr: 'le début {start} est dans le passé (il est {now})',
    en: 'the start {start} is in the past (now {now})',
  },
  'appointment-cart-not-yours': { fr: 'le chariot {cart} n’est pas l’un des vôtres', en: 'cart {cart} is not one of yours' },
  'appointment-specialist-or-pool': {
    fr: 'nommez un spécialiste ou l’équipe d’une spécialité (l’un ou l’autre, pas les deux)',
    en: 'name a specialist or a specialty’s pool (one of them, not both)',
  },
  'appointment-unknown-specialist': { fr: 'spécialiste inconnu : {specialist}', en: 'unknown specialist {specialist}' },
  'appointment-specialist-not-serving': {
    fr: 'le spécialiste {specialist} ne dessert pas le chariot {cart}',
    en: 'specialist {specialist} does not serve cart {cart}',
  },
  'appointment-empty-pool': {
    fr: 'aucun spécialiste de l’équipe {specialty} ne dessert le chariot {cart}',
    en: 'no specialist of the {specialty} pool serves cart {cart}',
  },
  'appointment-unknown-patient': { fr: 'patient inconnu : {patient}', en: 'unknown patient {patient}' },
  'appointment-patient-not-assigned': {
    fr: 'le patient {patient} n’est pas affecté à {cart} (affecté à : {carts})',
    en: 'patient {patient} is not assigned to {cart} (assigned: {carts})',
  },
  'appointment-overlap': {
    fr: 'le créneau chevauche le rendez-vous {id} ({start} à {end}, chariot {cart}, statut {status})',
    en: 'the slot overlaps appointment {id} ({start} to {end}, cart {cart}, status {status})',
  },
  'appointment-bad-status': {
    fr: 'le rendez-vous {id} n’est plus à venir (statut {status}) : il ne peut plus être changé',
    en: 'appointment {id} is no longer scheduled (status {status}): it cannot be changed',
  },
  'appointment-not-found': { fr: 'aucun rendez-vous {id}', en: 'no appointment {id}' },
} as const satisfies Messages;

export type RefusalCode = keyof typeof refusals;
