/**
 * The relay's owner leases of acts (migration 23, store/act-lease-tables.ts), so that several cloud
 * instances can run on one store behind one address: each cart's call reaches every instance (no
 * shared subscription); the instance whose conditional write takes the act's lease handles it, the
 * others leave that act's messages alone. The holder renews its leases every leaseSeconds/3; an
 * instance killed stops renewing and, once its leases lapse, the others take its acts back as at a
 * restart. A planned stop releases them at once. The instance id is random per process start.
 */
import { randomBytes } from 'node:crypto';
import type { ActLease, ActLeaseStore } from '../store/act-lease-tables.js';

export interface ActLeaseOptions {
  store: ActLeaseStore;
  leaseSeconds: number;
  now: () => Date;
  /** Fixed id (tests); default a random one per process start. */
  instanceId?: string;
}

export class ActLeases {
  readonly instanceId: string;
  private readonly ms: number;

  constructor(private readonly o: ActLeaseOptions) {
    this.instanceId = o.instanceId ?? `relay-${randomBytes(6).toString('hex')}`;
    this.ms = o.leaseSeconds * 1000;
  }

  /** How often the held leases are renewed and the others' looked at. */
  get everyMs(): number {
    return Math.max(200, Math.floor(this.ms / 3));
  }

  private until(): Date {
    return new Date(this.o.now().getTime() + this.ms);
  }

  /** Takes the act (a call, or an act whose holder is gone); false: another instance holds it. */
  take(sessionId: string): Promise<boolean> {
    return this.o.store.take(sessionId, this.instanceId, this.o.now(), this.until());
  }

  /** Renews the leases of the acts held here; returns those lost to another instance. */
  async renew(held: readonly string[]): Promise<string[]> {
    const kept = await this.o.store.renew(this.instanceId, held, this.until());
    return held.filter((s) => !kept.has(s));
  }

  release(sessionIds: readonly string[]): Promise<void> {
    return this.o.store.release(this.instanceId, sessionIds);
  }

  /** The instance that holds this act now (its lease not lapsed); null: none does. */
  async holder(sessionId: string): Promise<string | null> {
    const l = await this.o.store.get(sessionId);
    return l && l.until.getTime() > this.o.now().getTime() ? l.owner : null;
  }

  /** Every lease, each marked lapsed or not at now. */
  async list(): Promise<(ActLease & { lapsed: boolean; mine: boolean })[]> {
    const t = this.o.now().getTime();
    return (await this.o.store.list()).map((l) => ({ ...l, lapsed: l.until.getTime() <= t, mine: l.owner === this.instanceId }));
  }

  /**
   * Hands an act this instance holds to another (a home act whose specialist's page is there): from
   * the lease as read, only if it is still this instance's; false: it is not (or no longer) held here.
   */
  async give(sessionId: string, to: string): Promise<boolean> {
    const seen = await this.o.store.get(sessionId);
    if (!seen || seen.owner !== this.instanceId || seen.until.getTime() <= this.o.now().getTime()) return false;
    return this.o.store.handOver(seen, to, this.until());
  }

  /**
   * Takes an act another instance holds (a specialist's page joins through this one): from the
   * lease as read, so a renewal or a join on the holder in between wins; read again a few times.
   */
  async handOver(sessionId: string): Promise<boolean> {
    for (let i = 0; i < 5; i++) {
      const seen = (await this.o.store.list()).find((l) => l.sessionId === sessionId);
      if (!seen) return this.take(sessionId);
      if (seen.owner === this.instanceId) return true;
      if (await this.o.store.handOver(seen, this.instanceId, this.until())) return true;
    }
    return false;
  }
}
