/**
 * The cart's sign-in attempts (PIN, badge, sign-out) for the cloud's audit trail: appended to a
 * queue kept in the gateway's store, sent in order on telecart/v1/gw/{id}/nurse/up (NurseAudit)
 * whenever the cart is connected, removed once the broker took them (QoS 1). Offline they wait;
 * a restart keeps them. Past MAX_QUEUED the oldest are dropped, counted and logged.
 */

import { Type } from '@sinclair/typebox';
import {
  compile,
  formatIssues,
  NURSES_VERSION,
  type NurseAudit,
  type NurseAuditEvent,
  NurseAudit as NurseAuditSchema,
  topics,
} from '@telecart/protocol';
import type { CartDayStore } from '../agenda/cart-day.js';
import type { Logger } from '../logger.js';
import type { SyncClient } from '../sync/sync-client.js';

const KEY = 'doc:nurse-audit-queue';
const MAX_QUEUED = 5000;
const BATCH = 100;
const check = compile(NurseAuditSchema);
const checkQueue = compile(Type.Array(Type.Unknown()));

export class NurseAuditQueue {
  private queue: NurseAuditEvent[] = [];
  private sending = false;

  constructor(
    private readonly o: {
      gatewayId: string;
      store: CartDayStore;
      sync: Pick<SyncClient, 'publishOther' | 'connected' | 'on'>;
      logger: Logger;
      now: () => number;
    },
  ) {
    const saved = o.store.loadMeta(KEY);
    if (saved !== undefined) {
      try {
        const v = checkQueue.validate(JSON.parse(saved));
        if (v.ok) this.queue = v.value as NurseAuditEvent[];
      } catch {
        o.logger.warn({}, 'nurses: the stored sign-in audit queue cannot be read; it starts empty');
      }
    }
    o.sync.on('connected', () => void this.flush());
  }

  get length(): number {
    return this.queue.length;
  }

  record(nurseId: string | null, action: NurseAuditEvent['action'], detail: string | null = null): void {
    this.queue.push({ at: new Date(this.o.now()).toISOString(), nurseId, action, detail });
    if (this.queue.length > MAX_QUEUED) {
      const dropped = this.queue.splice(0, this.queue.length - MAX_QUEUED);
      this.o.logger.error({ dropped: dropped.length }, 'nurses: sign-in audit queue full; the oldest attempts were dropped');
    }
    this.o.store.saveMeta(KEY, JSON.stringify(this.queue));
    void this.flush();
  }

  /** Sends what is queued, in order, while connected. */
  async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.o.sync.connected) {
        const events = this.queue.slice(0, BATCH);
        const msg: NurseAudit = { v: NURSES_VERSION, type: 'audit', events };
        const v = check.validate(msg);
        if (!v.ok) {
          // Written by record() only; a bad one is dropped rather than blocking the rest.
          this.o.logger.error({ detail: formatIssues(v.issues) }, 'nurses: an audit batch does not fit NurseAudit; dropped');
        } else await this.o.sync.publishOther(topics.nurseUp(this.o.gatewayId), JSON.stringify(msg));
        this.queue.splice(0, events.length);
        this.o.store.saveMeta(KEY, JSON.stringify(this.queue));
      }
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message, queued: this.queue.length }, 'nurses: sign-in audit not sent; kept for later');
    } finally {
      this.sending = false;
    }
  }
}
