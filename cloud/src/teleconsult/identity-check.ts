/**
 * The patient confirms who they are before the waiting room of a home act: the date of birth on
 * their record, or a 6-digit code sent to their phone (SMS) or e-mail. Pure rules, no I/O: the
 * routes (http/routes/join-identity.ts) read the state, apply these, and write the result back with
 * a compare-and-set on its version, so two guesses at once count as two.
 *
 * Rules: a code is valid 10 minutes and only the last one sent counts; at most 3 codes per link, one
 * a minute; 5 wrong answers (dates of birth and codes together) lock the link for good (a new link
 * is needed: the specialist's service reissues it). A code is kept only as an HMAC keyed by the
 * link's token, which the store does not hold (only its SHA-256): the table alone cannot be brute
 * forced. Comparisons are in constant time.
 */
import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { CloudStore } from '../store/cloud-store.js';
import type { CodeChannel, LinkIdentityRecord } from '../store/link-identity-records.js';

export const CODE_DIGITS = 6;
export const CODE_TTL_MS = 10 * 60_000;
export const MAX_ATTEMPTS = 5;
export const MAX_CODES = 3;
export const CODE_RESEND_MS = 60_000;

export type { CodeChannel, LinkIdentityRecord };

export const freshIdentity = (tokenSha256: string): LinkIdentityRecord => ({
  tokenSha256,
  version: 0,
  codeHmac: null,
  codeChannel: null,
  codeSentAt: null,
  codeExpiresAt: null,
  codesSent: 0,
  attempts: 0,
  lockedAt: null,
  confirmedAt: null,
  confirmedBy: null,
});

/** Ready for the waiting room: confirmed, and not locked. */
export const identityConfirmed = (s: LinkIdentityRecord | null): boolean => s !== null && s.confirmedAt !== null && s.lockedAt === null;

/** A fresh code, uniform over the 10^6 values (leading zeros kept). */
export const newCode = (): string => String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');

/** The code as stored: HMAC-SHA256 keyed by the link's token (which only the URL holds). */
export const codeHmac = (token: string, code: string): string => createHmac('sha256', token).update(`identity-code\n${code}`).digest('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Equal lengths for timingSafeEqual; the length itself says nothing secret (fixed-format values).
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SendDecision =
  | { ok: true; next: LinkIdentityRecord }
  | { ok: false; reason: 'confirmed' | 'locked' | 'too-many-codes' | 'too-soon'; retryAt?: string };

/** Whether a new code may be sent now; if so, the state holding it. */
export function decideSend(s: LinkIdentityRecord, token: string, code: string, channel: CodeChannel, now: Date): SendDecision {
  if (s.lockedAt !== null) return { ok: false, reason: 'locked' };
  if (s.confirmedAt !== null) return { ok: false, reason: 'confirmed' };
  if (s.codesSent >= MAX_CODES) return { ok: false, reason: 'too-many-codes' };
  if (s.codeSentAt !== null && now.getTime() < Date.parse(s.codeSentAt) + CODE_RESEND_MS)
    return { ok: false, reason: 'too-soon', retryAt: new Date(Date.parse(s.codeSentAt) + CODE_RESEND_MS).toISOString() };
  return {
    ok: true,
    next: {
      ...s,
      version: s.version + 1,
      codeHmac: codeHmac(token, code),
      codeChannel: channel,
      codeSentAt: now.toISOString(),
      codeExpiresAt: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
      codesSent: s.codesSent + 1,
    },
  };
}

export type Proof = { birthDate: string } | { code: string };

export type AttemptOutcome =
  /** Nothing was counted: the answer could not be checked (no code sent, none on record, …). */
  | { outcome: 'refused'; reason: 'confirmed' | 'locked' | 'no-code' | 'code-expired' | 'no-birth-date' }
  | { outcome: 'confirmed'; next: LinkIdentityRecord }
  | { outcome: 'wrong'; next: LinkIdentityRecord; attemptsLeft: number }
  | { outcome: 'locked'; next: LinkIdentityRecord };

/**
 * One answer checked against the record's date of birth (`birthDate`, YYYY-MM-DD or null) or the
 * last code sent. A wrong answer counts; the MAX_ATTEMPTS-th locks. An expired code is refused
 * without counting (the patient asks for another), as is a date of birth when none is on record.
 */
export function decideAttempt(s: LinkIdentityRecord, token: string, proof: Proof, birthDate: string | null, now: Date): AttemptOutcome {
  if (s.lockedAt !== null) return { outcome: 'refused', reason: 'locked' };
  if (s.confirmedAt !== null) return { outcome: 'refused', reason: 'confirmed' };
  let right: boolean;
  let by: 'birth-date' | 'code';
  if ('birthDate' in proof) {
    if (birthDate === null) return { outcome: 'refused', reason: 'no-birth-date' };
    right = sameText(proof.birthDate, birthDate);
    by = 'birth-date';
  } else {
    if (s.codeHmac === null || s.codeExpiresAt === null) return { outcome: 'refused', reason: 'no-code' };
    if (now.getTime() >= Date.parse(s.codeExpiresAt)) return { outcome: 'refused', reason: 'code-expired' };
    right = sameText(codeHmac(token, proof.code), s.codeHmac);
    by = 'code';
  }
  const at = now.toISOString();
  if (right)
    // The code is spent once used.
    return { outcome: 'confirmed', next: { ...s, version: s.version + 1, confirmedAt: at, confirmedBy: by, codeHmac: null } };
  const attempts = s.attempts + 1;
  if (attempts >= MAX_ATTEMPTS)
    return { outcome: 'locked', next: { ...s, version: s.version + 1, attempts, lockedAt: at, codeHmac: null } };
  return { outcome: 'wrong', next: { ...s, version: s.version + 1, attempts }, attemptsLeft: MAX_ATTEMPTS - attempts };
}

/** Where a code may go, as the patient sees it on the page (never the whole number or address). */
export function maskedTelecom(channel: CodeChannel, to: string): string {
  if (channel === 'sms') return `…${to.slice(-2)}`;
  const [user = '', domain = ''] = to.split('@');
  return `${user.slice(0, 1)}…@${domain}`;
}

/**
 * Whether the patient of the join link `token` has confirmed who they are and may wait for the
 * specialist: what the participant flow asks before it lets a home patient into the waiting room.
 */
export async function isConfirmed(store: Pick<CloudStore, 'getLinkIdentity'>, token: string): Promise<boolean> {
  return identityConfirmed(await store.getLinkIdentity(createHash('sha256').update(token).digest('hex')));
}
