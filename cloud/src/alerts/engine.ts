/**
 * The alert engine: evaluates each newly stored reading of an enrolled patient against its
 * programme's rules (history fetched by effective time, so a cart that was offline for days is
 * judged at the time of its readings), keeps one open alert per (patient, rule) in the store,
 * checks non-transmission on a schedule, and tells listeners (the SSE stream) what changed.
 *
 * Durable: the readings to judge come from the store's alert queue, written in the same
 * transaction as the readings, and each is taken off it in the transaction that records the
 * alerts it raised (one transaction per round of readings). A crash at any point neither loses nor repeats an evaluation; on start the
 * engine catches up on what was queued. The ingest's onObservation only wakes it up.
 * Duplicates never reach it: the store queues only the readings it newly inserted.
 * Work is serialized (one evaluation at a time) so a batch's readings see each other.
 */
import type { Observation } from '@telecart/protocol';
import type { Logger } from 'pino';
import type { AckResult, AlertRecord, AlertTrigger, CloudStore, Judgement } from '../store/cloud-store.js';
import { MAX_PAGE_SIZE } from '../store/cloud-store.js';
import { enrollmentCovers, type PatientEnrollment } from './config.js';
import { type EnrolmentSource, fixedEnrolments, isEnrolmentSource } from './enrolment-source.js';
import { killPoint } from './kill-point.js';
import { nonTransmission } from './rules/non-transmission.js';
import { PROGRAMME_EVALUATION, silenceRuleOf } from './rules/programmes.js';
import type { Finding } from './rules/types.js';

export type AlertChange = 'opened' | 'updated' | 'acknowledged' | 'resolved';
export interface AlertEvent {
  change: AlertChange;
  alert: AlertRecord;
}
export type AlertListener = (e: AlertEvent) => void;

/** Starts a repeating task; returns its cancel. Injected so tests drive time themselves. */
export type Scheduler = (task: () => void, everyMs: number) => () => void;

const intervalScheduler: Scheduler = (task, everyMs) => {
  const t = setInterval(task, everyMs);
  t.unref();
  return () => clearInterval(t);
};

export interface AlertEngineOptions {
  store: Pick<
    CloudStore,
    | 'getObservation'
    | 'getObservations'
    | 'upsertOpenAlert'
    | 'listAlerts'
    | 'acknowledgeAlert'
    | 'resolveOpenAlert'
    | 'pendingJudgements'
    | 'judge'
  >;
  /**
   * Who is enrolled: the store's enrolments (storeEnrolments), read at each judgement and check so
   * a new or ended enrolment counts without a restart; or a fixed map (one programme per patient).
   */
  enrollments: ReadonlyMap<string, PatientEnrollment> | EnrolmentSource;
  /** Non-transmission check period (also run once at start). */
  checkEveryMinutes: number;
  logger: Logger;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  schedule?: Scheduler;
}

export const SYSTEM_ACTOR = 'system';

/** Queued readings read per round of a drain. */
const DRAIN_ROUND = 200;

export class AlertEngine {
  private readonly now: () => number;
  private readonly listeners = new Set<AlertListener>();
  private queue: Promise<void> = Promise.resolve();
  private cancel: (() => void) | null = null;
  private stopped = false;
  /** A drain is queued and has not started yet: later wake-ups need no other. */
  private drainQueued = false;
  /** Follow-up start of patients enrolled without `since`: when this engine started. */
  private startedAt = 0;
  private readonly enrolments: EnrolmentSource;

  constructor(private readonly o: AlertEngineOptions) {
    this.now = o.now ?? Date.now;
    this.enrolments = isEnrolmentSource(o.enrollments) ? o.enrollments : fixedEnrolments(o.enrollments);
  }

  /** Judges what was queued before this start (a crash, a stop), checks non-transmission now, then every checkEveryMinutes. */
  async start(): Promise<void> {
    this.startedAt = this.now();
    // Always scheduled: a patient may be enrolled later, without a restart.
    this.cancel = (this.o.schedule ?? intervalScheduler)(() => {
      // Also retries readings a failed drain left queued.
      void this.drain();
      void this.checkSilence();
    }, this.o.checkEveryMinutes * 60_000);
    await this.drain();
    return this.checkSilence();
  }

  /** Waits for the queued work (in flight when stopping), then ignores new readings. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
    await this.queue;
    this.listeners.clear();
  }

  onAlert(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For the ingest's onObservation: a reading was stored (and queued by the store): judge the queue. */
  readonly observe = (_obs: Observation): void => {
    void this.drain();
  };

  /** Queues one drain of the store's alert queue, unless one is queued and not started yet. */
  drain(): Promise<void> {
    if (this.stopped || this.drainQueued) return this.queue;
    this.drainQueued = true;
    return this.enqueue(() => {
      this.drainQueued = false;
      return this.judgeQueued();
    });
  }

  /** Resolves once every evaluation and check queued so far is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Runs the non-transmission rules of every enrolment active now (an ended one is not followed any more). */
  checkSilence(): Promise<void> {
    if (this.stopped) return this.queue;
    return this.enqueue(async () => {
      for (const e of await this.enrolments.activeAt(this.now())) await this.checkPatientSilence(e);
    });
  }

  /** A clinician acknowledges: open → acknowledged, told to the live listeners. */
  async acknowledge(id: string, by: string, note: string | null): Promise<AckResult> {
    const r = await this.o.store.acknowledgeAlert(id, by, note, new Date(this.now()));
    if (r.outcome === 'acknowledged') this.emit('acknowledged', r.alert);
    return r;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((err: unknown) => this.o.logger.error({ err }, 'alerts: evaluation failed'));
    return this.queue;
  }

  /**
   * Judges the queued readings, oldest first, a round at a time: every reading of the round is
   * evaluated, then one store transaction takes them all off the queue with the alerts they
   * raised (one commit per round, not per reading). A patient's enrolments are read once per round
   * (a gateway back from a storm brings 100 readings of one patient: one query, not 100). Stops
   * when the queue is empty or a round had failures (those readings stay queued for the next drain).
   */
  private async judgeQueued(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const pending = await this.o.store.pendingJudgements(DRAIN_ROUND);
      if (pending.length === 0) return;
      killPoint('alert-evaluation');
      const judgements: Judgement[] = [];
      let failed = 0;
      let firstError: unknown;
      const enrolmentsOf = new Map<string, Promise<PatientEnrollment[]>>();
      const ofPatient = (patientId: string) => {
        let e = enrolmentsOf.get(patientId);
        if (!e) {
          e = this.enrolments.ofPatient(patientId);
          // A failed read is not kept: the next reading of the patient reads again.
          e.catch(() => enrolmentsOf.delete(patientId));
          enrolmentsOf.set(patientId, e);
        }
        return e;
      };
      for (const p of pending) {
        try {
          const triggers = await this.judgeOne(p.patientId, p.observationId, ofPatient);
          judgements.push({ queueId: p.queueId, triggers });
        } catch (err) {
          // Left queued: judged at the next drain. The others are not held up by one that fails.
          failed++;
          firstError ??= err;
        }
      }
      const results = await this.o.store.judge(judgements);
      killPoint('alert-judged');
      for (const r of results) for (const { alert, created } of r.alerts) this.announce(alert, created);
      if (failed > 0) {
        this.o.logger.error(
          { err: firstError, failed },
          'alerts: could not judge some stored readings; they stay queued for the next check',
        );
        return;
      }
      if (pending.length < DRAIN_ROUND) return;
    }
  }

  /** The triggers of one queued reading: by each of the patient's enrolments (none: nothing to judge). */
  private async judgeOne(
    patientId: string,
    observationId: string,
    ofPatient: (patientId: string) => Promise<PatientEnrollment[]>,
  ): Promise<AlertTrigger[]> {
    const enrolments = await ofPatient(patientId);
    if (enrolments.length === 0) return [];
    const obs = await this.o.store.getObservation(observationId);
    if (obs === null) {
      // The store logged why (row-decoder.ts): there is nothing here the rules could read.
      this.o.logger.warn({ observationId, patientId }, 'alerts: a stored reading cannot be read; not judged');
      return [];
    }
    const triggers: AlertTrigger[] = [];
    for (const e of enrolments) for (const f of await this.evaluate(e, obs)) triggers.push(this.triggerOf(patientId, f));
    return triggers;
  }

  /** The findings of one stored reading of an enrolled patient (none if its programme does not use it). */
  private async evaluate(e: PatientEnrollment, obs: Observation): Promise<Finding[]> {
    if (obs.lane === 'waveform') return [];
    const prog = PROGRAMME_EVALUATION[e.programme];
    if (!prog.accepts(obs)) return [];
    const at = Date.parse(obs.time.effective);
    // Data arrived: the non-transmission alert may end (decided on the newest reading, not this one).
    if (enrollmentCovers({ sinceMs: null, endMs: e.endMs ?? null }, this.now())) await this.checkPatientSilence(e);
    // The programme's rules judge only readings measured inside the enrolment.
    if (!enrollmentCovers(e, at)) return [];
    const lookback = prog.lookbackMs(e.rules);
    const history =
      lookback > 0
        ? await this.o.store.getObservations({
            patientId: e.patientId,
            loinc: prog.codes,
            from: new Date(at - lookback),
            to: new Date(at),
            limit: MAX_PAGE_SIZE,
          })
        : [];
    return prog.evaluate(obs, history, e.rules);
  }

  private triggerOf(patientId: string, f: Finding): AlertTrigger {
    return {
      patientId,
      rule: f.rule,
      severity: f.severity,
      at: new Date(this.now()),
      observationIds: f.observationIds,
      textKey: f.textKey,
      values: f.values,
    };
  }

  private async raise(patientId: string, f: Finding): Promise<void> {
    const { alert, created } = await this.o.store.upsertOpenAlert(this.triggerOf(patientId, f));
    this.announce(alert, created);
  }

  private announce(alert: AlertRecord, created: boolean): void {
    this.o.logger.info(
      { alertId: alert.id, patientId: alert.patientId, rule: alert.rule, severity: alert.severity, count: alert.count },
      created ? 'alerts: opened' : 'alerts: updated',
    );
    this.emit(created ? 'opened' : 'updated', alert);
  }

  private async checkPatientSilence(e: PatientEnrollment): Promise<void> {
    const silence = silenceRuleOf(e);
    if (!silence) return;
    const prog = PROGRAMME_EVALUATION[e.programme];
    const now = this.now();
    // Newest usable reading by effective time (a few recent ones: the newest might be in an unknown unit).
    const recent = await this.o.store.getObservations({ patientId: e.patientId, loinc: prog.codes, to: new Date(now), limit: 10 });
    const last = recent.find((o) => o.lane !== 'waveform' && prog.accepts(o));
    const lastAt = last ? Date.parse(last.time.effective) : null;
    const followedSince = e.sinceMs ?? this.startedAt;
    const f = nonTransmission({ rule: silence.rule, days: silence.days, lastAt, followedSince, now });
    if (!f) {
      const resolved = await this.o.store.resolveOpenAlert(e.patientId, silence.rule, SYSTEM_ACTOR, new Date(now));
      if (resolved) {
        this.o.logger.info({ alertId: resolved.id, patientId: e.patientId, rule: silence.rule }, 'alerts: resolved (data received)');
        this.emit('resolved', resolved);
      }
      return;
    }
    const episodeStart = new Date(Math.max(lastAt ?? Number.NEGATIVE_INFINITY, followedSince));
    const [open, acked] = await Promise.all([
      this.o.store.listAlerts({ patientId: e.patientId, rule: silence.rule, status: 'open', limit: 1 }),
      this.o.store.listAlerts({ patientId: e.patientId, rule: silence.rule, status: 'acknowledged', from: episodeStart, limit: 1 }),
    ]);
    // Acknowledged during this silence: the care team knows; the next alert waits for the next silence.
    if (acked.total > 0) return;
    const current = open.alerts[0];
    // Still silent: touch the open alert once per additional whole day, not on every check.
    if (current && Math.floor(Number(current.values.silentDays)) >= Math.floor(Number(f.values.silentDays))) return;
    await this.raise(e.patientId, f);
  }

  private emit(change: AlertChange, alert: AlertRecord): void {
    for (const l of this.listeners) {
      try {
        l({ change, alert });
      } catch (err) {
        this.o.logger.error({ err }, 'alerts: listener failed');
      }
    }
  }
}
