/**
 * The nurses allowed on this cart as the cloud last sent them (retained on
 * telecart/v1/gw/{id}/nurses), and the PIN lockout of this cart. A payload that is not JSON, not
 * the protocol's CartNurses, or addressed to another cart is refused and logged; the last good
 * list is kept. Both are written to the store, so a known nurse signs in offline after a restart
 * and a restart does not reset a lockout.
 *
 * Lockout: MAX_PIN_FAILURES wrong PINs in a row lock that nurse's PIN on this cart until a full
 * sign-in, which sets a new PIN (a newer pinSetAt in the list ends the lock).
 */
import { Type } from '@sinclair/typebox';
import { badgeHash, type CartNurse, CartNurses, compile, formatIssues } from '@telecart/protocol';
import type { CartDayStore } from '../agenda/cart-day.js';
import type { Logger } from '../logger.js';
import { pinMatches } from './pin.js';

const check = compile(CartNurses);
const checkLocks = compile(
  Type.Record(Type.String(), Type.Object({ failures: Type.Integer({ minimum: 0 }), pinSetAt: Type.Union([Type.String(), Type.Null()]) })),
);
const LIST_KEY = 'doc:cloud-nurses';
const LOCK_KEY = 'doc:nurse-pin-failures';
export const MAX_PIN_FAILURES = 5;
/** 500 nurses with their verifiers are ~150 kB. */
export const MAX_NURSES_BYTES = 512 * 1024;

export type NursesRefusal = 'oversize' | 'not-json' | 'schema' | 'wrong-gateway';

export type PinOutcome =
  | { ok: true; nurse: CartNurse }
  | { ok: false; reason: 'unknown-nurse' | 'no-pin' | 'locked' }
  | { ok: false; reason: 'wrong-pin'; attemptsLeft: number };

/** The badge's hash, computed as the cloud computes it (shared code). */
export { badgeHash };

export class NurseRoster {
  private list: CartNurses | null = null;
  private locks: Record<string, { failures: number; pinSetAt: string | null }> = {};
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: { gatewayId: string; store: CartDayStore; logger: Logger }) {
    const saved = o.store.loadMeta(LIST_KEY);
    if (saved !== undefined) {
      const r = this.parse(Buffer.from(saved));
      if (r.ok) this.list = r.list;
      else o.logger.warn({ reason: r.reason, detail: r.detail }, 'nurses: the stored list cannot be read; waiting for the cloud');
    }
    const locks = o.store.loadMeta(LOCK_KEY);
    if (locks !== undefined) {
      try {
        const v = checkLocks.validate(JSON.parse(locks));
        if (v.ok) this.locks = v.value;
      } catch {
        // An unreadable lock record: every nurse starts with the full count (logged).
        o.logger.warn({}, 'nurses: the stored PIN lockouts cannot be read; counts start again');
      }
    }
  }

  /** A payload from the nurses topic: kept when good, refused (logged) otherwise. */
  receive(payload: Buffer): boolean {
    const r = this.parse(payload);
    if (!r.ok) {
      this.o.logger.warn(
        { reason: r.reason, detail: r.detail, kept: this.list?.at ?? null },
        'nurses: refused a list from the cloud; the last good one is kept',
      );
      return false;
    }
    this.list = r.list;
    this.o.store.saveMeta(LIST_KEY, JSON.stringify(r.list));
    for (const l of this.listeners) l();
    return true;
  }

  /** Called after each accepted list (the full sign-in waits for its nurse's new PIN). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  nurses(): CartNurse[] {
    return this.list?.nurses ?? [];
  }

  find(id: string): CartNurse | undefined {
    return this.nurses().find((n) => n.id === id);
  }

  byBadge(uid: string): CartNurse | undefined {
    const h = badgeHash(uid);
    return this.nurses().find((n) => n.badgeSha256 === h);
  }

  /** Whether the nurse's PIN is locked on this cart (a newer PIN than the one locked ends it). */
  locked(id: string): boolean {
    const l = this.locks[id];
    const n = this.find(id);
    if (!l || !n) return false;
    return l.failures >= MAX_PIN_FAILURES && l.pinSetAt === n.pinSetAt;
  }

  failures(id: string): number {
    const l = this.locks[id];
    return l && l.pinSetAt === (this.find(id)?.pinSetAt ?? null) ? l.failures : 0;
  }

  async checkPin(id: string, pin: string): Promise<PinOutcome> {
    const n = this.find(id);
    if (!n) return { ok: false, reason: 'unknown-nurse' };
    if (n.pin === null) return { ok: false, reason: 'no-pin' };
    if (this.locked(id)) return { ok: false, reason: 'locked' };
    if (await pinMatches(pin, n.pin)) {
      this.setFailures(id, 0, n.pinSetAt);
      return { ok: true, nurse: n };
    }
    const failures = this.failures(id) + 1;
    this.setFailures(id, failures, n.pinSetAt);
    return failures >= MAX_PIN_FAILURES
      ? { ok: false, reason: 'locked' }
      : { ok: false, reason: 'wrong-pin', attemptsLeft: MAX_PIN_FAILURES - failures };
  }

  private setFailures(id: string, failures: number, pinSetAt: string | null): void {
    if (failures === 0) delete this.locks[id];
    else this.locks[id] = { failures, pinSetAt };
    this.o.store.saveMeta(LOCK_KEY, JSON.stringify(this.locks));
  }

  private parse(payload: Buffer): { ok: true; list: CartNurses } | { ok: false; reason: NursesRefusal; detail: string } {
    if (payload.length > MAX_NURSES_BYTES) return { ok: false, reason: 'oversize', detail: `${payload.length} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'not-json', detail: (e as Error).message };
    }
    const v = check.validate(json);
    if (!v.ok) return { ok: false, reason: 'schema', detail: formatIssues(v.issues).slice(0, 500) };
    if (v.value.gatewayId !== this.o.gatewayId)
      return { ok: false, reason: 'wrong-gateway', detail: `for ${v.value.gatewayId}, this cart is ${this.o.gatewayId}` };
    return { ok: true, list: v.value };
  }
}
