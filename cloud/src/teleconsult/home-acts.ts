/**
 * The status of a home act (an appointment on a home kit, joined by link): no cart calls, so the
 * relay's MQTT-driven acts do not cover it; its status follows the people in it instead
 * (docs/teleconsultation.md, « The home act's status »):
 *
 *   scheduled ──patient enters the waiting room (identity confirmed)──▶ waiting
 *   waiting   ──the act's specialist admits them──▶ in-progress (joinedAt = admission)
 *   waiting   ──nobody admitted them by the waiting deadline──▶ not-done (no-join-timeout)
 *   in-progress: media flowed both ways — the specialist's page decoded the patient for 3 s (`home-media-up`) and the
 *                patient's page decoded the specialist for 3 s (`media-up`) ─▶ connectedAt, at the later of the two
 *                (once; the duration counts from it); each half is kept in the store (migration 33) until then,
 *                so an instance that takes the act back (a restart, a hand-over) does not ask it again. A page's
 *                half is acknowledged once it is in the store, and the page says it again until then; said
 *                again, it changes nothing and writes no second line (home-act-media-tables.ts)
 *   in-progress ──the specialist's « Raccrocher »──▶ completed (hangup-specialist), or not-done when the media never came up
 *   in-progress ──the specialist gone, not back within rejoinGraceSeconds──▶ not-done (technical-failure) when the patient is gone too,
 *                 else completed / not-done (specialist-lost), as a cart's act
 *
 * Every move goes through the status machine (transition()), is written on the act's row and is an
 * audit line, in the relay's write order. Pure of transports: presence, timers and the clock are injected.
 *
 * Several cloud instances (docs/teleconsultation.md, « Several cloud instances »): a home act has one
 * owner, as a cart's act does. The act is followed here only once its lease is taken here (`claim`,
 * when the patient enters the waiting room), or when the relay takes it back from the store (a
 * restart, a take-over, a hand-over: restore()); it is let go (letGo) when another instance takes it.
 */
import type { TeleconsultStatus } from '@telecart/protocol';
import type { Logger } from 'pino';
import { killPoint } from '../alerts/kill-point.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { MediaHalf } from '../store/home-act-media-tables.js';
import type { AuditEventInput, TeleconsultationRecord } from '../store/teleconsult-records.js';
import type { Specialist } from './specialists.js';
import { endStatus, isFinal, transition } from './status-machine.js';

/** The reason of a home act that ended because both sides went and neither came back (as appointments close it). */
export const TECHNICAL_FAILURE = 'technical-failure';

/** Runs `fn` after `ms`; returns what cancels it. */
export type After = (ms: number, fn: () => void) => () => void;

/** The home acts' clock and timers (tests move them; default the system's). */
export interface HomeActClock {
  now: () => Date;
  after: After;
}

const realAfter: After = (ms, fn) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export interface HomeActsOptions {
  store: Pick<CloudStore, 'getTeleconsultation' | 'upsertTeleconsultation' | 'homeActMedia'>;
  /** The relay's ordered audit and writes: a home act's lines sit in order with everything else. */
  audit(e: Omit<AuditEventInput, 'at'>, at?: Date): void;
  write(op: () => Promise<void>): void;
  /** As write, and resolves once this write is done (true) or failed (false): what a page is told only once stored. */
  durable(op: () => Promise<unknown>): Promise<boolean>;
  /** Who is there now: the act's patient (an open participant socket) and the joined specialist (an open page of theirs). */
  presence(sessionId: string, specialistId: string | null): { patient: boolean; specialist: boolean };
  /** The act ended: its participants' pages are told (`ended`) and closed, its lease released. */
  ended(sessionId: string, status: TeleconsultStatus): void;
  /** Takes the act's lease for this instance (an act not followed yet); false: another instance holds it. */
  claim(sessionId: string): Promise<boolean>;
  /** Seconds both sides may be away before the act is given up (the cart acts' rejoinGraceSeconds). */
  graceSeconds: number;
  /** How long a patient may wait unadmitted (the cart acts' waitingTimeoutMinutes). */
  waitingMinutes: number;
  onActChange?: (gatewayId: string) => void;
  logger: Logger;
  now: () => Date;
  after?: After;
}

interface Home {
  rec: TeleconsultationRecord;
  cancel?: () => void;
  /** When the joined specialist's last page went: the rejoin window runs from here. */
  specialistGoneAt?: Date;
  /** When both sides were gone (the end time of a technical failure). */
  bothGoneAt?: Date;
  /** When each side's page first said it decoded the other (3 s of frames or voice): both make the media up. */
  received: { specialist?: Date; patient?: Date };
}

/** A specialist's page gone beyond the window with the patient still there: the cart acts' outcome. */
export const SPECIALIST_LOST = 'specialist-lost';

/**
 * What a page's word that it decoded the other side comes to: refused (why), or kept — `stored` once it is in
 * the store (then the page is told, and stops saying it); false when the write failed (the page says it again
 * on its next connection).
 */
export type MediaWord = { refused: string } | { refused: null; stored: Promise<boolean> };

export class HomeActs {
  private readonly acts = new Map<string, Home>();
  /** Per act, one change at a time (a store read then a write). */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly after: After;

  constructor(private readonly o: HomeActsOptions) {
    this.after = o.after ?? realAfter;
  }

  /** Whether this session is a home act this instance follows (so its hang-up is not a cart act's). */
  has(sessionId: string): boolean {
    return this.acts.has(sessionId);
  }

  /** The home acts followed here (their leases are renewed by the relay). */
  ids(): string[] {
    return [...this.acts.keys()];
  }

  /** The act's row as followed here (a relayed participant's arrival is checked against it); undefined: not followed here. */
  record(sessionId: string): Readonly<TeleconsultationRecord> | undefined {
    return this.acts.get(sessionId)?.rec;
  }

  /** Another instance holds the act now (a hand-over, a take-over): it is no longer followed here, its timers stop. */
  letGo(sessionId: string): void {
    const h = this.acts.get(sessionId);
    if (!h) return;
    h.cancel?.();
    this.acts.delete(sessionId);
  }

  /** The act's status as this instance knows it (tests, the participants' admission). */
  status(sessionId: string): TeleconsultStatus | undefined {
    return this.acts.get(sessionId)?.rec.status;
  }

  /** The act's row while it is in progress here (its room may be rebuilt after a restart, unit-signaling.ts); null otherwise. */
  inProgress(sessionId: string): { gatewayId: string; patientId: string; specialistId: string | null } | null {
    const r = this.acts.get(sessionId)?.rec;
    return r?.status === 'in-progress' ? { gatewayId: r.gatewayId, patientId: r.patientId, specialistId: r.specialistId } : null;
  }

  /** The acts in progress here that this specialist joined (their page reconnecting rebuilds their rooms after a restart). */
  joinedBy(specialistId: string): string[] {
    return [...this.acts.values()]
      .filter((h) => h.rec.status === 'in-progress' && h.rec.specialistId === specialistId)
      .map((h) => h.rec.sessionId);
  }

  /** The specialist who admitted the patient (an act in progress): whom a returning patient is let back in by. */
  joined(sessionId: string): { id: string; name: string } | null {
    const r = this.acts.get(sessionId)?.rec;
    return r?.status === 'in-progress' && r.specialistId && r.specialistName ? { id: r.specialistId, name: r.specialistName } : null;
  }

  /** The patient entered the waiting room (identity confirmed): scheduled → waiting; the act is followed from now on. */
  patientArrived(sessionId: string): Promise<void> {
    return this.serial(sessionId, async () => {
      const h = await this.load(sessionId);
      if (!h) return;
      if (h.rec.status === 'scheduled') {
        this.move(h, 'waiting', null, { actor: 'link:patient', actorRole: 'anonymous', action: 'waiting' });
        this.armWaiting(h, this.o.now());
      }
      this.presenceChanged(sessionId);
    });
  }

  /** The act's specialist let the patient in: waiting → in-progress, the act's start. */
  admitted(sessionId: string, by: Specialist): Promise<void> {
    return this.serial(sessionId, async () => {
      const h = this.acts.get(sessionId);
      if (h?.rec.status !== 'waiting') return;
      const t = this.o.now().toISOString();
      // The media are up only when the specialist's page says so (mediaUp): no cart reports them for a home act.
      h.rec = { ...h.rec, specialistId: by.id, specialistName: by.name, joinedAt: t, connectedAt: null };
      // Let in: the waiting deadline no longer applies.
      h.cancel?.();
      h.cancel = undefined;
      this.move(h, 'in-progress', null, { actor: by.id, actorRole: by.role, action: 'join' });
    });
  }

  /**
   * The joined specialist's page decoded the patient (their video frames or voice, 3 s in a row: home-call.ts).
   * With the patient's page's own word (patientMediaUp), the act's media are up: connectedAt, the first time
   * (its duration counts from here, and a hang-up finalises it). A peer connection that came up and failed before
   * media flowed says nothing. Refused when it is not theirs to say.
   */
  async mediaUp(sessionId: string, by: Specialist): Promise<MediaWord> {
    let stored: Promise<boolean> = Promise.resolve(false);
    const refused = await this.asJoined(sessionId, by, (h) => {
      stored = this.half(h, 'specialist', { actor: by.id, actorRole: by.role }, 'the specialist’s page decoded the patient');
      return stored;
    });
    return refused === null ? { refused, stored } : { refused };
  }

  /**
   * The admitted home patient's page decoded the specialist (3 s in a row: the join page's call.ts); refused
   * when the act is not in progress. The other half of the media up (mediaUp).
   */
  async patientMediaUp(sessionId: string): Promise<MediaWord> {
    let word: MediaWord = { refused: 'the consultation is not in progress' };
    await this.serial(sessionId, async () => {
      const h = this.acts.get(sessionId);
      if (h?.rec.status !== 'in-progress') return;
      const by = { actor: 'link:patient', actorRole: 'anonymous' } as const;
      const stored = this.half(h, 'patient', by, 'the patient’s page decoded the specialist');
      word = { refused: null, stored };
      // The act's next change (a hang-up) sees this half and the media up it may bring.
      await stored;
    });
    return word;
  }

  /**
   * One page's half, the first time or again (the page says it until it is told it is stored): kept in the
   * store with its `media-received` line (migration 33: one transaction, the line only the first time), then
   * the media up if both are in. Resolves once all of it is written (true), or false when a write failed: the
   * page is then not told, and says it again (its timer, its next socket). Memory follows the store: the half
   * counts here only once written, the media up only once written, so a half said again after a failed write
   * writes it then (until this, a failed write was kept in memory, and the half said again was acknowledged
   * with nothing stored). Once the media are up, a half said again is only acknowledged, behind the writes
   * already queued (the media up's among them).
   */
  private async half(h: Home, half: MediaHalf, by: Pick<AuditEventInput, 'actor' | 'actorRole'>, detail: string): Promise<boolean> {
    if (h.rec.connectedAt !== null) return this.o.durable(async () => undefined);
    killPoint('home-media-said');
    const at = h.received[half] ?? this.o.now();
    const { sessionId, gatewayId, patientId } = h.rec;
    const line = { ...by, action: 'media-received', sessionId, gatewayId, patientId, detail: `home act: ${detail}`, at: at.toISOString() };
    if (!(await this.o.durable(() => this.o.store.homeActMedia.said(sessionId, half, at.toISOString(), line)))) return false;
    h.received[half] ??= at;
    if (!(await this.mediaFlowed(h, by))) return false;
    killPoint('home-media-kept');
    return true;
  }

  /** The halves said before this instance took the act back (its previous run, another instance); both in: the media up. */
  private async readHalves(h: Home): Promise<void> {
    if (h.rec.status !== 'in-progress' || h.rec.connectedAt !== null) return;
    const kept = await this.o.store.homeActMedia.get(h.rec.sessionId);
    if (kept?.specialist) h.received.specialist ??= new Date(kept.specialist);
    if (kept?.patient) h.received.patient ??= new Date(kept.patient);
    // Both halves stored, the media up not yet (a crash in between): written now, once.
    void this.mediaFlowed(h, { actor: 'cloud', actorRole: 'system' });
  }

  /**
   * Both pages decoded the other: the media are up, at the later of the two (the first time only), with the
   * `connected` line saying when each said so — in one transaction, which writes nothing if the act's row has
   * them already. Resolves once written (true: nothing to write).
   */
  private mediaFlowed(h: Home, by: Pick<AuditEventInput, 'actor' | 'actorRole'>): Promise<boolean> {
    const { specialist, patient } = h.received;
    if (h.rec.connectedAt !== null || !specialist || !patient) return Promise.resolve(true);
    const at = new Date(Math.max(specialist.getTime(), patient.getTime())).toISOString();
    const before = h.rec;
    h.rec = { ...h.rec, connectedAt: at, updatedAt: at };
    const { sessionId, gatewayId, patientId } = h.rec;
    const line = {
      ...by,
      action: 'connected',
      sessionId,
      gatewayId,
      patientId,
      detail: `home act: media flowed both ways (the specialist's page decoded the patient at ${specialist.toISOString()}, the patient's page the specialist at ${patient.toISOString()})`,
      at: this.o.now().toISOString(),
    };
    return this.o
      .durable(() => {
        killPoint('home-media-up');
        return this.o.store.homeActMedia.up(sessionId, at, line);
      })
      .then((ok) => {
        // Not written: not up here either (a half said again writes it then), unless the act moved meanwhile.
        if (!ok && h.rec.connectedAt === at && h.rec.status === before.status)
          h.rec = { ...h.rec, connectedAt: null, updatedAt: before.updatedAt };
        return ok;
      });
  }

  /** « Raccrocher » on the joined specialist's page; an error message when it is not theirs to end. */
  hangup(sessionId: string, by: Specialist): Promise<string | null> {
    return this.asJoined(sessionId, by, (h) => {
      // As a cart's act: finalised only if its media ever came up (a hang-up of a call that never worked is not billed).
      this.move(h, endStatus(h.rec.connectedAt !== null), 'hangup-specialist', { actor: by.id, actorRole: by.role, action: 'end' });
    });
  }

  /** Runs `fn` on the act in progress if `by` is its joined specialist; else resolves the refusal's message (null: ran). */
  private async asJoined(sessionId: string, by: Specialist, fn: (h: Home) => unknown): Promise<string | null> {
    let refused: string | null = null;
    await this.serial(sessionId, async () => {
      const h = this.acts.get(sessionId);
      if (h?.rec.status !== 'in-progress' || h.rec.specialistId !== by.id) {
        refused = `no active session ${sessionId}`;
        return;
      }
      // What it writes (a media half) finished before the act's next change.
      await fn(h);
    });
    return refused;
  }

  /**
   * Someone came or went (a participant's socket, a specialist's page). The joined specialist gone opens
   * the rejoin window (as for a cart's act); back, it closes. The patient alone gone changes nothing:
   * the specialist may wait for them or hang up.
   */
  presenceChanged(sessionId: string): void {
    const h = this.acts.get(sessionId);
    if (h?.rec.status !== 'in-progress') return;
    const p = this.o.presence(sessionId, h.rec.specialistId);
    if (p.specialist) {
      if (h.specialistGoneAt) {
        h.cancel?.();
        h.cancel = undefined;
        h.specialistGoneAt = undefined;
        h.bothGoneAt = undefined;
      }
      return;
    }
    const now = this.o.now();
    if (!p.patient) h.bothGoneAt ??= now;
    else h.bothGoneAt = undefined;
    if (h.specialistGoneAt) return;
    this.armGone(h, now);
  }

  /** Every followed act's presence again (a page opened or closed). */
  presenceChangedAll(): void {
    for (const sid of this.acts.keys()) this.presenceChanged(sid);
  }

  /**
   * A home act left open by a previous run (a restart: nobody's socket survived it), or taken from
   * another instance (its lease lapsed or handed over: the sockets are placed again with this one): a
   * waiting act keeps its deadline, an act in progress gets the whole window for either side to come
   * back (the relay then says who is here: presenceChanged).
   */
  restore(rec: TeleconsultationRecord): void {
    if (this.acts.has(rec.sessionId) || (rec.status !== 'waiting' && rec.status !== 'in-progress')) return;
    const h: Home = { rec, received: {} };
    this.acts.set(rec.sessionId, h);
    // The halves said before (a page that said its half need not say it again), ahead of any new word on the act.
    void this.serial(rec.sessionId, () => this.readHalves(h));
    if (rec.status === 'waiting') this.armWaiting(h, new Date(rec.updatedAt));
    else {
      // Nobody's socket survived the restart: both sides are away from now.
      h.bothGoneAt = this.o.now();
      this.armGone(h, h.bothGoneAt);
    }
  }

  stop(): void {
    for (const h of this.acts.values()) h.cancel?.();
    this.acts.clear();
  }

  private armWaiting(h: Home, from: Date): void {
    const until = from.getTime() + this.o.waitingMinutes * 60_000;
    h.cancel?.();
    h.cancel = this.after(Math.max(0, until - this.o.now().getTime()), () => {
      void this.serial(h.rec.sessionId, async () => {
        if (h.rec.status === 'waiting')
          this.move(h, 'not-done', 'no-join-timeout', { actor: 'cloud', actorRole: 'system', action: 'timeout' });
      });
    });
  }

  /**
   * The joined specialist went at `at`: unless one of their pages is back within the window, the act
   * ends then — not done (technical-failure) when the patient is gone too (at when the last went), else
   * as a cart's act whose specialist did not come back (specialist-lost: finalised if its media came
   * up, at when the specialist went).
   */
  private armGone(h: Home, at: Date): void {
    h.specialistGoneAt = at;
    h.cancel?.();
    h.cancel = this.after(this.o.graceSeconds * 1000, () => {
      void this.serial(h.rec.sessionId, async () => {
        const gone = h.specialistGoneAt;
        if (h.rec.status !== 'in-progress' || !gone) return;
        const p = this.o.presence(h.rec.sessionId, h.rec.specialistId);
        if (p.specialist) return;
        const by = { actor: 'cloud', actorRole: 'system', action: 'end' } as const;
        // The act stopped when the side(s) went, not when the cloud gave up waiting.
        if (!p.patient) {
          this.move(h, 'not-done', TECHNICAL_FAILURE, by, h.bothGoneAt ?? gone);
          return;
        }
        const connectedAt = h.rec.connectedAt === null ? null : Date.parse(h.rec.connectedAt);
        const endedAt = connectedAt === null || gone.getTime() >= connectedAt ? gone : undefined;
        this.move(h, endStatus(connectedAt !== null), SPECIALIST_LOST, by, endedAt);
      });
    });
  }

  private async load(sessionId: string): Promise<Home | undefined> {
    const known = this.acts.get(sessionId);
    if (known) return known;
    const rec = await this.o.store.getTeleconsultation(sessionId);
    if (!rec || isFinal(rec.status)) return undefined;
    // One owner per act: followed here only with its lease (else the patient's socket is placed again with the holder).
    if (!(await this.o.claim(sessionId))) return undefined;
    if (this.acts.has(sessionId)) return this.acts.get(sessionId);
    const h: Home = { rec, received: {} };
    this.acts.set(sessionId, h);
    await this.readHalves(h);
    return h;
  }

  private move(
    h: Home,
    to: TeleconsultStatus,
    outcome: string | null,
    by: Pick<AuditEventInput, 'actor' | 'actorRole' | 'action'>,
    endedAt?: Date,
  ): void {
    const t = transition(h.rec.status, to);
    if (!t.ok) {
      this.o.logger.warn({ sessionId: h.rec.sessionId, err: t.error }, 'teleconsult: home act transition refused');
      return;
    }
    const now = this.o.now();
    const at = endedAt ?? now;
    const final = isFinal(to);
    const durationMs = final && h.rec.connectedAt !== null ? Math.max(0, at.getTime() - Date.parse(h.rec.connectedAt)) : null;
    h.rec = {
      ...h.rec,
      status: to,
      outcome: outcome ?? h.rec.outcome,
      updatedAt: now.toISOString(),
      ...(final ? { endedAt: at.toISOString(), durationMs } : {}),
    };
    const rec = { ...h.rec };
    this.o.write(() => this.o.store.upsertTeleconsultation(rec));
    this.o.audit(
      {
        ...by,
        sessionId: rec.sessionId,
        gatewayId: rec.gatewayId,
        patientId: rec.patientId,
        detail: outcome === null ? `home act → ${to}` : `home act → ${to} (${outcome})`,
      },
      now,
    );
    this.o.onActChange?.(rec.gatewayId);
    if (final) {
      h.cancel?.();
      this.acts.delete(rec.sessionId);
      this.o.write(() => this.o.store.homeActMedia.clear(rec.sessionId));
      this.o.ended(rec.sessionId, to);
    }
  }

  private serial<T>(sessionId: string, op: () => Promise<T>): Promise<T | undefined> {
    const run = (this.queues.get(sessionId) ?? Promise.resolve()).then(op).catch((e: unknown) => {
      this.o.logger.error({ err: e, sessionId }, 'teleconsult: a home act could not be updated');
      return undefined;
    });
    const tail = run.then(() => undefined);
    this.queues.set(sessionId, tail);
    void tail.then(() => {
      if (this.queues.get(sessionId) === tail) this.queues.delete(sessionId);
    });
    return run;
  }
}
