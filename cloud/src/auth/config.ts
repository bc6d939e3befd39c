/** The `auth` section of the cloud configuration: sign-in with the hospital's OpenID Connect provider. */
import { CloneType, type Static, Type } from '@sinclair/typebox';

const AcrValue = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' });

export const OidcConfig = Type.Object(
  {
    issuer: Type.String({
      pattern: '^https?://[^\\s]+$',
      maxLength: 512,
      description:
        'the provider, as its discovery document names it (…/.well-known/openid-configuration is read at start); https, or http on a loopback address only',
    }),
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'shown on the sign-in page as "Se connecter avec <name>", e.g. "Pro Santé Connect"',
    }),
    clientId: Type.String({ minLength: 1, maxLength: 256, description: 'client_id the provider registered this cloud under' }),
    clientSecretFile: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'file holding the client secret (client_secret_post); read at start',
    }),
    redirectUri: Type.String({
      pattern: '^https?://[^\\s]+/auth/oidc/callback$',
      maxLength: 512,
      description: 'this cloud’s callback as the browser reaches it, registered at the provider: https://<public host>/auth/oidc/callback',
    }),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' }), {
      default: ['openid'],
      maxItems: 16,
      description: 'scopes asked for; must include openid (Pro Santé Connect: openid scope_all)',
    }),
    acr: Type.Object(
      {
        request: Type.Array(AcrValue, {
          default: [],
          maxItems: 8,
          description: 'acr_values sent with the request (Pro Santé Connect asks for eidas1)',
        }),
        accept: Type.Array(AcrValue, {
          default: [],
          maxItems: 8,
          description:
            'the site policy: the ID token’s acr must be one of these, else the sign-in is refused (empty = any level, acr still recorded)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'authentication level (acr) asked for and required' },
    ),
    subjectClaim: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'sub',
      description:
        'claim naming the clinician, matched against teleconsult.specialists[].oidcSubject: sub, or a claim of the ID token or userinfo such as Pro Santé Connect’s SubjectNameID',
    }),
  },
  { additionalProperties: false },
);
export type OidcConfig = Static<typeof OidcConfig>;

export const AuthConfig = Type.Object(
  {
    oidc: Type.Optional(
      CloneType(OidcConfig, {
        description:
          'sign-in with the hospital’s OpenID Connect provider or Pro Santé Connect (authorization code + PKCE); without it, passwords only',
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'how clinicians sign in (docs/security.md, "Sign-in")' },
);
export type AuthConfig = Static<typeof AuthConfig>;
