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
  totp: { fr: 'Code à 6 chiffres (application d’authentification)', en: '6-digit code (authenticator app)' },
  'totp-required': {
    fr: 'Saisissez le code à 6 chiffres de votre application d’authentification.',
    en: 'Enter the 6-digit code of your authenticator app.',
  },
  'totp-wrong': { fr: 'Code incorrect ou déjà utilisé.', en: 'Wrong or already used code.' },
  'totp-not-enrolled': {
    fr: 'Ce site exige un second facteur et ce compte n’en a pas : demandez son inscription.',
    en: 'This site requires a second factor and this account has none: ask for one to be enrolled.',
  },
  oidc: { fr: 'Se connecter avec {name}', en: 'Sign in with {name}' },
  or: { fr: 'ou avec un compte local :', en: 'or with a local account:' },
  signedIn: { fr: 'Connecté·e : {name}.', en: 'Signed in: {name}.' },
  continue: { fr: 'Continuer', en: 'Continue' },
  refused: { fr: 'Connexion refusée : {why}', en: 'Sign-in refused: {why}' },
  'no-pending': {
    fr: 'la connexion n’a pas été commencée depuis ce navigateur ou a pris plus de 10 minutes ; recommencez.',
    en: 'the sign-in was not started from this browser or took more than 10 minutes; start again.',
  },
  state: { fr: 'la réponse ne correspond pas à cette connexion.', en: 'the answer does not belong to this sign-in.' },
  provider: { fr: 'le fournisseur d’identité a refusé ({detail}).', en: 'the identity provider refused ({detail}).' },
  audience: {
    fr: 'le jeton d’identité a été émis pour une autre application.',
    en: 'the ID token was issued for another application.',
  },
  expired: { fr: 'le jeton d’identité a expiré.', en: 'the ID token has expired.' },
  nonce: { fr: 'le jeton d’identité appartient à une autre connexion.', en: 'the ID token belongs to another sign-in.' },
  token: { fr: 'la réponse du fournisseur d’identité est invalide.', en: 'the identity provider’s answer is invalid.' },
  acr: {
    fr: 'niveau d’authentification insuffisant ({detail}) ; ce site exige {accepted}.',
    en: 'authentication level too low ({detail}); this site requires {accepted}.',
  },
  'site-acr': {
    fr: 'niveau d’authentification insuffisant ({detail}) pour le site {site}, qui exige {accepted}.',
    en: 'authentication level too low ({detail}) for the site {site}, which requires {accepted}.',
  },
  'site-acr-password': {
    fr: 'le site {site} exige une connexion par le fournisseur d’identité (niveau {accepted}) : le mot de passe ne suffit pas.',
    en: 'the site {site} requires signing in through the identity provider (level {accepted}): a password is not enough.',
  },
  subject: {
    fr: 'le fournisseur d’identité n’a pas transmis l’identifiant du soignant.',
    en: 'the identity provider did not send the clinician’s identifier.',
  },
  disabled: { fr: 'ce compte est désactivé.', en: 'this account is disabled.' },
  'unknown-account': {
    fr: 'aucun compte de ce site n’est associé à cette identité ({detail}).',
    en: 'no account of this site is linked to this identity ({detail}).',
  },
} as const satisfies Messages;
