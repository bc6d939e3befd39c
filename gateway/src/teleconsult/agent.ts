/**
 * The gateway's teleconsultation agent. It speaks the rtc/up ↔ rtc/down contract
 * (protocol/src/schemas/rtc.ts) over a SignalingLink (the gateway's MQTT connection in service,
 * direct calls in tests):
 *
 *   nurse calls  → RtcUp call (the act enters the waiting room)     RtcDown session → status for the nurse
 *   RtcDown start → a MediaSession (werift), RtcUp state 'connecting', RtcUp offer, trickled RtcUp ice
 *   RtcDown answer / ice → applied (candidates that come before the answer wait for it)
 *   RtcDown hangup, a new start, or close() → the session is freed (children killed, sockets closed)
 *   RtcDown session with specialistLink 'reconnecting' → the nurse sees it; the media stay as they are
 *   a new start for the live session (the specialist rejoined after a reload) → the old peer is torn
 *     down quietly (its last states are not reported: the act goes on) and a fresh one offers
 *   RtcDown convo ↔ RtcUp convo → the conversation between the cart's page and the specialist's page
 *     (their own peer connection, docs/conversation.md), for the act in progress only
 *   RtcDown unit ↔ RtcUp unit → the cart's page in the act's room on the cloud's forwarding unit (a
 *     guest is in), for the act in progress only; its last `ready` is given again to a page opened later
 *   the cart's uplink budget (media/uplink-budget.ts): the gateway's peer and the nurse page report the
 *     link, a tick a second decides what the cart sends; a change goes to the media session, to the nurse
 *     page (`uplink` event) and to the specialist (RtcUp convo `uplink`, again after their `ready`)
 *
 * One live session at a time (a cart has one camera). Every payload from the cloud is validated;
 * a malformed one or one for another session is counted, logged once per kind, and dropped.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Clock, OnvifCamera, systemClock } from '@telecart/devices';
import {
  type ConvoFromCart,
  type ConvoFromSpecialist,
  formatIssues,
  type IceCandidate,
  RTC_VERSION,
  type RtcDown,
  type RtcUp,
  type SpecialistLink,
  type TeleconsultConsent,
  type TeleconsultStatus,
  type UnitFromCart,
  type UnitToCart,
} from '@telecart/protocol';
import type { CaptureSource } from '../audio/pipelines.js';
import { type Logger, silentLogger } from '../logger.js';
import { BadAnswerError } from '../media/bad-answer.js';
import type { CameraConfig, MediaConfig } from '../media/config.js';
import type { LiveSampleBus } from '../media/live-samples.js';
import type { MediaSession, MediaSessionStats, PeerState } from '../media/media-session.js';
import type { VideoInput } from '../media/pipelines.js';
import { type LinkReport, planFor, UplinkBudget, type UplinkBudgetOptions, type UplinkPlan } from '../media/uplink-budget.js';
import { PtzRelay } from './ptz-relay.js';
import { rtcValidators } from './validators.js';

type IceServerConfig = NonNullable<Extract<RtcDown, { type: 'start' }>['iceServers']>[number];

/** How the agent reaches the cloud: publish RtcUp, receive raw RtcDown payloads. */
export interface SignalingLink {
  publish(up: RtcUp): Promise<void>;
  onDown(handler: (payload: Buffer) => void): () => void;
}

export interface TeleconsultAgentOptions {
  gatewayId: string;
  link: SignalingLink;
  media: MediaConfig;
  camera: CameraConfig;
  /** The stethoscope's PulseAudio source (audio.stethoscope). */
  stethoscope: CaptureSource;
  live?: LiveSampleBus;
  logger?: Logger;
  clock?: Clock;
  /** Tests: how the ONVIF camera is reached (default OnvifCamera.connect with `camera`). */
  connectCamera?: () => Promise<OnvifCamera>;
  /** Tests: the uplink budget's timings (default its own: a 15 s clean hold before each step up). */
  uplinkBudget?: UplinkBudgetOptions;
}

/** Statuses of an act that is not over: the cart has one act at a time. */
const ACTIVE_STATUSES: readonly TeleconsultStatus[] = ['scheduled', 'waiting', 'in-progress'];

export class CallInProgressError extends Error {
  constructor(
    readonly sessionId: string,
    readonly patientId: string | null,
  ) {
    super(
      `a teleconsultation is already under way on this cart (session ${sessionId}${patientId ? `, patient ${patientId}` : ''}): end or cancel it first`,
    );
    this.name = 'CallInProgressError';
  }
}

/** The conversation (cart's page ↔ specialist's page) goes only with the act in progress on this cart. */
export class ConvoNotLiveError extends Error {
  constructor(sessionId: string, live: string | null) {
    super(`session ${sessionId} is not the act in progress on this cart (${live ? `in progress: ${live}` : 'none in progress'})`);
    this.name = 'ConvoNotLiveError';
  }
}

export interface CallRequest {
  patient: { id: string; ins?: string };
  specialistId?: string;
  reason?: string;
  /** The patient's (or their representative's) consent, collected by the nurse before calling. */
  consent: TeleconsultConsent;
  /** The nurse signed in on the cart, named to the cloud (audit, consent, the specialist's page). */
  nurse?: { id: string; name: string };
}

export interface TeleconsultView {
  /** The act as the cloud last described it (RtcDown session), or the call just placed. */
  session: {
    sessionId: string;
    status: TeleconsultStatus;
    specialist: { id: string; name: string } | null;
    patientId: string | null;
    /** In progress: 'reconnecting' while the specialist's page is away (the nurse's screen says so). */
    specialistLink?: SpecialistLink;
    /** The cloud refused the call (e.g. 'no-consent'): no act was created. */
    refused?: string;
  } | null;
  peer: { sessionId: string; state: PeerState | 'new'; stats: MediaSessionStats } | null;
  counters: TeleconsultCounters;
}

export interface TeleconsultCounters {
  downMessages: number;
  malformed: number;
  otherSession: number;
  sessionsStarted: number;
  sessionsClosed: number;
}

interface Live {
  sessionId: string;
  media: MediaSession;
  answered: boolean;
  pendingIce: IceCandidate[];
  /** Torn down for a fresh start of the same act: its last states are not reported. */
  superseded: boolean;
}

/** The uplink budget of the act in progress (one per act: a rejoin's new peer keeps what the link taught it). */
interface Budget {
  sessionId: string;
  budget: UplinkBudget;
  plan: UplinkPlan;
  timer: NodeJS.Timeout;
}

/** How often the budget decides (its reports come about once a second from each peer). */
const BUDGET_TICK_MS = 1000;

export class TeleconsultAgent extends EventEmitter<{
  session: [TeleconsultView['session']];
  peer: [{ sessionId: string; state: PeerState }];
  /** Conversation signaling from the act's specialist, for the cart's page. */
  convo: [{ sessionId: string; signal: ConvoFromSpecialist }];
  /** The act's room on the forwarding unit, for the cart's page. */
  unit: [{ sessionId: string; signal: UnitToCart }];
  /** What the cart sends on its uplink changed (the nurse page applies it to its conversation). */
  uplink: [{ sessionId: string; plan: UplinkPlan }];
}> {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly unsubscribe: () => void;
  private live: Live | null = null;
  private view: TeleconsultView['session'] = null;
  private camera: Promise<OnvifCamera> | null = null;
  private readonly ptz: PtzRelay;
  private readonly logged = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The act whose specialist last asked for the conversation: a page (re)opened later is told too. */
  private convoReadyFor: string | null = null;
  /** The act whose room on the forwarding unit the cart's page is to join (its `ready`), until the room closes. */
  private unitReadyFor: { sessionId: string; signal: Extract<UnitToCart, { kind: 'ready' }> } | null = null;
  /** The ICE servers the cloud gave for the act's media (with its TURN credentials): the cart's page uses them too. */
  private iceFor: { sessionId: string; servers: IceServerConfig[] } | null = null;
  private budget: Budget | null = null;
  readonly counters: TeleconsultCounters = { downMessages: 0, malformed: 0, otherSession: 0, sessionsStarted: 0, sessionsClosed: 0 };

  constructor(private readonly o: TeleconsultAgentOptions) {
    super();
    this.logger = o.logger ?? silentLogger;
    this.clock = o.clock ?? systemClock;
    this.ptz = new PtzRelay(
      () => this.cameraClient(),
      (reason) => this.warnOnce('ptz', reason),
    );
    // Handled one at a time, in arrival order: an answer never overtakes its start.
    this.unsubscribe = o.link.onDown((payload) => {
      this.chain = this.chain.then(() => this.onDown(payload)).catch((e: unknown) => this.fail(e));
    });
  }

  get ptzCounters(): PtzRelay['counters'] {
    return this.ptz.counters;
  }

  /**
   * The nurse calls a specialist for this patient: the act enters the waiting room. Refused
   * (CallInProgressError) while another act is waiting or under way: its view, and so the patient
   * the nurse's screen names for it, must not be replaced by a call for someone else.
   */
  async call(req: CallRequest): Promise<{ sessionId: string }> {
    const v = this.view;
    if (v && !v.refused && ACTIVE_STATUSES.includes(v.status)) throw new CallInProgressError(v.sessionId, v.patientId);
    const sessionId = randomUUID();
    await this.o.link.publish({
      v: RTC_VERSION,
      type: 'call',
      sessionId,
      patient: { id: req.patient.id, ...(req.patient.ins ? { ins: req.patient.ins } : {}) },
      ...(req.specialistId ? { specialistId: req.specialistId } : {}),
      ...(req.reason ? { reason: req.reason } : {}),
      consent: req.consent,
      ...(req.nurse ? { nurse: req.nurse } : {}),
    });
    this.setView({ sessionId, status: 'waiting', specialist: null, patientId: req.patient.id });
    return { sessionId };
  }

  async cancelCall(sessionId: string): Promise<void> {
    await this.o.link.publish({ v: RTC_VERSION, type: 'call-cancel', sessionId });
    if (this.view?.sessionId === sessionId) this.setView({ ...this.view, status: 'cancelled' });
    if (this.live?.sessionId === sessionId) await this.endLive('cancelled by the nurse');
  }

  /** The act in progress, if any (the conversation goes with it only). */
  private inProgress(): string | null {
    const v = this.view;
    return v && v.status === 'in-progress' && !v.refused ? v.sessionId : null;
  }

  /** The act in progress whose specialist waits for the cart's page to offer the conversation. */
  convoReady(): string | null {
    const id = this.inProgress();
    return id !== null && this.convoReadyFor === id ? id : null;
  }

  /** The `ready` of the act in progress's room on the forwarding unit, for a page that (re)connects; null when none is open. */
  unitReady(): { sessionId: string; signal: UnitToCart } | null {
    const r = this.unitReadyFor;
    return r !== null && r.sessionId === this.inProgress() ? r : null;
  }

  /** The cart's page's signaling with its act's room on the forwarding unit; refused for any act but the one in progress. */
  async sendUnit(sessionId: string, signal: UnitFromCart): Promise<void> {
    const live = this.inProgress();
    if (live !== sessionId) throw new ConvoNotLiveError(sessionId, live);
    await this.o.link.publish({ v: RTC_VERSION, type: 'unit', sessionId, signal });
  }

  /** The ICE servers for the conversation of the act in progress (none known: host candidates only). */
  convoIceServers(sessionId: string): IceServerConfig[] {
    return this.iceFor?.sessionId === sessionId ? this.iceFor.servers : [];
  }

  /** The cart's page's conversation signaling, to the act's specialist; refused for any other act. */
  async sendConvo(sessionId: string, signal: ConvoFromCart): Promise<void> {
    const live = this.inProgress();
    if (live !== sessionId) throw new ConvoNotLiveError(sessionId, live);
    await this.o.link.publish({ v: RTC_VERSION, type: 'convo', sessionId, signal });
  }

  /** The nurse page's view of the link (its conversation peer's getStats), for the act in progress only. */
  reportUplink(sessionId: string, r: LinkReport): void {
    const live = this.inProgress();
    if (live !== sessionId) throw new ConvoNotLiveError(sessionId, live);
    if (this.budget?.sessionId === sessionId) this.budget.budget.report('page', r, this.clock.now());
  }

  /** What the cart sends on its uplink for the act in progress (null: no budget running). */
  uplinkPlan(): { sessionId: string; plan: UplinkPlan } | null {
    const b = this.budget;
    return b && b.sessionId === this.inProgress() ? { sessionId: b.sessionId, plan: b.plan } : null;
  }

  status(): TeleconsultView {
    const l = this.live;
    return {
      session: this.view,
      peer: l ? { sessionId: l.sessionId, state: l.media.stats().state, stats: l.media.stats() } : null,
      counters: { ...this.counters },
    };
  }

  /** Pids of the live session's GStreamer children (tests check none is left). */
  mediaPids(): number[] {
    return this.live?.media.pids() ?? [];
  }

  private setView(v: NonNullable<TeleconsultView['session']>): void {
    this.view = v;
    this.emit('session', v);
  }

  private warnOnce(kind: string, detail: string): void {
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    this.logger.warn({ kind, detail }, 'teleconsult: bad input dropped (further ones of this kind are only counted)');
  }

  private async onDown(payload: Buffer): Promise<void> {
    if (this.closed) return;
    this.counters.downMessages++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      this.counters.malformed++;
      this.warnOnce('rtc-down-json', `not JSON: ${payload.subarray(0, 60).toString('utf8')}`);
      return;
    }
    const r = rtcValidators.down.validate(parsed);
    if (!r.ok) {
      this.counters.malformed++;
      this.warnOnce('rtc-down-schema', formatIssues(r.issues).slice(0, 300));
      return;
    }
    await this.apply(r.value);
  }

  private async apply(m: RtcDown): Promise<void> {
    switch (m.type) {
      case 'session': {
        const same = this.view?.sessionId === m.sessionId ? this.view : null;
        this.setView({
          sessionId: m.sessionId,
          status: m.status,
          specialist: m.specialist ?? this.view?.specialist ?? null,
          // The patient captured when the nurse called; the cloud's copy only for an act this process did not place.
          patientId: same?.patientId ?? m.patientId ?? null,
          ...(m.specialistLink ? { specialistLink: m.specialistLink } : {}),
          ...(same?.refused ? { refused: same.refused } : {}),
        });
        if ((m.status === 'completed' || m.status === 'cancelled' || m.status === 'not-done') && this.live?.sessionId === m.sessionId) {
          await this.endLive(`session ${m.status}`);
        }
        return;
      }
      case 'start':
        return this.start(m);
      case 'convo': {
        if (this.inProgress() !== m.sessionId) {
          this.counters.otherSession++;
          this.warnOnce(
            'convo-other-session',
            `conversation ${m.signal.kind} for session ${m.sessionId}, in progress: ${this.inProgress() ?? 'none'}`,
          );
          return;
        }
        if (m.signal.kind === 'ready') this.convoReadyFor = m.sessionId;
        this.emit('convo', { sessionId: m.sessionId, signal: m.signal });
        // A page that (re)joined learns the uplink's level (it shows « paused for the link »).
        const b = this.budget;
        if (m.signal.kind === 'ready' && b?.sessionId === m.sessionId && b.plan.level !== 'full') this.tellUplink(b);
        return;
      }
      case 'unit': {
        if (this.inProgress() !== m.sessionId) {
          this.counters.otherSession++;
          this.warnOnce(
            'unit-other-session',
            `unit ${m.signal.kind} for session ${m.sessionId}, in progress: ${this.inProgress() ?? 'none'}`,
          );
          return;
        }
        if (m.signal.kind === 'ready') this.unitReadyFor = { sessionId: m.sessionId, signal: m.signal };
        else if (m.signal.kind === 'closed') this.unitReadyFor = null;
        this.emit('unit', { sessionId: m.sessionId, signal: m.signal });
        return;
      }
      case 'answer': {
        const l = this.liveFor(m.sessionId);
        if (!l || l.answered) return;
        l.answered = true;
        try {
          await l.media.applyAnswer(m.sdp);
        } catch (e) {
          if (!(e instanceof BadAnswerError)) throw e;
          // Counted and dropped; the page is told, and a good answer may still come.
          l.answered = false;
          this.counters.malformed++;
          this.warnOnce('sdp-answer', e.message);
          await this.o.link.publish({ v: RTC_VERSION, type: 'error', sessionId: m.sessionId, message: e.message.slice(0, 300) });
          return;
        }
        for (const c of l.pendingIce.splice(0)) await this.addIce(l, c);
        return;
      }
      case 'ice': {
        const l = this.liveFor(m.sessionId);
        if (!l) return;
        if (l.answered) await this.addIce(l, m.candidate);
        else if (l.pendingIce.length < 64) l.pendingIce.push(m.candidate);
        return;
      }
      case 'hangup': {
        if (this.view?.sessionId === m.sessionId && this.view.status === 'waiting' && this.live?.sessionId !== m.sessionId) {
          // The cloud refused the call itself (no act): the nurse sees why.
          this.setView({ ...this.view, status: 'not-done', refused: m.reason ?? 'refused' });
          return;
        }
        if (!this.liveFor(m.sessionId)) return;
        await this.endLive(m.reason ?? 'hung up');
        return;
      }
    }
  }

  private liveFor(sessionId: string): Live | null {
    if (this.live?.sessionId === sessionId) return this.live;
    this.counters.otherSession++;
    this.warnOnce('other-session', `message for session ${sessionId}, live: ${this.live?.sessionId ?? 'none'}`);
    return null;
  }

  private async addIce(l: Live, c: IceCandidate): Promise<void> {
    try {
      await l.media.addRemoteCandidate(c);
    } catch (e) {
      this.counters.malformed++;
      this.warnOnce('ice', `candidate refused: ${(e as Error).message}`);
    }
  }

  private async start(m: Extract<RtcDown, { type: 'start' }>): Promise<void> {
    if (this.live) {
      const same = this.live.sessionId === m.sessionId;
      await this.endLive(same ? 'restarted (the specialist rejoined)' : 'another session started', { superseded: same });
    }
    const sessionId = m.sessionId;
    this.iceFor = { sessionId, servers: m.iceServers ?? [] };
    const up = (msg: RtcUp) =>
      this.o.link.publish(msg).catch((e: unknown) => {
        this.logger.warn({ sessionId, type: msg.type, err: (e as Error).message }, 'teleconsult: signaling message not sent');
      });
    const video = m.media.video ? await this.videoInput() : null;
    // Set once the peer exists; its callbacks need to know whether they still belong to the live act.
    let live: Live | undefined;
    // werift gathers while the offer is made: candidates wait until the offer has gone, so the
    // browser never gets a candidate for a description it does not have yet.
    let early: IceCandidate[] | null = [];
    const sendIce = (candidate: IceCandidate) => {
      if (early) early.push(candidate);
      else void up({ v: RTC_VERSION, type: 'ice', sessionId, candidate });
    };
    const { MediaSession } = await loadMediaSession();
    const media = new MediaSession({
      media: this.o.media,
      want: m.media,
      video,
      stethoscope: this.o.stethoscope,
      ...(m.iceServers ? { iceServers: m.iceServers } : {}),
      ...(m.maxBitrateKbps !== undefined ? { maxBitrateKbps: m.maxBitrateKbps } : {}),
      ...(this.o.live ? { live: this.o.live } : {}),
      onPtz: (text, reply) => this.ptz.handle(text, reply),
      onIceCandidate: sendIce,
      onLink: (r) => {
        if (this.budget?.sessionId === sessionId) this.budget.budget.report('gateway', r, this.clock.now());
      },
      onState: (state) => {
        // A peer replaced by a rejoin goes quietly: its 'closed' would end the act it is no longer part of.
        if (live?.superseded) return;
        void up({ v: RTC_VERSION, type: 'state', sessionId, state });
        this.emit('peer', { sessionId, state });
        if (state === 'failed' && live && this.live === live) {
          this.chain = this.chain
            .then(() => (this.live === live ? this.endLive('ICE/DTLS failed') : undefined))
            .catch((e: unknown) => this.fail(e));
        }
      },
      logger: this.logger,
      clock: this.clock,
    });
    live = { sessionId, media, answered: false, pendingIce: [], superseded: false };
    this.live = live;
    this.startBudget(sessionId);
    if (this.budget?.sessionId === sessionId) media.applyPlan(this.budget.plan);
    this.counters.sessionsStarted++;
    if (this.view?.sessionId !== sessionId || this.view.status !== 'in-progress') {
      // Never another act's patient: the view of a different session gives nothing to this one.
      const same = this.view?.sessionId === sessionId ? this.view : null;
      this.setView({ sessionId, status: 'in-progress', specialist: m.specialist, patientId: same?.patientId ?? m.patientId ?? null });
    }
    this.logger.info({ sessionId, specialist: m.specialist.id, media: m.media, video: video?.kind ?? 'none' }, 'teleconsultation starting');
    await up({ v: RTC_VERSION, type: 'state', sessionId, state: 'connecting' });
    const sdp = await media.createOffer();
    await up({ v: RTC_VERSION, type: 'offer', sessionId, sdp });
    const waiting = early;
    early = null;
    for (const c of waiting) await up({ v: RTC_VERSION, type: 'ice', sessionId, candidate: c });
  }

  /** The act's uplink budget, unless turned off (media.uplinkBudget); kept across a rejoin of the same act. */
  private startBudget(sessionId: string): void {
    if (!this.o.media.uplinkBudget || this.budget?.sessionId === sessionId) return;
    this.stopBudget();
    const budget = new UplinkBudget(this.o.uplinkBudget);
    const timer = setInterval(() => {
      const b = this.budget;
      if (!b || b.sessionId !== sessionId) return;
      const plan = b.budget.tick(this.clock.now());
      if (!plan) return;
      const levelChanged = plan.level !== b.plan.level;
      b.plan = plan;
      this.logger.info({ sessionId, uplink: plan.level, probe: plan.probe, holdMs: b.budget.holdMs }, 'uplink budget changed');
      if (this.live?.sessionId === sessionId) this.live.media.applyPlan(plan);
      // A probe (the PTZ video sent at the same level) is the gateway's own: the pages keep the level they were told.
      if (levelChanged) this.tellUplink(b);
    }, BUDGET_TICK_MS);
    timer.unref();
    this.budget = { sessionId, budget, plan: planFor('full'), timer };
  }

  private stopBudget(): void {
    if (this.budget) clearInterval(this.budget.timer);
    this.budget = null;
  }

  /** The nurse page (event) and the specialist (RtcUp convo) learn the uplink's level. */
  private tellUplink(b: Budget): void {
    this.emit('uplink', { sessionId: b.sessionId, plan: b.plan });
    void this.o.link
      .publish({ v: RTC_VERSION, type: 'convo', sessionId: b.sessionId, signal: { kind: 'uplink', level: b.plan.level } })
      .catch((e: unknown) => this.logger.warn({ err: (e as Error).message }, 'teleconsult: uplink level not sent'));
  }

  /** The configured video input; the camera's stream URI comes from configuration or GetStreamUri. */
  private async videoInput(): Promise<VideoInput | null> {
    const v = this.o.media.video;
    if (v.source === 'test') return { kind: 'test' };
    if (v.source === 'webcam') return { kind: 'webcam', device: v.webcamDevice };
    const c = this.o.camera;
    try {
      const uri = c.streamUri ?? (await (await this.cameraClient()).streamUri(c.profileToken));
      return {
        kind: 'rtsp',
        uri,
        transport: v.rtspTransport,
        ...(c.username ? { username: c.username } : {}),
        ...(c.password ? { password: c.password } : {}),
      };
    } catch (e) {
      this.warnOnce('camera-stream', `no camera stream, the session goes without video: ${(e as Error).message}`);
      return null;
    }
  }

  private cameraClient(): Promise<OnvifCamera> {
    if (this.o.connectCamera) {
      this.camera ??= this.o.connectCamera();
    } else {
      const c = this.o.camera;
      if (!c.url) return Promise.reject(new Error('no camera is configured (camera.url)'));
      this.camera ??= OnvifCamera.connect({
        url: c.url,
        ...(c.username ? { username: c.username } : {}),
        ...(c.password ? { password: c.password } : {}),
        deadManMs: c.deadManMs,
        onError: (e) => this.logger.warn({ err: e.message }, 'camera: dead-man stop failed'),
      });
    }
    const p = this.camera;
    // A failed connection is tried again on the next command.
    p.catch(() => {
      if (this.camera === p) this.camera = null;
    });
    return p;
  }

  private async endLive(reason: string, o: { superseded?: boolean } = {}): Promise<void> {
    const l = this.live;
    if (!l) return;
    this.live = null;
    l.superseded = o.superseded ?? false;
    if (!l.superseded) this.stopBudget();
    this.logger.info({ sessionId: l.sessionId, reason }, 'teleconsultation media closed');
    await l.media.close();
    this.counters.sessionsClosed++;
    // The camera stops with the session, whatever the dead-man was doing.
    if (this.camera) await this.camera.then((c) => c.stop()).catch(() => undefined);
  }

  private fail(e: unknown): void {
    const message = (e instanceof Error ? e.message : String(e)).slice(0, 300);
    this.logger.error({ err: message }, 'teleconsult: could not apply a signaling message');
    const l = this.live;
    if (l) void this.o.link.publish({ v: RTC_VERSION, type: 'error', sessionId: l.sessionId, message }).catch(() => undefined);
  }

  /** Hangs up and frees everything; no more messages are handled. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.unsubscribe();
    await this.chain.catch(() => undefined);
    this.closed = true;
    await this.endLive('gateway stopping');
    const cam = this.camera;
    this.camera = null;
    await cam?.then((c) => c.close()).catch(() => undefined);
  }
}

/**
 * werift (the WebRTC stack) is loaded at the first act, not at start: ~30 MiB resident and about a
 * second of start-up that an idle cart or home kit never needs (docs/footprint.md).
 */
let mediaModule: Promise<typeof import('../media/media-session.js')> | undefined;
function loadMediaSession(): Promise<typeof import('../media/media-session.js')> {
  mediaModule ??= import('../media/media-session.js');
  return mediaModule;
}
