/**
 * The two ways an ONVIF camera authenticates a request, server side:
 *  - WS-Security UsernameToken with PasswordDigest = Base64(SHA1(nonce ‖ created ‖ password)),
 *    Created checked against the camera's own clock (so a client must apply the camera's clock
 *    offset) and nonces remembered to refuse replays;
 *  - HTTP Digest (RFC 7616, SHA-256 and MD5, qop=auth).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { child, text, type XmlNode } from './soap.js';

export interface Credentials {
  username: string;
  password: string;
}

export type AuthOutcome = { ok: true; username: string } | { ok: false; reason: string };

/** Allowed distance between Created and the camera's clock. */
export const WSSE_MAX_SKEW_MS = 60_000;

export function passwordDigest(nonce: Uint8Array, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class WsseVerifier {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly users: readonly Credentials[],
    private readonly cameraNow: () => number,
  ) {}

  /** Returns null when the header has no UsernameToken at all. */
  verify(header: XmlNode): AuthOutcome | null {
    const token = child(child(header, 'Security'), 'UsernameToken');
    if (token === undefined) return null;
    const username = text(token.Username);
    const password = child(token, 'Password');
    const digest = text(token.Password);
    const nonceB64 = text(token.Nonce);
    const created = text(token.Created);
    if (!username || !digest) return { ok: false, reason: 'UsernameToken without Username or Password' };
    const type = password?.['@_Type'];
    if (typeof type === 'string' && !type.endsWith('#PasswordDigest')) return { ok: false, reason: 'only PasswordDigest is accepted' };
    // ONVIF Core: a token without both Nonce and Created is rejected.
    if (!nonceB64 || !created) return { ok: false, reason: 'UsernameToken without Nonce and Created' };
    const createdMs = Date.parse(created);
    if (!Number.isFinite(createdMs)) return { ok: false, reason: `Created ${JSON.stringify(created)} is not a date-time` };
    const now = this.cameraNow();
    if (Math.abs(createdMs - now) > WSSE_MAX_SKEW_MS) {
      return { ok: false, reason: `Created ${created} is ${Math.round((createdMs - now) / 1000)} s from the camera clock` };
    }
    const user = this.users.find((u) => u.username === username);
    const nonce = Buffer.from(nonceB64, 'base64');
    if (user === undefined || !sameText(passwordDigest(nonce, created, user.password), digest))
      return { ok: false, reason: 'wrong username or password' };
    for (const [k, at] of this.seen) if (now - at > 2 * WSSE_MAX_SKEW_MS) this.seen.delete(k);
    const key = `${nonceB64}|${created}`;
    if (this.seen.has(key)) return { ok: false, reason: 'replayed nonce' };
    this.seen.set(key, now);
    return { ok: true, username };
  }
}

type DigestAlgorithm = 'SHA-256' | 'MD5';
const HASH: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };
const NONCE_TTL_MS = 5 * 60_000;

/** Parses `Digest a="b", c=d` (quoted or token values). */
export function parseDigestHeader(value: string): Record<string, string> | null {
  const m = /^Digest\s+(.*)$/is.exec(value.trim());
  if (!m?.[1]) return null;
  const out: Record<string, string> = {};
  const re = /([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gi;
  for (const p of m[1].matchAll(re)) out[(p[1] as string).toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return out;
}

export class HttpDigestVerifier {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly users: readonly Credentials[],
    private readonly now: () => number,
    readonly realm = 'telecart-sim-camera',
  ) {}

  /** WWW-Authenticate values: SHA-256 first (preferred), MD5 for older clients. */
  challenges(): string[] {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, this.now());
    return (['SHA-256', 'MD5'] as const).map((a) => `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", algorithm=${a}`);
  }

  verify(authorization: string | undefined, method: string, uri: string): AuthOutcome | null {
    if (authorization === undefined) return null;
    const p = parseDigestHeader(authorization);
    if (p === null) return null;
    const now = this.now();
    for (const [n, at] of this.nonces) if (now - at > NONCE_TTL_MS) this.nonces.delete(n);
    const algorithm =
      (p.algorithm ?? 'MD5').toUpperCase() === 'SHA-256' ? 'SHA-256' : (p.algorithm ?? 'MD5').toUpperCase() === 'MD5' ? 'MD5' : null;
    if (algorithm === null) return { ok: false, reason: `unsupported algorithm ${p.algorithm}` };
    if (!p.username || !p.nonce || !p.response || p.realm !== this.realm) return { ok: false, reason: 'incomplete Digest credentials' };
    if (!this.nonces.has(p.nonce)) return { ok: false, reason: 'unknown or expired nonce' };
    if (p.uri !== uri) return { ok: false, reason: 'Digest uri does not match the request' };
    const user = this.users.find((u) => u.username === p.username);
    if (user === undefined) return { ok: false, reason: 'wrong username or password' };
    const h = (s: string) => createHash(HASH[algorithm]).update(s).digest('hex');
    const ha1 = h(`${user.username}:${this.realm}:${user.password}`);
    const ha2 = h(`${method}:${uri}`);
    const expected = p.qop === 'auth' ? h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
    if (!sameText(expected, p.response.toLowerCase())) return { ok: false, reason: 'wrong username or password' };
    return { ok: true, username: user.username };
  }
}
