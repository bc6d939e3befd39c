/**
 * The outbox sender: takes due messages from the store under a lease, hands each to its transport,
 * and records the outcome (sent, retry later with doubling delays, failed for good). Woken at once
 * when something is enqueued, and every `everyMs` for retries and messages that were not due yet.
 *
 * Delivery is at least once: a message is settled only after its transport accepted it, so a crash
 * between the two sends it again when its lease runs out (same Message-ID for e-mail). A crash at
 * any other point neither loses nor repeats it. docs/notifications.md says what this guarantees.
 */
import type { Logger } from 'pino';
import type { Scheduler } from '../alerts/engine.js';
import { killPoint } from '../alerts/kill-point.js';
import type { CloudStore, OutboxLease } from '../store/cloud-store.js';
import type { OutboxChannel } from '../store/outbox-records.js';
import { type EmailSender, type SendResult, type SmsSender, TransportError } from './transport.js';

export interface OutboxPolicy {
  maxAttempts: number;
  retryMs: number;
  maxRetryMs: number;
  leaseMs: number;
  everyMs: number;
}

type Outcome = 'sent' | 'retried' | 'failed';
export interface OutboxMetrics {
  /** Settled since start, by channel and outcome. */
  settled: Record<OutboxChannel, Record<Outcome, number>>;
  /** Pending messages after the last round (due or not), null before the first. */
  pending: number | null;
  failedTotal: number | null;
}

export interface OutboxSenderOptions {
  store: Pick<CloudStore, 'leaseOutbox' | 'settleOutbox' | 'outboxCounts'>;
  email?: EmailSender;
  sms?: SmsSender;
  policy: OutboxPolicy;
  logger: Logger;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  schedule?: Scheduler;
}

const ROUND = 20;

const intervalScheduler: Scheduler = (task, everyMs) => {
  const t = setInterval(task, everyMs);
  t.unref();
  return () => clearInterval(t);
};

export class OutboxSender {
  private readonly now: () => number;
  private queue: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private cancel: (() => void) | null = null;
  private readonly counts: OutboxMetrics = {
    settled: { email: { sent: 0, retried: 0, failed: 0 }, sms: { sent: 0, retried: 0, failed: 0 } },
    pending: null,
    failedTotal: null,
  };

  constructor(private readonly o: OutboxSenderOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): Promise<void> {
    this.cancel = (this.o.schedule ?? intervalScheduler)(() => void this.wake(), this.o.policy.everyMs);
    return this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
    await this.queue;
    this.o.email?.close();
  }

  metrics(): OutboxMetrics {
    return structuredClone(this.counts);
  }

  /** Sends what is due now; one round at a time (a wake-up during a round queues one more). */
  wake(): Promise<void> {
    if (this.stopped || this.queued) return this.queue;
    this.queued = true;
    this.queue = this.queue
      .then(() => {
        this.queued = false;
        return this.drain();
      })
      .catch((err: unknown) => this.o.logger.error({ err }, 'outbox: sending round failed; retried at the next'));
    return this.queue;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const leased = await this.o.store.leaseOutbox(new Date(this.now()), this.o.policy.leaseMs, ROUND);
      for (const m of leased) await this.sendOne(m);
      if (leased.length < ROUND) break;
    }
    const c = await this.o.store.outboxCounts();
    this.counts.pending = c.pending;
    this.counts.failedTotal = c.failed;
  }

  private async sendOne(m: OutboxLease): Promise<void> {
    const channel = m.payload.kind;
    let result: SendResult;
    try {
      result = await this.transmit(m);
    } catch (err) {
      const e = err instanceof TransportError ? err : new TransportError(String((err as Error)?.message ?? err), false);
      const at = new Date(this.now());
      const last = e.permanent || m.attempts >= this.o.policy.maxAttempts;
      const log = { outboxId: m.id, topic: m.topic, channel, attempts: m.attempts, error: e.message };
      if (last) {
        await this.o.store.settleOutbox(m.id, m.leaseToken, { outcome: 'failed', at, error: e.message });
        this.counts.settled[channel].failed++;
        this.o.logger.error(log, 'outbox: message failed for good (recorded; not sent)');
      } else {
        const delay = Math.min(this.o.policy.retryMs * 2 ** (m.attempts - 1), this.o.policy.maxRetryMs);
        await this.o.store.settleOutbox(m.id, m.leaseToken, {
          outcome: 'retry',
          at,
          error: e.message,
          retryAt: new Date(at.getTime() + delay),
        });
        this.counts.settled[channel].retried++;
        this.o.logger.warn({ ...log, retryInMs: delay }, 'outbox: send failed; retried later');
      }
      return;
    }
    killPoint('outbox-sent');
    const settled = await this.o.store.settleOutbox(m.id, m.leaseToken, {
      outcome: 'sent',
      at: new Date(this.now()),
      providerRef: result.providerRef,
    });
    this.counts.settled[channel].sent++;
    if (!settled) this.o.logger.warn({ outboxId: m.id }, 'outbox: sent after its lease ran out (another attempt may send it again)');
    else this.o.logger.info({ outboxId: m.id, topic: m.topic, channel, providerRef: result.providerRef }, 'outbox: sent');
  }

  private transmit(m: OutboxLease): Promise<SendResult> {
    const p = m.payload;
    if (p.kind === 'email') {
      if (!this.o.email) throw new TransportError('no e-mail transport configured (outbox.email)', false);
      return this.o.email.send({
        id: m.id,
        to: m.recipient,
        subject: p.subject,
        text: p.text,
        ...(p.calendar ? { calendar: p.calendar } : {}),
      });
    }
    if (!this.o.sms) throw new TransportError('no SMS transport configured (outbox.sms)', false);
    return this.o.sms.send({ id: m.id, to: m.recipient, text: p.text });
  }
}
