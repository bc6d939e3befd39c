/**
 * Specialist logins: an opaque 256-bit cookie value, kept server side only as its SHA-256, with an
 * absolute lifetime and optionally an idle one (the brake on password guessing is
 * security/auth-throttle.ts). The idle clock is kept in memory: a restart starts it again. With a store,
 * logins are written through to it and read back at start, so a restart or an upgrade of the cloud
 * does not sign the care team out; lookups stay in memory (a request never waits for the database).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Specialist } from './specialists.js';

export const LOGIN_COOKIE = 'telecart_consult';

const MAX_LOGINS = 10_000;

interface Login {
  specialistId: string;
  expiresAt: number;
  /** Last time the login was used (idle expiry). */
  seenAt: number;
  /** How it was made: the sites' authentication policies are checked against it at every request. */
  how: LoginHow;
}

/** A live login as a request sees it. */
export interface ResolvedLogin extends LoginHow {
  specialistId: string;
}

/** How a login was made: the method, and what an OpenID Connect provider vouched for. */
export interface LoginHow {
  method?: 'password' | 'oidc';
  acr?: string | null;
  amr?: string[];
}

/** A login as kept in the store: the token's SHA-256 (base64url), never the token. */
export interface StoredLogin extends LoginHow {
  tokenSha256: string;
  specialistId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** LoginHow from stored columns, anything unexpected left out (rows written before migration 14 have none). */
export function loginHow(method: unknown, acr: unknown, amr: unknown): LoginHow {
  return {
    ...(method === 'password' || method === 'oidc' ? { method } : {}),
    ...(typeof acr === 'string' ? { acr } : {}),
    ...(Array.isArray(amr) && amr.every((a) => typeof a === 'string') ? { amr: amr as string[] } : {}),
  };
}

/** One stored login as another instance reads it back. */
export interface StoredLoginState extends LoginHow {
  specialistId: string;
  expiresAt: Date;
}

/** Where logins outlive the process (the cloud store). */
export interface LoginStore {
  saveLogin(l: StoredLogin): Promise<void>;
  deleteLogin(tokenSha256: string): Promise<void>;
  /** Logins not expired at `now`; expired ones may be deleted on the way. */
  liveLogins(now: Date): Promise<StoredLogin[]>;
  /** One login, if it is there and not expired at `now` (another cloud instance may have made or ended it). */
  getLogin(tokenSha256: string, now: Date): Promise<StoredLoginState | null>;
  /** Deletes every login of an account, those made on other cloud instances too. */
  deleteLoginsOf(specialistId: string): Promise<void>;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

export class LoginSessions {
  private readonly logins = new Map<string, Login>();
  /** Store writes in order; a failure is reported, the login still works until this process ends. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
    private readonly store?: LoginStore,
    private readonly onStoreError: (e: unknown) => void = () => undefined,
    /** A login unused this long ends (0 = no idle expiry). */
    private readonly idleMs = 0,
  ) {}

  /** Reads back the logins the store kept (call once, before serving requests). */
  async restore(): Promise<number> {
    if (!this.store) return 0;
    const t = this.now();
    const live = await this.store.liveLogins(new Date(t));
    for (const l of live)
      this.logins.set(l.tokenSha256, {
        specialistId: l.specialistId,
        expiresAt: l.expiresAt.getTime(),
        seenAt: t,
        how: loginHow(l.method, l.acr, l.amr),
      });
    return live.length;
  }

  /** Resolves when every store write issued so far is done (tests, shutdown). */
  flushed(): Promise<void> {
    return this.writes;
  }

  private persist(op: (s: LoginStore) => Promise<void>): void {
    const store = this.store;
    if (!store) return;
    this.writes = this.writes.then(() => op(store)).catch(this.onStoreError);
  }

  create(s: Specialist, how: LoginHow = {}): { token: string; expiresAt: Date } {
    this.sweep();
    if (this.logins.size >= MAX_LOGINS) throw new Error('too many open logins');
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const expiresAt = createdAt + this.lifetimeMs;
    const key = digest(token);
    this.logins.set(key, { specialistId: s.id, expiresAt, seenAt: createdAt, how: { ...how } });
    this.persist((st) =>
      st.saveLogin({ tokenSha256: key, specialistId: s.id, createdAt: new Date(createdAt), expiresAt: new Date(expiresAt), ...how }),
    );
    return { token, expiresAt: new Date(expiresAt) };
  }

  /**
   * Brings this cookie's login in line with the store before resolve(): several cloud instances
   * share the store, and a login made on another one, or ended there (sign-out everywhere, account
   * disabled), is seen here at the next request. One read by primary key; without a store, nothing.
   */
  async sync(token: string | undefined): Promise<void> {
    if (!this.store || token === undefined || token.length > 100) return;
    // This instance's own writes first: a login it just made is not in the store until its queued write
    // lands (PostgreSQL: milliseconds later), and reading before that would end it.
    await this.writes;
    const key = digest(token);
    const t = this.now();
    const stored = await this.store.getLogin(key, new Date(t));
    if (stored === null) {
      this.logins.delete(key);
      return;
    }
    const l = this.logins.get(key);
    if (l) l.expiresAt = stored.expiresAt.getTime();
    else
      this.logins.set(key, {
        specialistId: stored.specialistId,
        expiresAt: stored.expiresAt.getTime(),
        seenAt: t,
        how: loginHow(stored.method, stored.acr, stored.amr),
      });
  }

  /** The specialist id behind a cookie value, or null (unknown, expired, logged out). */
  resolve(token: string | undefined): string | null {
    return this.resolveLogin(token)?.specialistId ?? null;
  }

  /** The login behind a cookie value, with how it was made, or null (unknown, expired, logged out). */
  resolveLogin(token: string | undefined): ResolvedLogin | null {
    if (token === undefined || token.length > 100) return null;
    const key = digest(token);
    const l = this.logins.get(key);
    if (!l) return null;
    const t = this.now();
    if (l.expiresAt <= t || this.idle(l, t)) {
      this.logins.delete(key);
      this.persist((st) => st.deleteLogin(key));
      return null;
    }
    l.seenAt = t;
    return { ...l.how, specialistId: l.specialistId };
  }

  /** Ends every login of an account ("sign out everywhere", an account disabled); returns how many. */
  endAll(specialistId: string): number {
    let n = 0;
    for (const [key, l] of this.logins)
      if (l.specialistId === specialistId) {
        this.logins.delete(key);
        this.persist((st) => st.deleteLogin(key));
        n++;
      }
    // Logins made on other cloud instances are not in this one's memory: the store has them all.
    this.persist((st) => st.deleteLoginsOf(specialistId));
    return n;
  }

  private idle(l: Login, t: number): boolean {
    return this.idleMs > 0 && t - l.seenAt >= this.idleMs;
  }

  end(token: string | undefined): void {
    if (token === undefined || token.length > 100) return;
    const key = digest(token);
    this.logins.delete(key);
    this.persist((st) => st.deleteLogin(key));
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, l] of this.logins)
      if (l.expiresAt <= t || this.idle(l, t)) {
        this.logins.delete(k);
        this.persist((st) => st.deleteLogin(k));
      }
  }
}
