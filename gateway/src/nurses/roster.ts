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
import { badgeHash, type CartNurse, CartNurses, compile } from '@telecart/protocol';
import type { Logger } from '../logger.js';
import { RetainedDocument, type RetainedDocumentStore, type RetainedRefusal } from '../sync/retained-document.js';
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

export type NursesRefusal = RetainedRefusal;

export type PinOutcome =
  | { ok: true; nurse: CartNurse }
  | { ok: false; reason: 'unknown-nurse' | 'no-pin' | 'locked' }
  | { ok: false; reason: 'wrong-pin'; attemptsLeft: number };

/** The badge's hash, computed as the cloud computes it (shared code). */
export { badgeHash };

export class NurseRoster {
  private readonly list: RetainedDocument<typeof CartNurses>;
  private locks: Record<string, { failures: number; pinSetAt: string | null }> = {};

  constructor(private readonly o: { gatewayId: string; store: RetainedDocumentStore; logger: Logger }) {
    this.list = new RetainedDocument({
      name: 'nurses',
      noun: 'list',
      check,
      storeKey: LIST_KEY,
      maxBytes: MAX_NURSES_BYTES,
      gatewayId: o.gatewayId,
      store: o.store,
      logger: o.logger,
      meanwhile: 'waiting for the cloud',
    });
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
    return this.list.receive(payload);
  }

  /** Called after each accepted list (the full sign-in waits for its nurse's new PIN). */
  onChange(listener: () => void): () => void {
    return this.list.onChange(() => listener());
  }

  nurses(): CartNurse[] {
    return this.list.current()?.nurses ?? [];
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
}
