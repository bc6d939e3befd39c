/**
 * Who is signed in on the cart's screen: one nurse at a time (signing in replaces whoever was
 * there: "change nurse"), ended after `idleMs` without a request from the page (the page locks
 * itself at the same time). The cookie holds a random token; only its SHA-256 is kept here.
 */
import { createHash, randomBytes } from 'node:crypto';

export const NURSE_COOKIE = 'telecart_nurse';

export interface SignedInNurse {
  id: string;
  name: string;
  /** How this session was opened (named in the audit). */
  method: 'pin' | 'badge' | 'full';
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** A tap on the cart's badge reader, as the nurse page's event stream announces it (null: not a nurse of this cart). */
export interface BadgeEvent {
  nurse: { id: string; name: string } | null;
}

/** How long a badge tap waits for the page to take it. */
export const TAP_VALID_MS = 15_000;

export class NurseSessions {
  private current: { tokenSha256: string; nurse: SignedInNurse; lastMs: number } | null = null;
  private tap: { nurse: SignedInNurse; atMs: number } | null = null;

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a session for this nurse; the token for the cookie. */
  open(nurse: SignedInNurse): string {
    const token = randomBytes(32).toString('base64url');
    this.current = { tokenSha256: sha(token), nurse, lastMs: this.now() };
    return token;
  }

  /** The nurse of this token when the session is live (and marks it used), else null. */
  touch(token: string | undefined): SignedInNurse | null {
    const c = this.current;
    if (!c || token === undefined || sha(token) !== c.tokenSha256) return null;
    const t = this.now();
    if (t - c.lastMs >= this.idleMs) {
      this.current = null;
      return null;
    }
    c.lastMs = t;
    return c.nurse;
  }

  close(): void {
    this.current = null;
  }

  /** A badge of a known nurse was tapped on the cart's reader: the page may open the session (claimTap). */
  offerTap(nurse: { id: string; name: string }): void {
    this.tap = { nurse: { ...nurse, method: 'badge' }, atMs: this.now() };
  }

  /** The nurse of the last tap, once, within TAP_VALID_MS; null otherwise. */
  claimTap(): SignedInNurse | null {
    const t = this.tap;
    this.tap = null;
    return t && this.now() - t.atMs < TAP_VALID_MS ? t.nurse : null;
  }

  get idleSeconds(): number {
    return Math.round(this.idleMs / 1000);
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
