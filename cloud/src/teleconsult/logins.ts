/**
 * Specialist logins: an opaque 256-bit cookie value, kept server side only as its SHA-256, with an
 * absolute lifetime; and a brake on password guessing (per account id, in memory).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Specialist } from './specialists.js';

export const LOGIN_COOKIE = 'telecart_consult';

const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_LOGINS = 10_000;

interface Login {
  specialistId: string;
  expiresAt: number;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

export class LoginSessions {
  private readonly logins = new Map<string, Login>();
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(s: Specialist): { token: string; expiresAt: Date } {
    this.sweep();
    if (this.logins.size >= MAX_LOGINS) throw new Error('too many open logins');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.lifetimeMs;
    this.logins.set(digest(token), { specialistId: s.id, expiresAt });
    this.failures.delete(s.id);
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** The specialist id behind a cookie value, or null (unknown, expired, logged out). */
  resolve(token: string | undefined): string | null {
    if (token === undefined || token.length > 100) return null;
    const key = digest(token);
    const l = this.logins.get(key);
    if (!l) return null;
    if (l.expiresAt <= this.now()) {
      this.logins.delete(key);
      return null;
    }
    return l.specialistId;
  }

  end(token: string | undefined): void {
    if (token !== undefined) this.logins.delete(digest(token));
  }

  /** Whether the id is locked out after too many recent failures. */
  locked(id: string): boolean {
    const f = this.failures.get(id);
    if (!f) return false;
    if (this.now() - f.since > FAILURE_WINDOW_MS) {
      this.failures.delete(id);
      return false;
    }
    return f.count >= MAX_FAILURES;
  }

  failed(id: string): void {
    const f = this.failures.get(id);
    if (!f || this.now() - f.since > FAILURE_WINDOW_MS) this.failures.set(id.slice(0, 64), { count: 1, since: this.now() });
    else f.count++;
    if (this.failures.size > MAX_LOGINS) this.failures.delete(this.failures.keys().next().value as string);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, l] of this.logins) if (l.expiresAt <= t) this.logins.delete(k);
  }
}
