/**
 * Alert notifications: turns the escalation rows the store writes with each new alert into outbox
 * messages, level after level while the alert stays open, and writes the daily digests. Every step
 * is one store transaction (messages + next level), and its state lives in the store, so a restart
 * or a second cloud neither loses nor repeats a level. Time comes from the injected clock.
 */
import type { Logger } from 'pino';
import type { CloudStore } from '../../store/cloud-store.js';
import { enrollmentCovers, type PatientEnrollment } from '../config.js';
import type { AlertEvent, Scheduler } from '../engine.js';
import { type EnrolmentSource, fixedEnrolments, isEnrolmentSource } from '../enrolment-source.js';
import { killPoint } from '../kill-point.js';
import type { NotifyTeam } from './config.js';
import { type AlertContext, digestMessages, initialsOf, levelMessages, localClock } from './plan.js';

const MINUTE = 60_000;
const ROUND = 100;

export interface AlertNotifierOptions {
  store: Pick<
    CloudStore,
    'getAlert' | 'listAlerts' | 'getPatient' | 'dueEscalations' | 'escalate' | 'endEscalation' | 'cancelOutbox' | 'enqueueOutbox'
  >;
  /**
   * The on-call teams: a fixed list, or read at each round (the store's, which the administration
   * page edits: a change counts from the next round, without a restart).
   */
  teams: readonly NotifyTeam[] | (() => Promise<readonly NotifyTeam[]>);
  /** Who is enrolled in which programme: the store's enrolments (those made through the API too), or a fixed map. */
  enrollments: ReadonlyMap<string, PatientEnrollment> | EnrolmentSource;
  /** Whether the patient is on one of the site's carts (a team with a `site` is told of that site's patients only). */
  inSite?: (patientId: string, siteId: string) => Promise<boolean>;
  /** Origin of the dashboard links. */
  dashboardUrl: string;
  /** Told when messages were enqueued (the outbox sender). */
  onEnqueued: () => void;
  everyMs: number;
  logger: Logger;
  now?: () => number;
  schedule?: Scheduler;
}

const intervalScheduler: Scheduler = (task, everyMs) => {
  const t = setInterval(task, everyMs);
  t.unref();
  return () => clearInterval(t);
};

export class AlertNotifier {
  private readonly now: () => number;
  private queue: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private cancel: (() => void) | null = null;
  /** Team id → local date whose digest is written (saves the query; the idempotency key is the guard). */
  private readonly digested = new Map<string, string>();
  private readonly enrolments: EnrolmentSource;

  constructor(private readonly o: AlertNotifierOptions) {
    this.now = o.now ?? Date.now;
    this.enrolments = isEnrolmentSource(o.enrollments) ? o.enrollments : fixedEnrolments(o.enrollments);
  }

  private async teams(): Promise<readonly NotifyTeam[]> {
    return typeof this.o.teams === 'function' ? this.o.teams() : this.o.teams;
  }

  /** The team is told of this patient: a team without a site, or one of whose site the patient is. */
  private async serves(t: NotifyTeam, patientId: string): Promise<boolean> {
    if (t.site === undefined) return true;
    return this.o.inSite ? this.o.inSite(patientId, t.site) : false;
  }

  start(): Promise<void> {
    this.cancel = (this.o.schedule ?? intervalScheduler)(() => void this.wake(), this.o.everyMs);
    return this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
    await this.queue;
  }

  /** For the alert engine's listeners: a new alert is due at once; an acknowledged or resolved one stops. */
  readonly onAlert = (e: AlertEvent): void => {
    if (e.change === 'opened') void this.wake();
    else if (e.change === 'acknowledged' || e.change === 'resolved') void this.enqueue(() => this.end(e.alert.id, e.change));
  };

  /** Runs one round (due escalations, digests); a wake-up during a round queues one more. */
  wake(): Promise<void> {
    if (this.stopped || this.queued) return this.queue;
    this.queued = true;
    return this.enqueue(() => {
      this.queued = false;
      return this.round();
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    if (this.stopped) return this.queue;
    this.queue = this.queue.then(work).catch((err: unknown) => this.o.logger.error({ err }, 'notify: round failed; retried at the next'));
    return this.queue;
  }

  /** The teams of the programmes the patient was enrolled in when the alert opened. */
  private async teamsOf(patientId: string, at: number): Promise<NotifyTeam[]> {
    const programmes = new Set((await this.enrolments.ofPatient(patientId)).filter((e) => enrollmentCovers(e, at)).map((e) => e.programme));
    const out: NotifyTeam[] = [];
    for (const t of await this.teams()) if (t.programmes.some((p) => programmes.has(p)) && (await this.serves(t, patientId))) out.push(t);
    return out;
  }

  private async context(alert: AlertContext['alert']): Promise<AlertContext> {
    const patient = await this.o.store.getPatient(alert.patientId);
    return { alert, initials: initialsOf(patient), link: `${this.o.dashboardUrl}/patients/${encodeURIComponent(alert.patientId)}` };
  }

  /** Acknowledged or resolved: no further level, and what has not left yet (quiet hours) is withdrawn. */
  private async end(alertId: string, why: string): Promise<void> {
    const ended = await this.o.store.endEscalation(alertId);
    const withdrawn = await this.o.store.cancelOutbox(`alert:${alertId}`, new Date(this.now()));
    if (ended || withdrawn > 0) this.o.logger.info({ alertId, why, withdrawn }, 'notify: escalation stopped');
  }

  private async round(): Promise<void> {
    const now = new Date(this.now());
    for (const esc of await this.o.store.dueEscalations(now, ROUND)) {
      if (this.stopped) return;
      const alert = await this.o.store.getAlert(esc.alertId);
      if (alert === null || alert.status !== 'open') {
        await this.end(esc.alertId, alert === null ? 'unknown alert' : alert.status);
        continue;
      }
      const teams = await this.teamsOf(alert.patientId, Date.parse(alert.openedAt));
      const c = await this.context(alert);
      const unacked = (now.getTime() - Date.parse(alert.openedAt)) / MINUTE;
      const messages = teams.flatMap((t) => levelMessages(t, esc.level, c, now, unacked));
      // The next level is timed from when this one can actually be read (after quiet hours).
      const reached = messages.length > 0 ? Math.min(...messages.map((m) => m.notBefore.getTime())) : now.getTime();
      const nextAfter = teams.flatMap((t) => {
        const l = t.levels[esc.level];
        return l ? [l.afterMinutes] : [];
      });
      const next = nextAfter.length > 0 ? { level: esc.level + 1, dueAt: new Date(reached + Math.min(...nextAfter) * MINUTE) } : null;
      const took = await this.o.store.escalate({ alertId: alert.id, fromLevel: esc.level, messages, next }, now);
      if (!took) continue;
      killPoint('outbox-enqueued');
      this.o.logger.info(
        { alertId: alert.id, level: esc.level, messages: messages.length, nextAt: next?.dueAt.toISOString() ?? null },
        'notify: alert notifications enqueued',
      );
      if (messages.length > 0) this.o.onEnqueued();
    }
    await this.digests(now);
  }

  private async digests(now: Date): Promise<void> {
    const active = await this.enrolments.activeAt(now.getTime());
    for (const team of await this.teams()) {
      if (team.digestAt === undefined) continue;
      const { date, minutes } = localClock(now, team.timeZone);
      const at = Number(team.digestAt.slice(0, 2)) * 60 + Number(team.digestAt.slice(3, 5));
      if (minutes < at || this.digested.get(team.id) === date) continue;
      const patientIds: string[] = [];
      for (const e of active)
        if (team.programmes.includes(e.programme) && (await this.serves(team, e.patientId))) patientIds.push(e.patientId);
      const open = await this.o.store.listAlerts({ status: 'open', patientIds, limit: 1000 });
      const contexts = await Promise.all(open.alerts.map((a) => this.context(a)));
      const added = await this.o.store.enqueueOutbox(digestMessages(team, contexts, now), now);
      this.digested.set(team.id, date);
      if (added > 0) {
        this.o.logger.info({ team: team.id, date, alerts: open.total }, 'notify: daily digest enqueued');
        this.o.onEnqueued();
      }
    }
  }
}
