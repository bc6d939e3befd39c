/** The care team's sign-in page (cloud: GET /login). */
import type { Messages } from '../types.js';

export const login = {
  title: { fr: 'telecart — connexion', en: 'telecart — sign in' },
  heading: { fr: 'Connexion de l’équipe soignante', en: 'Care team sign-in' },
  id: { fr: 'Identifiant', en: 'User id' },
  password: { fr: 'Mot de passe', en: 'Password' },
  submit: { fr: 'Se connecter', en: 'Sign in' },
  failed: { fr: 'Identifiant ou mot de passe incorrect.', en: 'Unknown id or wrong password.' },
  locked: { fr: 'Trop d’essais : réessayez dans {s} s.', en: 'Too many attempts: try again in {s} s.' },
  error: { fr: 'Connexion impossible pour le moment, réessayez.', en: 'Cannot sign in right now, try again.' },
} as const satisfies Messages;
