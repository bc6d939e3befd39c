/**
 * Download links to one signed report version, for the patient at home and the referring GP: a
 * random 256-bit token in the URL, only its SHA-256 at rest, an expiry, one version per link.
 * `issueReportLink` returns the URL: the e-mail/SMS outbox sends it (this module sends nothing).
 * Every use of a link, refused or not, is for the caller to audit (the route does). A patient's link
 * also asks the patient's date of birth (checkBirthDate, below).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CloudStore } from '../store/cloud-store.js';
import type { ReportLinkAudience, ReportLinkRecord, ReportVersion } from '../store/report-records.js';

/** Default lifetime of a link: long enough for a GP's inbox, short enough to limit a forwarded e-mail. */
export const DEFAULT_LINK_TTL_MS = 7 * 24 * 3600_000;
export const MAX_LINK_TTL_MS = 90 * 24 * 3600_000;
/** The public path a link opens: `<publicBaseUrl>/r/<token>`. */
export const LINK_PATH = '/r/';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const tokenSha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface IssueLinkInput {
  store: Pick<CloudStore, 'saveReportLink'>;
  versionId: string;
  audience: ReportLinkAudience;
  recipient: string | null;
  createdBy: string;
  /** Origin the recipient opens, e.g. 'https://telecart.example.org'. */
  publicBaseUrl: string;
  now: Date;
  ttlMs?: number;
  /** Injected in tests; 32 random bytes otherwise. */
  random?: () => Buffer;
  /** The token to use instead of a random one (a cart's, derived by cartLinkToken so a restart can make its URL again). */
  token?: string;
}

/**
 * A cart's link token, derived from the cloud's key, the cart, the version and the link's creation
 * time: the store keeps only its hash, and after a restart the cloud makes the same URL again from
 * the stored row instead of issuing a new link (agenda/publisher.ts). 256 bits, like a random one.
 */
export function cartLinkToken(key: Buffer, gatewayId: string, versionId: string, createdAt: string): string {
  return createHmac('sha256', key).update(`report-link\ncart\n${gatewayId}\n${versionId}\n${createdAt}`).digest('base64url');
}

/** The URL a token opens. */
export const linkUrl = (publicBaseUrl: string, token: string): string => `${publicBaseUrl.replace(/\/+$/, '')}${LINK_PATH}${token}`;

export interface IssuedLink {
  url: string;
  expiresAt: string;
  record: ReportLinkRecord;
}

export async function issueReportLink(i: IssueLinkInput): Promise<IssuedLink> {
  const ttl = i.ttlMs ?? DEFAULT_LINK_TTL_MS;
  if (!(ttl > 0 && ttl <= MAX_LINK_TTL_MS))
    throw new RangeError(`a link lives between 1 ms and ${MAX_LINK_TTL_MS / 86_400_000} days, not ${ttl} ms`);
  if (i.token !== undefined && !TOKEN.test(i.token)) throw new RangeError('a link token is 43 base64url characters');
  const token = i.token ?? (i.random ?? (() => randomBytes(32)))().toString('base64url');
  const record: ReportLinkRecord = {
    tokenSha256: tokenSha256(token),
    versionId: i.versionId,
    audience: i.audience,
    recipient: i.recipient,
    createdBy: i.createdBy,
    createdAt: i.now.toISOString(),
    expiresAt: new Date(i.now.getTime() + ttl).toISOString(),
    failedAttempts: 0,
    lockedAt: null,
  };
  await i.store.saveReportLink(record);
  return { url: linkUrl(i.publicBaseUrl, token), expiresAt: record.expiresAt, record };
}

export type LinkUse =
  | { ok: true; link: ReportLinkRecord; version: ReportVersion }
  | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'locked'; link: ReportLinkRecord | null };

/** What a token opens at `now`: its signed version, or why not. */
export async function useReportLink(
  store: Pick<CloudStore, 'getReportLink' | 'getReportVersion'>,
  token: string,
  now: Date,
): Promise<LinkUse> {
  if (!TOKEN.test(token)) return { ok: false, reason: 'malformed', link: null };
  const link = await store.getReportLink(tokenSha256(token));
  if (link === null) return { ok: false, reason: 'unknown', link: null };
  if (now.getTime() >= Date.parse(link.expiresAt)) return { ok: false, reason: 'expired', link };
  if (link.lockedAt !== null) return { ok: false, reason: 'locked', link };
  const version = await store.getReportVersion(link.versionId);
  if (version === null || version.status !== 'signed') return { ok: false, reason: 'unknown', link };
  return { ok: true, link, version };
}

/** Wrong dates of birth a patient's link takes; the last one allowed locks it for good (a new link is needed). */
export const MAX_BIRTH_DATE_ATTEMPTS = 5;

export type BirthDateCheck =
  | { ok: true }
  | { ok: false; reason: 'wrong'; attemptsLeft: number }
  | { ok: false; reason: 'locked' | 'no-birth-date' };

/**
 * A patient's link opens only with the patient's date of birth: an SMS or an e-mail can be read by
 * someone else at home (as the join link's identity step, teleconsult/identity-check.ts). The answer
 * is compared in constant time; a wrong one is counted in the store (two at once count as two) and the
 * MAX_BIRTH_DATE_ATTEMPTS-th locks the link. Without a date of birth on record nothing can be checked:
 * refused, nothing counted (the mailer sends no patient link then).
 */
export async function checkBirthDate(
  store: Pick<CloudStore, 'missReportLink'>,
  link: ReportLinkRecord,
  onRecord: string | null,
  answer: string,
  now: Date,
): Promise<BirthDateCheck> {
  if (link.lockedAt !== null) return { ok: false, reason: 'locked' };
  if (onRecord === null) return { ok: false, reason: 'no-birth-date' };
  const a = Buffer.from(answer);
  const b = Buffer.from(onRecord);
  if (a.length === b.length && timingSafeEqual(a, b)) return { ok: true };
  const counted = await store.missReportLink(link.tokenSha256, now, MAX_BIRTH_DATE_ATTEMPTS);
  if (counted === null || counted.lockedAt !== null) return { ok: false, reason: 'locked' };
  return { ok: false, reason: 'wrong', attemptsLeft: MAX_BIRTH_DATE_ATTEMPTS - counted.failedAttempts };
}
