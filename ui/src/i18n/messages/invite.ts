/**
 * Appointment invitations and reminders sent by e-mail and SMS (cloud/src/outbox/appointment-messages.ts).
 * They say when and with whom, never why: the booking's reason stays in the cloud (docs/notifications.md).
 */
import type { Messages } from '../types.js';

export const invite = {
  summary: { fr: 'Téléconsultation Telecart', en: 'Telecart teleconsultation' },
  subject: { fr: '[Telecart] Téléconsultation le {when}', en: '[Telecart] Teleconsultation on {when}' },
  subjectUpdated: { fr: '[Telecart] Téléconsultation déplacée au {when}', en: '[Telecart] Teleconsultation moved to {when}' },
  subjectCancelled: { fr: '[Telecart] Téléconsultation du {when} annulée', en: '[Telecart] Teleconsultation of {when} cancelled' },
  subjectReminder: { fr: '[Telecart] Rappel : téléconsultation le {when}', en: '[Telecart] Reminder: teleconsultation on {when}' },
  body: {
    fr: 'Une téléconsultation est prévue le {when} ({minutes} min) avec {with}.\nLe rendez-vous est joint (fichier .ics) pour votre agenda.',
    en: 'A teleconsultation is booked on {when} ({minutes} min) with {with}.\nThe appointment is attached (.ics file) for your calendar.',
  },
  bodyUpdated: {
    fr: 'La téléconsultation a été déplacée : elle aura lieu le {when} ({minutes} min) avec {with}.\nLe rendez-vous joint remplace le précédent dans votre agenda.',
    en: 'The teleconsultation has been moved: it will take place on {when} ({minutes} min) with {with}.\nThe attached appointment replaces the previous one in your calendar.',
  },
  bodyCancelled: {
    fr: 'La téléconsultation du {when} avec {with} est annulée.',
    en: 'The teleconsultation of {when} with {with} is cancelled.',
  },
  bodyReminder: {
    fr: 'Rappel : téléconsultation le {when} ({minutes} min) avec {with}.',
    en: 'Reminder: teleconsultation on {when} ({minutes} min) with {with}.',
  },
  sms: { fr: 'Telecart : téléconsultation le {when} avec {with}.', en: 'Telecart: teleconsultation on {when} with {with}.' },
  smsUpdated: {
    fr: 'Telecart : votre téléconsultation est déplacée au {when} avec {with}.',
    en: 'Telecart: your teleconsultation is moved to {when} with {with}.',
  },
  smsCancelled: {
    fr: 'Telecart : la téléconsultation du {when} est annulée.',
    en: 'Telecart: the teleconsultation of {when} is cancelled.',
  },
  smsReminder: {
    fr: 'Telecart rappel : téléconsultation le {when} avec {with}.',
    en: 'Telecart reminder: teleconsultation on {when} with {with}.',
  },
  guestSubject: {
    fr: '[Telecart] {specialist} vous invite à une téléconsultation',
    en: '[Telecart] {specialist} invites you to a teleconsultation',
  },
  guestBody: {
    fr: 'Bonjour {name},\n{specialist} vous invite à rejoindre une téléconsultation en cours.\nLe lien est valable quelques heures, tant que la téléconsultation dure ; le spécialiste vous fera entrer.',
    en: 'Hello {name},\n{specialist} invites you to join a teleconsultation under way.\nThe link is valid for a few hours, while the teleconsultation lasts; the specialist will let you in.',
  },
  linkLine: {
    fr: 'Pour rejoindre la téléconsultation, ouvrez ce lien sur l’appareil que vous utiliserez (il ne s’ouvrira que sur celui-là) :\n{link}',
    en: 'To join the teleconsultation, open this link on the device you will use (it will open on that one only):\n{link}',
  },
  pool: { fr: 'un spécialiste ({specialty})', en: 'a specialist ({specialty})' },
} as const satisfies Messages;
