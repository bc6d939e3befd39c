/**
 * Sign-in with the hospital's OpenID Connect provider (or Pro Santé Connect): authorization code
 * with PKCE, state and nonce, through openid-client (a certified relying party), which checks the
 * ID token's signature, issuer, audience, expiry and nonce. On top of it this module checks the
 * authentication level (acr) against the site's policy and names the clinician by a configured
 * claim. Nothing here touches HTTP: the routes (http/routes/oidc-auth.ts) carry the values.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import type { OidcConfig } from './config.js';

/** Why a sign-in was refused: each has its own message on the page and in the audit trail. */
export type OidcRefusalReason =
  | 'no-pending' // no sign-in started from this browser, or it took too long
  | 'state' // the answer does not belong to the sign-in this browser started
  | 'provider' // the provider answered with an error (access_denied, …)
  | 'audience' // ID token for another client
  | 'expired' // ID token expired (or not yet valid)
  | 'nonce' // ID token of another sign-in
  | 'token' // any other check of the token exchange or the ID token
  | 'acr' // authentication level below the cloud's policy
  | 'site-acr' // authentication level below the policy of a site the account reaches
  | 'subject' // the naming claim is missing
  | 'unknown-account' // no configured account has this subject
  | 'disabled'; // the account of this subject is disabled

export class OidcRefusal extends Error {
  constructor(
    readonly reason: OidcRefusalReason,
    message: string,
    /** The subject, when the ID token was good enough to name one. */
    readonly subject?: string,
    /** The site whose policy refused the level ('site-acr'). */
    readonly site?: { name: string; accept: readonly string[] },
  ) {
    super(message);
  }
}

/** What the provider vouched for, kept on the login and written to the audit trail. */
export interface OidcIdentity {
  subject: string;
  acr: string | null;
  amr: string[];
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
  lang: string;
  expiresAt: number;
}

/** A started sign-in is valid this long (the clinician types a password, maybe inserts a card). */
const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/** Every message along an error's cause chain (openid-client wraps the precise one). */
function messages(e: unknown): string {
  const out: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    out.push(cur.message);
    cur = cur.cause;
  }
  return out.join(': ');
}

/** The refusal an openid-client error stands for. */
export function refusalOf(e: unknown): OidcRefusal {
  if (e instanceof OidcRefusal) return e;
  const text = messages(e);
  if (e instanceof client.AuthorizationResponseError)
    return new OidcRefusal('provider', `the provider refused: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`);
  if (/"state" response parameter/.test(text)) return new OidcRefusal('state', `the answer does not match this sign-in (${text})`);
  if (/"aud" \(audience\)|untrusted audiences|"azp"/.test(text))
    return new OidcRefusal('audience', `the ID token was issued for another application (${text})`);
  if (/"exp" \(expiration time\)|"nbf" \(not before\)|"iat" \(issued at\)/.test(text))
    return new OidcRefusal('expired', `the ID token has expired or is not valid yet (${text})`);
  if (/"nonce"/.test(text)) return new OidcRefusal('nonce', `the ID token belongs to another sign-in (${text})`);
  return new OidcRefusal('token', `the provider's answer failed a check (${text})`);
}

/** The ID token's acr against the site's policy: `accept` empty means any level. */
export function checkAcr(acr: unknown, accept: readonly string[]): string | null {
  const value = typeof acr === 'string' ? acr : null;
  if (accept.length > 0 && (value === null || !accept.includes(value)))
    throw new OidcRefusal(
      'acr',
      `authentication level ${value === null ? '(none)' : JSON.stringify(value)} is below the site policy (accepted: ${accept.join(', ')})`,
    );
  return value;
}

function stringClaim(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

export interface OidcSignInOptions {
  config: OidcConfig;
  clientSecret: string;
  now?: () => number;
}

export class OidcSignIn {
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;

  private constructor(
    readonly config: OidcConfig,
    private readonly rp: client.Configuration,
    now: () => number,
  ) {
    this.now = now;
  }

  /** Reads the provider's discovery document; a provider that cannot be reached stops the start with its address. */
  static async discover(o: OidcSignInOptions): Promise<OidcSignIn> {
    const issuer = new URL(o.config.issuer);
    // Plain HTTP only to this machine (a provider started next to the cloud, the tests).
    const insecure = issuer.protocol === 'http:';
    if (insecure && !LOOPBACK.test(issuer.hostname))
      throw new Error(`auth.oidc.issuer ${o.config.issuer}: https is required (plain http only on a loopback address)`);
    if (!o.config.scopes.includes('openid')) throw new Error('auth.oidc.scopes must include openid');
    try {
      const rp = await client.discovery(
        issuer,
        o.config.clientId,
        undefined,
        client.ClientSecretPost(o.clientSecret),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      return new OidcSignIn(o.config, rp, o.now ?? Date.now);
    } catch (e) {
      throw new Error(`auth.oidc.issuer ${o.config.issuer}: discovery failed: ${messages(e)}`);
    }
  }

  /** Starts a sign-in: the provider's URL to send the browser to, and the key of what the callback checks (its cookie). */
  async begin(next: string, lang: string): Promise<{ url: URL; key: string }> {
    this.sweep();
    // /auth/oidc/start is public: a flood of starts pushes out the oldest, never blocks new sign-ins.
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: this.config.redirectUri,
      scope: this.config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (this.config.acr.request.length > 0) params.acr_values = this.config.acr.request.join(' ');
    const key = randomBytes(24).toString('base64url');
    this.pending.set(key, { verifier, state, nonce, next, lang, expiresAt: this.now() + PENDING_MS });
    return { url: client.buildAuthorizationUrl(this.rp, params), key };
  }

  /** The `next` and language of a started sign-in (for the page that answers the callback), without using it up. */
  peek(key: string | undefined): { next: string; lang: string } | undefined {
    const p = key === undefined ? undefined : this.pending.get(key);
    return p && p.expiresAt > this.now() ? { next: p.next, lang: p.lang } : undefined;
  }

  /**
   * Ends a sign-in: `query` is the callback's query string as received. Exchanges the code, lets
   * openid-client check the ID token, then checks acr and reads the subject. Throws OidcRefusal.
   * A started sign-in is used once, whatever the outcome.
   */
  async finish(key: string | undefined, query: string): Promise<OidcIdentity> {
    const p = key === undefined ? undefined : this.pending.get(key);
    if (key !== undefined) this.pending.delete(key);
    if (!p || p.expiresAt <= this.now())
      throw new OidcRefusal('no-pending', 'no sign-in was started from this browser in the last 10 minutes; start again');
    const current = new URL(this.config.redirectUri);
    current.search = query;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(this.rp, current, {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
        idTokenExpected: true,
      });
    } catch (e) {
      throw refusalOf(e);
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcRefusal('token', 'the provider sent no ID token');
    let subject = stringClaim(claims[this.config.subjectClaim]);
    // A claim the ID token does not carry may be in userinfo (Pro Santé Connect's SubjectNameID).
    if (subject === undefined && this.config.subjectClaim !== 'sub') {
      try {
        const info = await client.fetchUserInfo(this.rp, tokens.access_token, claims.sub);
        subject = stringClaim(info[this.config.subjectClaim]);
      } catch (e) {
        throw new OidcRefusal('token', `userinfo could not be read: ${messages(e)}`, claims.sub);
      }
    }
    if (subject === undefined)
      throw new OidcRefusal('subject', `the provider did not send the claim ${this.config.subjectClaim} that names the clinician`);
    let acr: string | null;
    try {
      acr = checkAcr(claims.acr, this.config.acr.accept);
    } catch (e) {
      throw new OidcRefusal('acr', (e as Error).message, subject);
    }
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((a): a is string => typeof a === 'string').slice(0, 16) : [];
    return { subject, acr, amr };
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, p] of this.pending) if (p.expiresAt <= t) this.pending.delete(k);
  }
}

/** The client secret from its file; a missing or empty file stops the start, naming the key. */
export function readClientSecret(path: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string {
  let secret: string;
  try {
    secret = read(path).trim();
  } catch (e) {
    throw new Error(`auth.oidc.clientSecretFile ${path}: ${(e as Error).message}`);
  }
  if (secret.length === 0) throw new Error(`auth.oidc.clientSecretFile ${path}: the file is empty`);
  return secret;
}
