/**
 * The demo's mailbox page (cli/src/pages/mailbox/): the e-mails and SMS the demo's cloud sent,
 * caught on this machine.
 */
import type { Messages } from '../types.js';

export const mailbox = {
  pageTitle: { fr: 'Boîte aux lettres de la démo Telecart', en: 'Telecart demo mailbox' },
  title: { fr: 'Messages envoyés par la démo', en: 'Messages the demo sent' },
  intro: {
    fr: 'Les e-mails et SMS que le cloud de la démo a envoyés (invitations, rappels, liens) arrivent ici : rien ne quitte cette machine. La page se met à jour toutes les 15 secondes.',
    en: 'The e-mails and SMS the demo’s cloud sent (invitations, reminders, links) arrive here: nothing leaves this machine. The page refreshes every 15 seconds.',
  },
  empty: { fr: 'Aucun message pour l’instant.', en: 'No message yet.' },
  dropped: {
    fr: '{count} messages plus anciens ne sont plus gardés (seuls les {max} derniers le sont).',
    en: '{count} older messages are no longer kept (only the last {max} are).',
  },
  received: { fr: 'Reçu', en: 'Received' },
  kind: { fr: 'Type', en: 'Kind' },
  from: { fr: 'De', en: 'From' },
  to: { fr: 'À', en: 'To' },
  subject: { fr: 'Objet', en: 'Subject' },
  'kind:email': { fr: 'e-mail', en: 'e-mail' },
  'kind:sms': { fr: 'SMS', en: 'SMS' },
  noSubject: { fr: '(SMS, sans objet)', en: '(SMS, no subject)' },
  attachments: { fr: 'Pièces jointes', en: 'Attachments' },
  back: { fr: 'Tous les messages', en: 'All messages' },
  notFound: {
    fr: 'Ce message n’existe pas ou n’est plus gardé.',
    en: 'This message does not exist or is no longer kept.',
  },
} as const satisfies Messages;
