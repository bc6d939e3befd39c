/**
 * Specialist secrets, with node:crypto only: passwords as scrypt hashes (memory-hard, salted, in a
 * PHC-like string that carries its parameters), API tokens as SHA-256 (they are 256-bit random, so
 * a slow hash adds nothing). Comparisons are constant-time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** 2^15 × r 8 = 32 MiB per hash: about 0.1 s here, costly for an attacker with a stolen file. */
const DEFAULT_LOG_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const PREFIX = '$scrypt$';

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>` */
export async function hashPassword(password: string, logN = DEFAULT_LOG_N): Promise<string> {
  if (password.length < 8) throw new Error('a password needs at least 8 characters');
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 2 ** logN, R, P);
  return `${PREFIX}ln=${logN},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const HASH = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]{16,})\$([A-Za-z0-9+/=]{40,})$/;

export function isPasswordHash(s: string): boolean {
  const m = HASH.exec(s);
  return m !== null && Number(m[1]) >= 10 && Number(m[1]) <= 20;
}

/** A hash of a password nobody has: verifying an unknown user costs as much as a known one. */
let decoy: Promise<string> | undefined;

/** Whether `password` matches `stored`; false for a malformed hash (never throws on input). */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const m = stored === undefined ? null : HASH.exec(stored);
  if (m === null || !isPasswordHash(stored as string)) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await decoy);
    return false;
  }
  const [, ln, r, p, salt, hash] = m as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), 2 ** Number(ln), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A new API token and the hash to put in the configuration. */
export function newToken(): { token: string; tokenSha256: string } {
  const token = `tcs1.${randomBytes(32).toString('base64url')}`;
  return { token, tokenSha256: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, sha256Hex: string): boolean {
  const a = Buffer.from(tokenHash(token), 'hex');
  const b = Buffer.from(sha256Hex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
