/**
 * The brake on guessing secrets (clinician passwords, enrollment tokens): progressive delays per
 * account and per source address, kept in the cloud store so that a restart does not reset them
 * (docs/security.md, "Password guessing").
 *
 * Each attempt is charged as a failure *before* its secret is checked, in one atomic store step
 * that first refuses it if any of its keys is blocked: N parallel guesses are decided one after
 * the other, so at most the free ones reach the password check. A success then clears its keys.
 * After `freeFailures` failures in a row a key is blocked for `baseDelayMs`, doubling with each
 * further failure up to `maxDelayMs`; refused attempts are not failures, so a flood does not make
 * the block longer. The per-source rule is the stricter one: one address runs out of attempts long
 * before it can delay an account, and the account rule's short cap bounds what many addresses can
 * do to a clinician.
 */
import { isIP } from 'node:net';
import type { CloudStore, ThrottleChange, ThrottleRow } from '../store/cloud-store.js';

export interface ThrottleRule {
  /** Failures in a row before the first delay. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What a key counts: an account id, or the address an attempt came from (per login or enrollment). */
export type ThrottleScope = 'account' | 'source' | 'enroll-source';

export interface ThrottlePolicy {
  rules: Record<ThrottleScope, ThrottleRule>;
  /** A key with no failure for this long starts again from zero. */
  forgetAfterMs: number;
}

/** The policy documented in docs/security.md: change both together. */
export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  rules: {
    source: { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 },
    account: { freeFailures: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 },
    'enroll-source': { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 },
  },
  forgetAfterMs: 24 * 3_600_000,
};

export interface ThrottleSubject {
  scope: ThrottleScope;
  id: string;
}

/** A key that became blocked with this attempt (one audit line per block, not per refusal). */
export interface BlockStarted extends ThrottleSubject {
  failures: number;
  delayMs: number;
}

export type ThrottleGate =
  | { allowed: true; blocked: BlockStarted[] }
  | { allowed: false; retryAfterMs: number; by: ThrottleSubject; failures: number };

const keyOf = (s: ThrottleSubject) => `${s.scope}:${s.id}`;

/** The delay after the `failures`-th failure in a row (0: none yet). */
export function delayAfter(rule: ThrottleRule, failures: number): number {
  if (failures < rule.freeFailures) return 0;
  // 2^31 ms is already past any cap: keeps the power finite.
  const exp = Math.min(failures - rule.freeFailures, 31);
  return Math.min(rule.baseDelayMs * 2 ** exp, rule.maxDelayMs);
}

/** Pure: refuse if a key is blocked at `now`, else charge every key one failure. */
export function decideAttempt(
  policy: ThrottlePolicy,
  subjects: readonly ThrottleSubject[],
  rows: ReadonlyMap<string, ThrottleRow>,
  now: number,
): ThrottleChange<ThrottleGate> {
  const live = (r: ThrottleRow | undefined) => (r && now - r.lastFailureMs < policy.forgetAfterMs ? r : undefined);
  let refusal: Extract<ThrottleGate, { allowed: false }> | undefined;
  for (const s of subjects) {
    const r = live(rows.get(keyOf(s)));
    if (r && r.blockedUntilMs > now && (refusal === undefined || r.blockedUntilMs - now > refusal.retryAfterMs))
      refusal = { allowed: false, retryAfterMs: r.blockedUntilMs - now, by: s, failures: r.failures };
  }
  if (refusal) return { write: [], remove: [], result: refusal };
  const write: ThrottleRow[] = [];
  const blocked: BlockStarted[] = [];
  for (const s of subjects) {
    const failures = (live(rows.get(keyOf(s)))?.failures ?? 0) + 1;
    const delayMs = delayAfter(policy.rules[s.scope], failures);
    write.push({ key: keyOf(s), failures, lastFailureMs: now, blockedUntilMs: delayMs > 0 ? now + delayMs : 0 });
    if (delayMs > 0) blocked.push({ ...s, failures, delayMs });
  }
  return { write, remove: [], result: { allowed: true, blocked } };
}

/**
 * The source key of a request address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64, the
 * block one subscriber usually gets (a /128 per attempt would cost an attacker nothing).
 */
export function sourceOf(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIP(address) !== 6) return address;
  const bare = address.split('%')[0] ?? address;
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export interface AuthThrottleOptions {
  store: Pick<CloudStore, 'updateThrottle' | 'pruneThrottle'>;
  policy?: ThrottlePolicy;
  now?: () => number;
  /** A prune of old rows failed (the next attempt tries again). */
  onError?: (e: unknown) => void;
}

const PRUNE_EVERY_MS = 3_600_000;

export class AuthThrottle {
  readonly policy: ThrottlePolicy;
  private readonly now: () => number;
  private lastPrune = 0;

  constructor(private readonly o: AuthThrottleOptions) {
    this.policy = o.policy ?? DEFAULT_THROTTLE_POLICY;
    this.now = o.now ?? Date.now;
  }

  /**
   * Call before checking the secret: refused (do not check it; answer 429 with Retry-After), or
   * allowed and already counted as a failure until `succeeded()` says otherwise.
   */
  async attempt(subjects: readonly ThrottleSubject[]): Promise<ThrottleGate> {
    const now = this.now();
    this.prune(now);
    return this.o.store.updateThrottle(subjects.map(keyOf), (rows) => decideAttempt(this.policy, subjects, rows, now));
  }

  /** The secret was right: these keys start again from zero. */
  async succeeded(subjects: readonly ThrottleSubject[]): Promise<void> {
    const keys = subjects.map(keyOf);
    await this.o.store.updateThrottle(keys, () => ({ write: [], remove: keys, result: undefined }));
  }

  private prune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.o.store.pruneThrottle(new Date(now - this.policy.forgetAfterMs)).catch((e: unknown) => this.o.onError?.(e));
  }
}

/** Whole seconds for a Retry-After header (at least 1). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
