/**
 * Second factor of local accounts: TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps, what every
 * authenticator app reads from an otpauth:// URI), computed by `otpauth`. The server must be able to
 * recompute the codes, so the shared secret cannot be hashed: the configuration holds it encrypted
 * (AES-256-GCM, the account id as associated data, so a value copied to another account does not
 * decrypt) with a 32-byte key kept in its own file (teleconsult.totpKeyFile), never in the config.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Secret, TOTP } from 'otpauth';

const PREFIX = 'totp1';
const ISSUER = 'telecart';
/** One step either side: a phone whose clock is 30 s off still signs in. */
const WINDOW = 1;

/** The 32-byte key from its file (raw 32 bytes, or 64 hex characters); a missing or short key stops the start. */
export function readTotpKey(path: string, read: (p: string) => Buffer = (p) => readFileSync(p)): Buffer {
  let raw: Buffer;
  try {
    raw = read(path);
  } catch (e) {
    throw new Error(`teleconsult.totpKeyFile ${path}: ${(e as Error).message}`);
  }
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (raw.length === 32) return raw;
  throw new Error(`teleconsult.totpKeyFile ${path}: expected 32 bytes or 64 hex characters (openssl rand -hex 32)`);
}

export function encryptTotpSecret(secretBase32: string, accountId: string, key: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(accountId, 'utf8'));
  const body = Buffer.concat([c.update(secretBase32, 'utf8'), c.final()]);
  return [PREFIX, iv.toString('base64url'), body.toString('base64url'), c.getAuthTag().toString('base64url')].join('.');
}

/** The base32 secret, or an error naming the account (wrong key, value of another account, altered value). */
export function decryptTotpSecret(value: string, accountId: string, key: Buffer): string {
  const [prefix, iv, body, tag, extra] = value.split('.');
  if (prefix !== PREFIX || !iv || !body || !tag || extra !== undefined)
    throw new Error(`teleconsult.specialists ${accountId}: totp is not a value of \`telecart cloud totp-enroll\``);
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(accountId, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  } catch {
    throw new Error(
      `teleconsult.specialists ${accountId}: totp cannot be decrypted with teleconsult.totpKeyFile (another key, another account's value, or altered)`,
    );
  }
}

function totpOf(secretBase32: string, accountId: string): TOTP {
  return new TOTP({ issuer: ISSUER, label: accountId, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

/** A new secret for an account: what the clinician's app scans (shown once) and what the configuration keeps. */
export function enrollTotp(accountId: string, key: Buffer): { uri: string; secret: string; encrypted: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { uri: totpOf(secret, accountId).toString(), secret, encrypted: encryptTotpSecret(secret, accountId, key) };
}

/**
 * Checks codes, each accepted once: a code seen through a shoulder or a proxy log cannot be played
 * again within its validity (the last accepted step per account is remembered).
 */
export class TotpVerifier {
  private readonly lastStep = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  verify(accountId: string, secretBase32: string, code: string): boolean {
    if (!/^\d{6}$/.test(code)) return false;
    const t = totpOf(secretBase32, accountId);
    const timestamp = this.now();
    const delta = t.validate({ token: code, timestamp, window: WINDOW });
    if (delta === null) return false;
    const step = t.counter({ timestamp }) + delta;
    if (step <= (this.lastStep.get(accountId) ?? -1)) return false;
    this.lastStep.set(accountId, step);
    return true;
  }
}
