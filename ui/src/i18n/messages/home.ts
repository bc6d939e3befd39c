/**
 * The patient at home before the waiting room (cloud/src/http/routes/join-identity.ts, the join
 * page's device check): the identity code's message and the checks' verdicts and advice.
 */
import type { Messages } from '../types.js';

export const home = {
  codeSubject: { fr: '[Telecart] Votre code de confirmation', en: '[Telecart] Your confirmation code' },
  codeMessage: {
    fr: 'Telecart : votre code de confirmation est {code} (valable {minutes} minutes). Ne le communiquez à personne.',
    en: 'Telecart: your confirmation code is {code} (valid {minutes} minutes). Do not share it with anyone.',
  },
} as const satisfies Messages;
