/**
 * The nurse's PIN on the cart: 4 to 6 digits (a keypad with gloves on), never stored nor sent;
 * only its scrypt verifier (PinVerifier) is kept and sent, with one random salt per nurse and PIN.
 * Computed by the cart at a full sign-in and by the cloud when an administrator sets the PIN, so
 * both share this code. Pure but for the KDF and the random salt.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { PinVerifier } from './schemas/nurses.js';

/** scrypt cost: N = 2^14, r = 8 (about 50 ms and 16 MiB per check on a cart's CPU). */
export const PIN_LOG_N = 14;
const KEY_BYTES = 32;

/** Why a chosen PIN is refused, or null when it is acceptable. */
export function pinProblem(pin: string): string | null {
  if (!/^[0-9]{4,6}$/.test(pin)) return 'a PIN is 4 to 6 digits';
  if (/^(\d)\1+$/.test(pin)) return 'a PIN cannot be one digit repeated';
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - (digits[i] ?? 0) + 10) % 10));
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return 'a PIN cannot be a run of digits (1234, 4321)';
  return null;
}

function scrypt(pin: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(pin, salt, KEY_BYTES, { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

/** The verifier of a PIN already checked with pinProblem. */
export async function pinVerifier(pin: string, logN = PIN_LOG_N): Promise<PinVerifier> {
  const problem = pinProblem(pin);
  if (problem !== null) throw new Error(problem);
  const salt = randomBytes(16);
  const hash = await scrypt(pin, salt, logN, 8, 1);
  return { kdf: 'scrypt', logN, r: 8, p: 1, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** Whether the PIN matches the verifier (constant-time compare). */
export async function pinMatches(pin: string, v: PinVerifier): Promise<boolean> {
  if (!/^[0-9]{4,6}$/.test(pin)) return false;
  const expected = Buffer.from(v.hash, 'base64');
  const got = await scrypt(pin, Buffer.from(v.salt, 'base64'), v.logN, v.r, v.p);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A badge UID as readers send it: 4, 7 or 10 bytes in hex (devices/src/serial/codecs/badge-uid.ts). */
export const BADGE_UID_PATTERN = '^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}|[0-9A-Fa-f]{20})$';

/** The badge UID as readers send it (hex); its hash as the cloud keeps and publishes it. */
export function badgeHash(uid: string): string {
  return createHash('sha256').update(uid.trim().toUpperCase()).digest('hex');
}
