/**
 * Appointments nobody called: a `scheduled` act whose slot ended more than a grace ago, and whose
 * call window has closed, is closed as `not-done` with the reason `no-show` (FHIR `noshow`, the
 * platforms' « non réalisée »), with an audit line by the cloud. A loop on the injected clock;
 * each round is repeatable (the store only closes a row that is still scheduled, so a call that
 * claimed it in between wins and nothing is written).
 */
import type { Logger } from 'pino';
import type { Scheduler } from '../alerts/engine.js';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { AuditEventInput, CloudStore } from '../store/cloud-store.js';

/** The reason written on the act: the one the pages and FHIR (`noshow`) already use. */
export const NO_SHOW_REASON = 'no-show';
const PAGE = 500;

export interface NoShowSweeperOptions {
  store: Pick<CloudStore, 'listAppointments' | 'closeAppointment'>;
  /** In order with the relay's own audit lines. */
  audit: (e: Omit<AuditEventInput, 'at'>) => void;
  /** How long after its end an appointment may still be called before it is closed. */
  graceMinutes: number;
  /** The call window's late side (teleconsult.appointmentWindowMinutes.late): never close what a call could still claim. */
  lateMinutes: number;
  /** Told for each closed appointment (the cart's day, the invitations loop). */
  onChange?: (gatewayId: string) => void;
  logger: Logger;
  now?: () => Date;
  everyMs?: number;
  schedule?: Scheduler;
}

const intervalScheduler: Scheduler = (task, everyMs) => {
  const t = setInterval(task, everyMs);
  t.unref();
  return () => clearInterval(t);
};

/** When an appointment nobody called is closed: its end plus the grace, not before its call window closed. */
export function noShowDeadline(a: Pick<AppointmentRecord, 'start' | 'end'>, graceMinutes: number, lateMinutes: number): number {
  return Math.max(Date.parse(a.end) + graceMinutes * 60_000, Date.parse(a.start) + lateMinutes * 60_000);
}

export class NoShowSweeper {
  private readonly now: () => Date;
  private queue: Promise<number> = Promise.resolve(0);
  private cancel: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly o: NoShowSweeperOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Starts the loop; the first round (appointments missed while the cloud was down) runs now. */
  start(): Promise<number> {
    this.cancel = (this.o.schedule ?? intervalScheduler)(() => void this.sweep(), this.o.everyMs ?? 60_000);
    return this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
    await this.queue;
  }

  /** One round, after the one under way; resolves with how many appointments it closed. */
  sweep(): Promise<number> {
    if (this.stopped) return this.queue;
    this.queue = this.queue.then(
      () =>
        this.round().catch((err: unknown) => {
          // The next round tries again: nothing was closed that should not have been.
          this.o.logger.error({ err }, 'no-show: round failed; retried at the next one');
          return 0;
        }),
      () => 0,
    );
    return this.queue;
  }

  private async round(): Promise<number> {
    const now = this.now();
    const { store, graceMinutes, lateMinutes } = this.o;
    // Only slots that started long enough ago can be due; the earliest grace is the smaller bound.
    const to = new Date(now.getTime() - Math.min(graceMinutes, lateMinutes) * 60_000);
    let closed = 0;
    for (let offset = 0; ; ) {
      const page = await store.listAppointments({ status: ['scheduled'], to, limit: PAGE, offset });
      let kept = 0;
      for (const a of page) {
        const deadline = noShowDeadline(a, graceMinutes, lateMinutes);
        if (deadline > now.getTime()) {
          kept++;
          continue;
        }
        const r = await store.closeAppointment(a.id, 'not-done', NO_SHOW_REASON, now.toISOString());
        if (!r.ok) {
          // Claimed or closed by someone else in between: theirs stands.
          kept++;
          continue;
        }
        closed++;
        this.o.audit({
          actor: 'cloud',
          actorRole: 'system',
          action: 'appointment-not-done',
          sessionId: a.id,
          gatewayId: a.gatewayId,
          patientId: a.patientId,
          detail: `${NO_SHOW_REASON}: not called by ${new Date(deadline).toISOString()} (slot ${a.start} to ${a.end}, grace ${graceMinutes} min)`,
        });
        this.o.onChange?.(a.gatewayId);
      }
      // Closed rows left the `scheduled` filter: the next page starts after the ones kept.
      offset += kept;
      if (page.length < PAGE) break;
    }
    if (closed > 0) this.o.logger.info({ closed }, 'no-show: appointments nobody called closed as not done');
    return closed;
  }
}
