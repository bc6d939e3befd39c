/**
 * The teleconsultation relay, in the main cloud process (not in the ingest workers: it holds live
 * sessions and the specialists' WebSockets). One MQTT client subscribed to every gateway's rtc/up
 * and publishing to rtc/down; one `RelayPeer` per open specialist page.
 *
 *   nurse calls   gateway ─call─▶ relay: act `waiting`, shown in the waiting rooms of the specialists allowed on that cart;
 *                 a call without the patient's consent (R.6316-2; an older gateway) creates no act: the cart gets
 *                 `hangup` 'no-consent' (or 'unknown-nurse': a nurse not allowed on the cart) and `session` not-done, the audit `call-refused`
 *   join          page ─join─▶ relay ─start─▶ gateway; act `in-progress`
 *   signaling     gateway ─offer/ice/state─▶ page;  page ─answer/ice─▶ gateway
 *   conversation  cart's page ─convo (via its gateway)─▶ the joined page; the joined page ─convo─▶ that cart only
 *   page lost     the joined page's socket closes (reload, dropped connection): the act stays in progress,
 *                 the specialist `reconnecting` (the cart is told, the nurse sees it) for rejoinGraceSeconds
 *   rejoin        the same specialist joins again: a fresh `start` to the cart (new offer/answer)
 *   end           page hangup, nurse cancel, cart closed/failed, timeouts, no rejoin in time
 *                 → completed / not-done / cancelled
 *   cloud restart the open acts' state is on their rows (migration 16): at start a waiting act is
 *                 back in the waiting rooms, an act in progress waits `reconnecting` for a rejoin;
 *                 the cart is told again when its status says it is back; a planned stop leaves them so too
 *   instances     each act is held by one instance (owner lease, act-lease.ts): the one whose lease
 *                 wins a call handles it, the others show it in their waiting rooms from the store,
 *                 take it over when its lease lapses, or by a hand-over when a page joins through them
 *
 * Every status change goes to the gateway (RtcDown `session`), to the pages, to the store (the
 * act's row) and to the audit trail. Bad messages on either side are counted, logged once per
 * (sender, reason) and dropped; nothing a peer sends can stop the relay.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  brokerConnectArgs,
  compile,
  decodeStatus,
  endMqttClient,
  formatIssues,
  parseTopic,
  RtcDown,
  type RtcDown as RtcDownMsg,
  RtcUp,
  type RtcUp as RtcUpMsg,
  type SpecialistLink,
  type TeleconsultStatus,
  topics,
} from '@telecart/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Role } from '../auth/permissions.js';
import { OnceLogger } from '../ingest/ingest-metrics.js';
import { NURSE_ROLES } from '../nurses/service.js';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { InstanceChannel } from '../store/instance-channel.js';
import type { AuditEventInput, ConsentRecord, RelayState, TeleconsultationRecord } from '../store/teleconsult-records.js';
import { summarizeVitals } from '../vitals/summary.js';
import { ActLeases } from './act-lease.js';
import { CART_MEMBER } from './act-rooms.js';
import type { TeleconsultConfig } from './config.js';
import { type HomeActClock, HomeActs } from './home-acts.js';
import {
  type AnnouncedPage,
  type HostedArrival,
  type HostedParticipant,
  ParticipantRelay,
  type ParticipantSocket,
} from './participant-relay.js';
import { ParticipantSignaling, type SignalingPage } from './participant-signaling.js';
import { type ParticipantEntry, ParticipantRoom } from './participants.js';
import { RemotePages, type StandIn } from './remote-pages.js';
import type { Specialist, SpecialistDirectory } from './specialists.js';
import { endStatus, isFinal, linkStep, transition } from './status-machine.js';
import { issueTurnCredentials, type TurnRestOptions } from './turn-credentials.js';
import { UnitSignaling, type UnitSignalingOptions } from './unit-signaling.js';
import { BrowserMessage, type CloudMessage, issuesOfType, type SessionView } from './ws-messages.js';

type MediaWanted = { video: boolean; audio: boolean; ecg: boolean };

/** A new act's link fields: nobody joined yet. */
const NEW_LINK = { link: 'present', negotiating: false, awaitingCart: false } as const satisfies Partial<Live>;

/** Signaling messages are SDP-sized; anything much larger is not signaling. */
export const MAX_SIGNALING_BYTES = 128 * 1024;

/** A page's messages about a home act that its owner handles when the page is on another instance (remote-pages.ts). */
const HOME_PAGE_TYPES: ReadonlySet<string> = new Set([
  'admit',
  'refuse',
  'participant-signal',
  'home-media-up',
  'hangup',
  'unit-offer',
  'unit-ice',
  'unit-media',
  'unit-pin',
]);

const checkUp = compile(RtcUp);
const checkDown = compile(RtcDown);
const checkBrowser = compile(BrowserMessage);

export type MqttMalformed = 'oversize' | 'not-json' | 'schema' | 'unknown-topic' | 'unknown-session' | 'wrong-gateway' | 'bad-state';
export type WsMalformed = 'oversize' | 'not-json' | 'schema' | 'unknown-session' | 'forbidden' | 'bad-state';

export interface TeleconsultMetrics {
  connected: boolean;
  activeSessions: number;
  openPages: number;
  /** Acts waiting for their specialist to rejoin. */
  reconnecting: number;
  fromGateways: number;
  fromPages: number;
  toGateways: number;
  malformed: { mqtt: Record<MqttMalformed, number>; ws: Record<WsMalformed, number> };
  storeErrors: number;
  /** Calls refused before any act was created (no consent). */
  callsRefused: number;
  /** Pages lost during an act, rejoins, and acts ended because nobody rejoined in time. */
  pagesLost: number;
  rejoins: number;
  specialistsLost: number;
}

/** An open specialist page, as the relay sees it. */
export interface RelayPeer {
  readonly specialist: Specialist;
  send(message: CloudMessage): void;
}

export interface PeerHandle {
  /** A raw WebSocket text frame from the page. */
  receive(data: string): void;
  /** The page went away: any act it was in waits for its specialist to rejoin (or ends, grace 0). */
  close(): void;
}

export interface TeleconsultRelayOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'>;
  store: CloudStore;
  directory: SpecialistDirectory;
  config: TeleconsultConfig;
  /** A TURN relay to hand each party credentials for (with the secret read); none: only config.iceServers. */
  turn?: TurnRestOptions;
  /** How often the page of an act in progress gets the patient's latest vitals again (default 15 s). */
  vitalsEveryMs?: number;
  logger: Logger;
  now?: () => Date;
  /** An act of this cart changed status or an appointment was claimed (the cart's day is rebuilt, agenda/). */
  onActChange?: (gatewayId: string) => void;
  /** This instance's id in the acts' leases (tests); default random per start. */
  instanceId?: string;
  /** Clock and timers of the home acts' statuses (tests move them; default the relay's clock and real timers). */
  homeActClock?: HomeActClock;
  /** Options of the acts' rooms on the forwarding unit (hostAddresses; default: every interface, 4 MiB receive buffers). */
  forwardingUnit?: NonNullable<UnitSignalingOptions['rooms']>['room'];
}

interface Live {
  rec: TeleconsultationRecord;
  /** The latest vitals last sent to the page (JSON), so an unchanged summary is not sent again. */
  vitalsSent?: string;
  /** A read of them is under way (the periodic refresh skips the act meanwhile). */
  vitalsReading?: boolean;
  /** The cloud's patient the cart's local id maps to: null when not assigned, undefined until looked up. */
  cloudPatientId?: string | null;
  /** The appointment this act was booked as: its pool's specialty when no one was named. */
  specialty?: string | null;
  patient: SessionView['patient'];
  peer?: RelayPeer;
  timer?: NodeJS.Timeout;
  /** In progress: the joined specialist's page is there, or gone and awaited. */
  link: SpecialistLink;
  /** When the page went away (reconnecting): the act's end time if nobody rejoins. */
  lostAt?: Date;
  /** When the rejoin window ends (reconnecting). */
  rejoinUntil?: Date;
  /** When a waiting act ends unjoined. */
  waitingUntil?: Date;
  /** Taken back after a restart: the cart is told again where the act stands when its status says it is online. */
  untold?: boolean;
  /** A join or rejoin waits for the media to come up (the connect timeout runs). */
  negotiating: boolean;
  /**
   * After a rejoin, until the cart's new peer reports `connecting`: the old peer's last states
   * (failed, closed) may still be on their way and must not end the act.
   */
  awaitingCart: boolean;
}

/** What a home act's page rules read of its row. */
type HomeRec = Pick<TeleconsultationRecord, 'status' | 'specialistId' | 'requestedSpecialistId' | 'gatewayId'>;

export class TeleconsultRelay {
  private readonly live = new Map<string, Live>();
  /** Calls whose appointment is being looked up (a redelivered call meanwhile is not a second act). */
  private readonly calling = new Set<string>();
  private readonly peers = new Set<RelayPeer>();
  private readonly once: OnceLogger;
  private readonly now: () => Date;
  private writes: Promise<void> = Promise.resolve();
  private stopped = false;
  private vitalsTimer: NodeJS.Timeout | undefined;
  private readonly leases: ActLeases;
  private leaseTimer: NodeJS.Timeout | undefined;
  private leaseTick: Promise<void> | undefined;
  /** Open acts other instances hold: shown in the waiting rooms, their carts' messages left to them. */
  private remote = new Map<string, Live>();
  /** Sessions whose lease another instance holds (its calls too, before their rows): their messages are its. */
  private foreign = new Set<string>();
  private readonly counters: Omit<TeleconsultMetrics, 'connected' | 'activeSessions' | 'openPages' | 'reconnecting'> = {
    fromGateways: 0,
    fromPages: 0,
    toGateways: 0,
    malformed: {
      mqtt: { oversize: 0, 'not-json': 0, schema: 0, 'unknown-topic': 0, 'unknown-session': 0, 'wrong-gateway': 0, 'bad-state': 0 },
      ws: { oversize: 0, 'not-json': 0, schema: 0, 'unknown-session': 0, forbidden: 0, 'bad-state': 0 },
    },
    storeErrors: 0,
    callsRefused: 0,
    pagesLost: 0,
    rejoins: 0,
    specialistsLost: 0,
  };

  /** The acts' participants besides the cart (home patient, guests): their admission by the specialist. */
  readonly participants: ParticipantRoom;
  /** The home patient's conversation with the specialist's page, once admitted (participant-signaling.ts). */
  private readonly participantSignals: ParticipantSignaling;
  /** Guests' media: the acts' rooms on the forwarding unit and their signaling (unit-signaling.ts). */
  readonly unit: UnitSignaling;
  /** Participants whose socket is on one instance and whose act is held by another (participant-relay.ts). */
  private readonly relayed: ParticipantRelay;
  /** The home acts' statuses (no cart calls: the patient's and the specialist's presence move them, home-acts.ts). */
  readonly homeActs: HomeActs;
  /** Open rows found to be home acts (their session id is their appointment's id): not the relay's to restore. */
  private readonly homeIds = new Set<string>();
  /** Open rows found to be cart acts: not looked up again at every lease tick. */
  private readonly cartIds = new Set<string>();
  /** Open home acts another instance holds (read at each lease tick): asked for when a page of their specialist is here. */
  private remoteHome = new Map<string, { owner: string; rec: TeleconsultationRecord }>();
  /** No instances' channel (SQLite): one instance, so a lease not lapsed held by another id is a former run of this one. */
  private readonly single: boolean;
  /** Each page's id (random), as announced to the owner of a home act that stands for it. */
  private readonly pageIds = new Map<RelayPeer, string>();
  private readonly pagesById = new Map<string, RelayPeer>();
  /** Home acts another instance holds to which pages here were announced (their owner's id): told when one closes. */
  private readonly announced = new Map<string, string>();
  /** Owner side: pages of a home act's specialist on other instances, stood for here while this one keeps the act. */
  private readonly remotePages: RemotePages;
  /**
   * Owner side: home acts being handed to the instance that asked for them (homeWanted, between its decision
   * and the lease given): no page of that instance is stood for meanwhile, so no patient of the act is given to
   * a stand-in about to close (its `ready` would be lost with it, and the page would see a patient who leaves).
   */
  private readonly handingOver = new Set<string>();

  private constructor(
    private readonly client: MqttClient,
    private readonly opts: TeleconsultRelayOptions,
    channel: InstanceChannel | undefined,
  ) {
    this.once = new OnceLogger(opts.logger);
    this.now = opts.now ?? (() => new Date());
    this.single = channel === undefined;
    this.remotePages = new RemotePages({
      send: (to, pageId, message) => this.relayed.toPage(to, pageId, message),
      now: () => this.now().getTime(),
    });
    this.leases = new ActLeases({
      store: opts.store.actLeases,
      leaseSeconds: opts.config.leaseSeconds,
      now: this.now,
      ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    });
    this.participants = new ParticipantRoom({
      notify: (sessionId, mayDecide, participants) => {
        for (const p of this.allPages()) if (mayDecide(p.specialist)) p.send({ type: 'participants', sessionId, participants });
      },
      audit: (e) => this.audit(e),
      maySee: (specialistId, gatewayId) => opts.directory.maySee(specialistId, gatewayId),
      now: this.now,
      gone: (id) => {
        this.participantSignals.gone(id);
        void this.unit.guestGone(id, 'left');
        this.homeActs.presenceChangedAll();
      },
      arrived: (e) => this.participantArrived(e),
    });
    this.homeActs = new HomeActs({
      store: opts.store,
      audit: (e, at) => this.audit(e, at),
      write: (op) => this.write(op),
      durable: (op) => this.durable(op),
      presence: (sessionId, specialistId) => ({
        patient: this.participants.of(sessionId).some((e) => e.role === 'patient'),
        specialist: specialistId !== null && this.allPages().some((p) => p.specialist.id === specialistId),
      }),
      ended: (sessionId, status) => {
        this.participants.endAct(sessionId, status);
        this.closeStandIns(this.remotePages.dropAct(sessionId));
        void this.unit.actEnded(sessionId, status);
        this.write(() => this.leases.release([sessionId]));
      },
      claim: (sessionId) => this.claimHome(sessionId),
      graceSeconds: opts.config.rejoinGraceSeconds,
      waitingMinutes: opts.config.waitingTimeoutMinutes,
      ...(opts.onActChange ? { onActChange: opts.onActChange } : {}),
      logger: opts.logger,
      now: opts.homeActClock?.now ?? this.now,
      ...(opts.homeActClock ? { after: opts.homeActClock.after } : {}),
    });
    this.unit = new UnitSignaling({
      participants: this.participants,
      iceServers: (sessionId, party) => this.partyIceServers(sessionId, party),
      cartOf: (sessionId) => {
        const l = this.live.get(sessionId);
        return l && l.rec.status === 'in-progress' ? { gatewayId: l.rec.gatewayId, name: `Chariot ${l.rec.gatewayId}` } : null;
      },
      toCart: (gatewayId, sessionId, signal) => this.toGateway(gatewayId, { v: 1, type: 'unit', sessionId, signal }),
      audit: (e) => this.audit(e),
      actOf: (sessionId) => {
        const l = this.live.get(sessionId);
        if (l?.rec.status === 'in-progress')
          return { gatewayId: l.rec.gatewayId, patientId: l.rec.patientId, specialistId: l.rec.specialistId };
        return this.homeActs.inProgress(sessionId);
      },
      pageOf: (specialistId) => [...this.peers].reverse().find((p) => p.specialist.id === specialistId),
      store: {
        open: (r) => this.write(() => opts.store.actRooms.open(r)),
        // Behind the writes queued so far (the opening), like every read of what the relay wrote.
        get: (sessionId) => this.writes.then(() => opts.store.actRooms.get(sessionId)),
        close: (sessionId) =>
          new Promise((resolve) => {
            this.write(async () => resolve(await opts.store.actRooms.close(sessionId).catch(() => null)));
          }),
      },
      now: this.now,
      ...(opts.forwardingUnit ? { rooms: { room: opts.forwardingUnit } } : {}),
      onError: (sessionId, member, e) =>
        this.once.warn(
          sessionId,
          'unit-send',
          { topic: 'forwarding-unit', error: `${member}: ${String(e)}` },
          'teleconsult: the forwarding unit could not send',
        ),
    });
    this.participantSignals = new ParticipantSignaling({
      room: this.participants,
      iceServers: (sessionId) => this.partyIceServers(sessionId, 'specialist'),
      unit: (e, msg) => this.unit.fromParticipant(e, msg),
      mediaUp: (e) => this.homeActs.patientMediaUp(e.sessionId),
    });
    this.relayed = new ParticipantRelay({
      me: this.leases.instanceId,
      ...(channel ? { channel } : {}),
      room: this.participants,
      holder: (sessionId) => this.leases.holder(sessionId),
      refuses: (a) => this.refusesRelayed(a),
      fromParticipant: (id, data, reply) => this.fromParticipant(id, data, reply),
      removeGuest: (sessionId, linkId, by, name) => {
        const who = opts.directory.get(by);
        if (who) void this.removeGuest(sessionId, linkId, who, name ?? '?');
      },
      wanted: (sessionId, from, pages) => this.homeWanted(sessionId, from, pages),
      pages: (sessionId, from, pages) => this.remotePagesNow(sessionId, from, pages),
      pageFrom: (from, pageId, specialist, sessionId, data) => this.fromRemotePage(from, pageId, specialist, sessionId, data),
      pageTo: (pageId, message) => {
        const page = this.pagesById.get(pageId);
        page?.send(message as CloudMessage);
        return page !== undefined;
      },
      pageGone: (from, pageId, message) => this.remotePageGone(from, pageId, message),
      given: (sessionId, from) => this.homeGiven(sessionId, from),
      waitingElsewhere: (sessionId, owner) => this.homeWaitingElsewhere(sessionId, owner),
      logger: opts.logger,
      now: this.now,
    });
    client.on('message', (topic, payload) => {
      try {
        this.fromGateway(topic, payload);
      } catch (e) {
        opts.logger.error({ err: e, topic }, 'teleconsult: unexpected error on a gateway message');
      }
    });
  }

  static async start(opts: TeleconsultRelayOptions): Promise<TeleconsultRelay> {
    const target = brokerConnectArgs(opts.brokerUrl);
    const client = mqtt.connect(target.url, {
      ...(target.servers ? { servers: target.servers } : {}),
      ...opts.mqttOptions,
      clientId: `telecart-signaling-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: opts.mqttOptions?.reconnectPeriod ?? 1000,
    });
    // Several instances on one PostgreSQL: the participants' signaling between them (participant-relay.ts).
    let relay: TeleconsultRelay | undefined;
    const channel = opts.store.openInstanceChannel?.({
      lost: (err) => {
        opts.logger.warn({ err }, 'teleconsult: the instances’ channel (LISTEN/NOTIFY) lost its connection; it reconnects');
        relay?.relayed.channelLost();
      },
      dropped: (why) => opts.logger.warn({ why }, 'teleconsult: refused a relayed participant message (a malformed part)'),
    });
    relay = new TeleconsultRelay(client, opts, channel);
    relay.vitalsTimer = setInterval(() => relay.refreshVitals(), opts.vitalsEveryMs ?? 15_000);
    relay.vitalsTimer.unref();
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      // Re-subscribed by mqtt.js after a reconnect (clean session).
      await client.subscribeAsync(topics.allRtcUp(), { qos: 1 });
      await relay.subscribeStatuses();
      await relay.relayed.start();
      client.on('error', (err) => opts.logger.warn({ err }, 'teleconsult: MQTT error'));
      await relay.scan('restart');
      relay.leaseTimer = setInterval(() => void relay.tickLeases(), relay.leases.everyMs);
      relay.leaseTimer.unref();
    } catch (e) {
      client.end(true);
      await relay.relayed.stop().catch(() => undefined);
      throw e;
    }
    return relay;
  }

  /**
   * The carts' statuses say when a cart is back: an act taken back after a restart is told to it
   * then (see restore()). A broker whose ACL predates this right refuses it: the relay works
   * without, the cart just hears of such an act only from what was published at restore.
   */
  private async subscribeStatuses(): Promise<void> {
    const refused = (why: string) =>
      this.opts.logger.warn({ topic: topics.allStatuses(), why }, 'teleconsult: the carts’ statuses are not readable (broker ACL)');
    try {
      const granted = await this.client.subscribeAsync(topics.allStatuses(), { qos: 1 });
      if (granted.some((g) => g.qos === 128)) refused('subscription refused');
    } catch (e) {
      refused((e as Error).message);
    }
  }

  /** This instance's id in the acts' leases. */
  get instanceId(): string {
    return this.leases.instanceId;
  }

  isConnected(): boolean {
    return this.client.connected;
  }

  metrics(): TeleconsultMetrics {
    return {
      connected: this.client.connected,
      activeSessions: this.live.size,
      openPages: this.peers.size,
      reconnecting: [...this.live.values()].filter((l) => l.rec.status === 'in-progress' && l.link === 'reconnecting').length,
      ...structuredClone(this.counters),
    };
  }

  /** Waits for the store writes queued so far (tests, shutdown). */
  flush(): Promise<void> {
    return this.writes;
  }

  attach(peer: RelayPeer): PeerHandle {
    this.peers.add(peer);
    const pageId = randomUUID();
    this.pageIds.set(peer, pageId);
    this.pagesById.set(pageId, peer);
    this.audit({ actor: peer.specialist.id, actorRole: peer.specialist.role, action: 'page-open' });
    peer.send({ type: 'hello', specialist: { id: peer.specialist.id, name: peer.specialist.name } });
    peer.send({ type: 'waiting-room', sessions: this.roomFor(peer.specialist) });
    // The other instances' acts as they are now (a page that moved here after its instance went).
    void this.tickLeases();
    for (const v of this.participants.viewsFor(peer.specialist)) peer.send({ type: 'participants', ...v });
    this.takeBackHomeActs(peer);
    // Its acts in progress: a room open before a restart is rebuilt with this page as the specialist's member.
    this.unit.pageOpened(peer, [
      ...[...this.live.values()]
        .filter((l) => l.rec.status === 'in-progress' && l.rec.specialistId === peer.specialist.id)
        .map((l) => l.rec.sessionId),
      ...this.homeActs.joinedBy(peer.specialist.id),
    ]);
    return {
      receive: (data) => {
        try {
          this.fromPage(peer, data);
        } catch (e) {
          this.opts.logger.error({ err: e, specialist: peer.specialist.id }, 'teleconsult: unexpected error on a page message');
        }
      },
      close: () => {
        if (!this.peers.delete(peer)) return;
        this.pageIds.delete(peer);
        this.pagesById.delete(pageId);
        // The owners standing for it are told at once.
        this.announcePages();
        this.participantSignals.pageClosed(peer);
        this.unit.pageClosed(peer);
        this.homeActs.presenceChangedAll();
        for (const l of [...this.live.values()]) {
          if (l.peer === peer) this.pageLost(l);
        }
      },
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.vitalsTimer);
    clearInterval(this.leaseTimer);
    // Home acts are left as they are in the store (as a crash leaves them) for another instance or the next start.
    const homes = this.homeActs.ids();
    this.homeActs.stop();
    await this.unit.stop();
    await this.leaseTick;
    // Pages whose socket closes from here on are not pages lost: the acts are left as a crash leaves them.
    this.peers.clear();
    for (const l of [...this.live.values()]) this.leaveForRejoin(l);
    await this.writes;
    // Another instance takes them at its next look instead of waiting for the leases to lapse.
    await this.leases.release([...this.live.keys(), ...homes]).catch((e: unknown) => {
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e }, 'teleconsult: the acts’ leases could not be released; they lapse');
    });
    await endMqttClient(this.client);
    await this.relayed.stop();
    this.peers.clear();
  }

  /**
   * A planned stop (rolling restart, upgrade) leaves the act as a crash would, for the next instance
   * or the restarted one to take back (restore()): a waiting act stays waiting; an act in progress
   * waits `reconnecting` from now (its page loses its socket with this process) and the cart is told.
   */
  private leaveForRejoin(l: Live): void {
    clearTimeout(l.timer);
    const stop = { actor: 'cloud', actorRole: 'system', action: 'stop', ...this.about(l) } as const;
    if (l.rec.status !== 'in-progress') {
      this.audit({ ...stop, detail: 'left waiting for the next start' });
      return;
    }
    const before = l.link;
    if (l.link === 'present') {
      l.peer = undefined;
      l.link = 'reconnecting';
      l.lostAt = this.now();
      l.negotiating = false;
      l.awaitingCart = false;
    }
    this.audit({ ...stop, detail: `left for rejoin (specialist ${before} at the stop)` });
    this.persistRelayState(l);
    this.toGateway(l.rec.gatewayId, this.sessionDown(l));
  }

  // ── gateway side ──

  private mqttMalformed(reason: MqttMalformed, gatewayId: string, topic: string, payload: Uint8Array | undefined, error: string): void {
    this.counters.malformed.mqtt[reason]++;
    this.once.warn(gatewayId, `rtc-${reason}`, { topic, ...(payload ? { payload } : {}), error }, 'teleconsult: dropped a gateway message');
  }

  private fromGateway(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'status') {
      this.onStatus(parsed.gatewayId, payload);
      return;
    }
    if (parsed?.kind !== 'rtc-up') {
      this.mqttMalformed('unknown-topic', parsed?.gatewayId ?? '?', topic, payload, 'not an rtc/up topic');
      return;
    }
    const gw = parsed.gatewayId;
    if (payload.byteLength > MAX_SIGNALING_BYTES) {
      this.mqttMalformed('oversize', gw, topic, payload, `${payload.byteLength} bytes > ${MAX_SIGNALING_BYTES}`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (e) {
      this.mqttMalformed('not-json', gw, topic, payload, (e as Error).message);
      return;
    }
    const v = checkUp.validate(json);
    if (!v.ok) {
      this.mqttMalformed('schema', gw, topic, payload, formatIssues(v.issues));
      return;
    }
    this.counters.fromGateways++;
    const msg = v.value;
    if (msg.type === 'call') {
      this.onCall(gw, msg);
      return;
    }
    const l = this.live.get(msg.sessionId);
    if (!l && this.foreign.has(msg.sessionId)) return; // another instance's act
    if (!l) {
      this.mqttMalformed('unknown-session', gw, topic, undefined, `${msg.type} for session ${msg.sessionId}, not active here`);
      return;
    }
    if (l.rec.gatewayId !== gw) {
      this.mqttMalformed('wrong-gateway', gw, topic, undefined, `session ${msg.sessionId} belongs to ${l.rec.gatewayId}`);
      return;
    }
    switch (msg.type) {
      case 'call-cancel':
        if (l.rec.status === 'in-progress') this.end(l, 'hangup-nurse', { hangupGateway: false });
        else this.move(l, 'cancelled', 'cancelled-by-nurse', { actor: gw, actorRole: 'gateway', action: 'call-cancel' });
        return;
      case 'offer':
      case 'ice':
        if (l.rec.status !== 'in-progress' || !l.peer) {
          this.mqttMalformed('bad-state', gw, topic, undefined, `${msg.type} while the session is ${l.rec.status}`);
          return;
        }
        if (msg.type === 'offer') l.peer.send({ type: 'offer', sessionId: msg.sessionId, sdp: msg.sdp });
        else l.peer.send({ type: 'ice', sessionId: msg.sessionId, candidate: msg.candidate });
        return;
      case 'state':
        this.onState(l, msg);
        return;
      case 'convo':
        // Only to the specialist who joined this act, while it is under way and their page is there.
        if (l.rec.status !== 'in-progress' || !l.peer) {
          this.mqttMalformed('bad-state', gw, topic, undefined, `convo ${msg.signal.kind} while the session is ${l.rec.status}`);
          return;
        }
        l.peer.send({ type: 'convo', sessionId: msg.sessionId, signal: msg.signal });
        return;
      case 'unit':
        // The cart's page and its own act's room on the forwarding unit (this cart's act: checked above).
        if (l.rec.status !== 'in-progress') {
          this.mqttMalformed('bad-state', gw, topic, undefined, `unit ${msg.signal.kind} while the session is ${l.rec.status}`);
          return;
        }
        void this.unit.fromCart(gw, msg.sessionId, msg.signal, { patientId: l.rec.patientId }).then((refused) => {
          if (refused) this.once.warn(gw, 'unit-refused', { topic, error: refused }, 'teleconsult: a cart’s unit signal was refused');
        });
        return;
      case 'error':
        this.opts.logger.warn({ gatewayId: gw, sessionId: msg.sessionId, error: msg.message }, 'teleconsult: the cart reports an error');
        l.peer?.send({ type: 'error', sessionId: msg.sessionId, message: msg.message });
        if (l.rec.status === 'in-progress' && l.link === 'present' && l.rec.connectedAt === null) {
          this.end(l, `cart-error: ${msg.message}`.slice(0, 200), { hangupGateway: true });
          return;
        }
    }
  }

  /**
   * A cart's status (its sync client publishes one at each connect): when it says the cart is
   * online, the acts taken back after a restart that the cart has not been told of yet are told
   * now (what was published while the cart was away may be lost with the old broker). The
   * ingest workers validate and store statuses; anything else here is left to them.
   */
  private onStatus(gatewayId: string, payload: Buffer): void {
    const untold = [...this.live.values()].filter((l) => l.untold && l.rec.gatewayId === gatewayId);
    if (untold.length === 0 || payload.byteLength === 0 || payload.byteLength > MAX_SIGNALING_BYTES) return;
    const r = decodeStatus(payload);
    if (!r.ok || r.value.gatewayId !== gatewayId || !r.value.online) return;
    for (const l of untold) {
      l.untold = false;
      this.toGateway(gatewayId, this.sessionDown(l));
    }
  }

  private onCall(gatewayId: string, msg: Extract<RtcUpMsg, { type: 'call' }>): void {
    if (this.calling.has(msg.sessionId)) return;
    const existing = this.live.get(msg.sessionId);
    if (existing) {
      // A QoS 1 redelivery or a retry of the same call: say where it stands.
      if (existing.rec.gatewayId === gatewayId) this.toGateway(existing.rec.gatewayId, this.sessionDown(existing));
      else this.mqttMalformed('wrong-gateway', gatewayId, topics.rtcUp(gatewayId), undefined, `session ${msg.sessionId} is another cart's`);
      return;
    }
    const c = msg.consent;
    const consent: ConsentRecord | null = c
      ? {
          by: c.by,
          method: c.method,
          representative: c.by === 'representative' ? { ...c.representative } : null,
          collectedAt: new Date(c.collectedAt).toISOString(),
          collectedBy: c.collectedBy ?? null,
        }
      : null;
    // A call for a patient with an appointment due now is that appointment, not a new act.
    this.calling.add(msg.sessionId);
    void this.takeCall(msg.sessionId).then(async (mine) => {
      if (!mine) {
        this.calling.delete(msg.sessionId);
        return;
      }
      const allowed = await this.nurseAllowed(gatewayId, msg);
      if (!consent || !allowed) {
        this.calling.delete(msg.sessionId);
        this.write(() => this.leases.release([msg.sessionId]));
        if (!this.stopped) this.refuseCall(gatewayId, msg, consent ? 'unknown-nurse' : 'no-consent');
        return;
      }
      const claimed = await this.dueAppointment(gatewayId, msg, consent);
      this.calling.delete(msg.sessionId);
      if (!this.stopped) this.openAct(gatewayId, msg, consent, claimed);
    });
  }

  /**
   * Whether this instance handles the call: every instance hears it, the one whose lease write wins
   * takes it. A store that fails is not a reason to leave a nurse unanswered: the call is taken.
   */
  private async takeCall(sessionId: string): Promise<boolean> {
    try {
      if (await this.leases.take(sessionId)) return true;
      this.foreign.add(sessionId);
      return false;
    } catch (e) {
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e, sessionId }, 'teleconsult: the call’s lease could not be taken; this instance answers it');
      return true;
    }
  }

  /** A call naming a nurse: that nurse must be an enabled nurse account allowed on this cart (nurses/service.ts publishes them). */
  private async nurseAllowed(gatewayId: string, msg: Extract<RtcUpMsg, { type: 'call' }>): Promise<boolean> {
    if (!msg.nurse) return true;
    const a = this.opts.directory.get(msg.nurse.id);
    return a !== null && NURSE_ROLES.has(a.role) && this.opts.directory.maySee(a.id, gatewayId);
  }

  /**
   * The scheduled appointment of this cart and patient (the cloud's patient the cart's local id maps
   * to) whose start is in the window around now, claimed for this call; null: none (or the store
   * failed: the call still becomes an act, an urgent one).
   */
  private async dueAppointment(
    gatewayId: string,
    msg: Extract<RtcUpMsg, { type: 'call' }>,
    consent: ConsentRecord,
  ): Promise<{ appointment: AppointmentRecord; cloudPatientId: string } | null> {
    const { store, config } = this.opts;
    try {
      const cloudPatientId = (await store.servedPatients(gatewayId, [msg.patient.id])).get(msg.patient.id);
      if (cloudPatientId === undefined) return null;
      const w = config.appointmentWindowMinutes;
      const appointment = await store.claimAppointment({
        gatewayId,
        patientId: cloudPatientId,
        localPatientId: msg.patient.id,
        sessionId: msg.sessionId,
        consent,
        at: this.now(),
        earlyMs: w.early * 60_000,
        lateMs: w.late * 60_000,
      });
      if (appointment) this.opts.onActChange?.(gatewayId);
      return appointment ? { appointment, cloudPatientId } : null;
    } catch (e) {
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e, gatewayId }, 'teleconsult: appointments could not be looked up; the call is a new act');
      return null;
    }
  }

  private openAct(
    gatewayId: string,
    msg: Extract<RtcUpMsg, { type: 'call' }>,
    consent: ConsentRecord,
    claimed: { appointment: AppointmentRecord; cloudPatientId: string } | null,
  ): void {
    const at = this.now().toISOString();
    const a = claimed?.appointment;
    const rec: TeleconsultationRecord = {
      sessionId: msg.sessionId,
      gatewayId,
      patientId: msg.patient.id,
      patientIns: msg.patient.ins ?? null,
      requestedSpecialistId: a ? a.specialistId : (msg.specialistId ?? null),
      specialistId: null,
      specialistName: null,
      reason: a?.reason ?? msg.reason ?? null,
      consent,
      status: 'waiting',
      outcome: null,
      createdAt: a ? a.bookedAt : at,
      joinedAt: null,
      connectedAt: null,
      endedAt: null,
      durationMs: null,
      updatedAt: at,
    };
    const l: Live = {
      rec,
      // Until the cloud's own record is found: the cart's local id only (a cart's INS or names are not shown).
      patient: { id: msg.patient.id, ins: null, family: null, given: null, birthDate: null },
      ...(a ? { specialty: a.specialty } : {}),
      ...NEW_LINK,
    };
    this.live.set(rec.sessionId, l);
    // A claimed appointment's row is already the waiting act (the claim wrote it): the call's facts are kept as booked.
    if (!a) this.write(() => this.opts.store.upsertTeleconsultation({ ...rec }));
    // The nurse signed in on the cart is who calls and collected the consent (checked by nurseAllowed).
    // Written with the nurse account's own role (ehpad-nurse…); `nurse` for one the accounts do not know.
    const by = msg.nurse
      ? { actor: msg.nurse.id, actorRole: this.opts.directory.get(msg.nurse.id)?.role ?? ('nurse' as const) }
      : { actor: gatewayId, actorRole: 'gateway' as const };
    const named = msg.nurse ? `${msg.nurse.name}, on ${gatewayId}: ` : '';
    const what = a ? `appointment ${a.id} (${a.start})${msg.reason ? `: ${msg.reason}` : ''}` : (msg.reason ?? null);
    this.audit({
      ...by,
      action: 'call',
      ...this.about(l),
      detail: named ? `${named}${what ?? 'call'}` : what,
    });
    this.audit({ ...by, action: 'consent', ...this.about(l), detail: `${named}${consentDetail(consent)}` });
    this.armWaiting(l, new Date(this.now().getTime() + this.opts.config.waitingTimeoutMinutes * 60_000));
    this.toGateway(gatewayId, this.sessionDown(l));
    this.lookUpPatient(l);
  }

  /** A waiting act ends unjoined at `until` (kept in the store: a restart counts the rest of the wait only). */
  /** The audit role of an account named by an act: its own role, specialist when it is gone. */
  private roleOf(accountId: string | null): Role {
    return (accountId === null ? null : this.opts.directory.get(accountId))?.role ?? 'specialist';
  }

  private armWaiting(l: Live, until: Date): void {
    l.waitingUntil = until;
    this.persistRelayState(l);
    this.arm(l, Math.max(0, until.getTime() - this.now().getTime()), () =>
      this.move(l, 'not-done', 'no-join-timeout', { actor: 'cloud', actorRole: 'system', action: 'timeout' }),
    );
  }

  private lookUpPatient(l: Live): void {
    const { gatewayId, patientId } = l.rec;
    // The identity shown in the waiting room comes from the cloud's patient list only: the call carries the
    // cart's local id, which the configuration maps, for this cart, to the cloud's patient (two sites' "r12"
    // are two patients). An id this cart is not assigned shows as the bare id: a cart naming another cart's
    // patient (by its cloud id) learns and shows nothing of them.
    void this.opts.store
      .servedPatients(gatewayId, [patientId])
      .then((served) => {
        const cloudId = served.get(patientId);
        l.cloudPatientId = cloudId ?? null;
        return cloudId === undefined ? null : this.opts.store.getPatient(cloudId);
      })
      .then(
        (p) => {
          if (p) l.patient = { id: p.id, ins: p.ins, family: p.family, given: p.given, birthDate: p.birthDate };
          this.broadcastRoom();
        },
        () => this.broadcastRoom(),
      );
  }

  /**
   * No act is created: the cart hears why (`hangup` with the reason, for this release's nurse page)
   * and that the call is over (`session` not-done, which older gateways show too).
   */
  private refuseCall(gatewayId: string, msg: Extract<RtcUpMsg, { type: 'call' }>, reason: 'no-consent' | 'unknown-nurse'): void {
    this.counters.callsRefused++;
    this.once.warn(gatewayId, `call-${reason}`, { topic: topics.rtcUp(gatewayId), error: reason }, 'teleconsult: call refused');
    this.audit({
      actor: gatewayId,
      actorRole: 'gateway',
      action: 'call-refused',
      sessionId: msg.sessionId,
      gatewayId,
      patientId: msg.patient.id,
      detail: msg.nurse ? `${reason}: ${msg.nurse.id} (${msg.nurse.name})` : reason,
    });
    this.toGateway(gatewayId, { v: 1, type: 'hangup', sessionId: msg.sessionId, reason });
    this.toGateway(gatewayId, { v: 1, type: 'session', sessionId: msg.sessionId, status: 'not-done' });
  }

  private onState(l: Live, msg: Extract<RtcUpMsg, { type: 'state' }>): void {
    if (l.rec.status === 'in-progress' && l.awaitingCart) {
      // Until the cart's fresh peer speaks, what comes is the old peer's end: not this page's business.
      if (msg.state !== 'connecting' && msg.state !== 'connected') return;
      l.awaitingCart = false;
    }
    l.peer?.send({ type: 'state', sessionId: msg.sessionId, state: msg.state, ...(msg.detail ? { detail: msg.detail } : {}) });
    if (l.rec.status !== 'in-progress') return;
    if (msg.state === 'connected') {
      const rejoined = l.negotiating && l.rec.connectedAt !== null;
      if (l.negotiating && l.link === 'present') {
        clearTimeout(l.timer);
        l.negotiating = false;
      }
      if (l.rec.connectedAt === null) {
        l.rec = { ...l.rec, connectedAt: this.now().toISOString(), updatedAt: this.now().toISOString() };
        this.write(() => this.opts.store.upsertTeleconsultation({ ...l.rec }));
        this.audit({ actor: l.rec.gatewayId, actorRole: 'gateway', action: 'connected', ...this.about(l) });
      } else if (rejoined) {
        this.audit({ actor: l.rec.gatewayId, actorRole: 'gateway', action: 'reconnected', ...this.about(l) });
      }
    } else if (l.link === 'reconnecting') {
      // The cart's peer towards the page that went away goes down, as expected: the act waits for the rejoin.
    } else if (msg.state === 'failed' || msg.state === 'closed') {
      this.end(l, msg.state === 'failed' ? 'connection-failed' : 'closed-by-cart', { hangupGateway: msg.state === 'failed' });
    }
  }

  // ── page side ──

  private wsMalformed(peer: RelayPeer, reason: WsMalformed, error: string, sessionId?: string): void {
    this.counters.malformed.ws[reason]++;
    this.once.warn(
      `specialist:${peer.specialist.id}`,
      `ws-${reason}`,
      { topic: 'consult/ws', error },
      'teleconsult: dropped a page message',
    );
    peer.send({ type: 'error', message: error, ...(sessionId ? { sessionId } : {}) });
  }

  private fromPage(peer: RelayPeer, data: string): void {
    if (data.length > MAX_SIGNALING_BYTES) {
      this.wsMalformed(peer, 'oversize', `message of ${data.length} characters`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch (e) {
      this.wsMalformed(peer, 'not-json', (e as Error).message);
      return;
    }
    const v = checkBrowser.validate(json);
    if (!v.ok) {
      this.wsMalformed(peer, 'schema', issuesOfType(BrowserMessage, json) ?? formatIssues(v.issues));
      return;
    }
    this.counters.fromPages++;
    const msg = v.value;
    if (HOME_PAGE_TYPES.has(msg.type) && 'sessionId' in msg && this.toRemoteOwner(peer, msg.sessionId, data)) return;
    if (msg.type === 'admit' || msg.type === 'refuse') {
      // Participants wait for the act's specialist whether or not a cart's act is live (a home act has none).
      const r = this.participants.decide(peer.specialist, msg.sessionId, msg.participantId, msg.type);
      if (!r.ok) this.wsMalformed(peer, 'forbidden', r.message, msg.sessionId);
      else if (msg.type === 'admit') {
        this.participantSignals.admitted(peer, msg.sessionId, msg.participantId);
        this.unit.admitted(peer, msg.sessionId, msg.participantId);
        // A guest's admission outlives this process: back after a restart, they are let in again at once.
        const linkId = this.participants.find(msg.participantId)?.linkId;
        if (linkId) {
          const at = this.now();
          this.write(async () => {
            await this.opts.store.admitActLink(linkId, at);
          });
        }
        if (this.participants.find(msg.participantId)?.role === 'patient') void this.homeActs.admitted(msg.sessionId, peer.specialist);
      }
      return;
    }
    if (msg.type === 'hangup' && this.homeActs.has(msg.sessionId)) {
      void this.homeActs.hangup(msg.sessionId, peer.specialist).then((refused) => {
        if (refused) this.wsMalformed(peer, 'forbidden', refused, msg.sessionId);
      });
      return;
    }
    if (msg.type === 'home-media-up') {
      void this.homeActs.mediaUp(msg.sessionId, peer.specialist).then(async (word) => {
        if (word.refused !== null) return this.wsMalformed(peer, 'forbidden', word.refused, msg.sessionId);
        // Told once stored: until then the page says it again (a lost socket, a restart).
        if (await word.stored) peer.send({ type: 'home-media-up-stored', sessionId: msg.sessionId });
      });
      return;
    }
    if (msg.type === 'participant-signal') {
      const refused = this.participantSignals.fromPage(peer, msg);
      if (refused) this.wsMalformed(peer, 'forbidden', refused, msg.sessionId);
      return;
    }
    if (msg.type === 'unit-offer' || msg.type === 'unit-ice' || msg.type === 'unit-media' || msg.type === 'unit-pin') {
      void this.unit.fromPage(peer, msg).then((refused) => {
        if (refused) this.wsMalformed(peer, 'forbidden', refused, msg.sessionId);
      });
      return;
    }
    const who = peer.specialist;
    const shown = this.remote.get(msg.sessionId);
    if (shown && msg.type === 'join' && this.opts.directory.maySee(who.id, shown.rec.gatewayId)) {
      void this.joinElsewhere(peer, shown, msg.media).catch((e: unknown) => {
        this.counters.storeErrors++;
        this.opts.logger.error({ err: e, sessionId: msg.sessionId }, 'teleconsult: an act could not be taken from another instance');
        this.wsMalformed(peer, 'bad-state', `session ${msg.sessionId} could not be joined here; try again`, msg.sessionId);
      });
      return;
    }
    const l = this.live.get(msg.sessionId);
    if (!l || !this.opts.directory.maySee(who.id, l.rec.gatewayId)) {
      // Unknown and not-yours look the same, so a page cannot probe other carts' sessions.
      if (l)
        this.audit({
          actor: who.id,
          actorRole: who.role,
          action: 'refused',
          ...this.about(l),
          detail: `${msg.type}: cart not allowed`,
        });
      this.wsMalformed(peer, l ? 'forbidden' : 'unknown-session', `no active session ${msg.sessionId}`, msg.sessionId);
      return;
    }
    if (msg.type === 'join') {
      // Still this instance's? (A page on another one may be taking it over at this moment.)
      void this.leases.take(l.rec.sessionId).then(
        (held) => {
          if (held) this.join(peer, l, msg.media);
          else {
            this.letGo(l.rec.sessionId);
            this.wsMalformed(
              peer,
              'bad-state',
              `session ${msg.sessionId} is handled by another cloud instance now; try again`,
              msg.sessionId,
            );
          }
        },
        () => this.join(peer, l, msg.media),
      );
      return;
    }
    if (l.peer !== peer) {
      this.wsMalformed(peer, 'forbidden', `you have not joined session ${msg.sessionId}`, msg.sessionId);
      return;
    }
    switch (msg.type) {
      case 'answer':
        this.toGateway(l.rec.gatewayId, { v: 1, type: 'answer', sessionId: msg.sessionId, sdp: msg.sdp });
        return;
      case 'ice':
        this.toGateway(l.rec.gatewayId, { v: 1, type: 'ice', sessionId: msg.sessionId, candidate: msg.candidate });
        return;
      case 'hangup':
        this.end(l, 'hangup-specialist', { hangupGateway: true, reason: msg.reason });
        return;
      case 'convo':
        if (l.rec.status !== 'in-progress') {
          this.wsMalformed(peer, 'bad-state', `session ${msg.sessionId} is ${l.rec.status}`, msg.sessionId);
          return;
        }
        this.toGateway(l.rec.gatewayId, { v: 1, type: 'convo', sessionId: msg.sessionId, signal: msg.signal });
        // The act's room owns the probes of the cart's downlink: it hears of the specialist's camera toward the cart.
        if (msg.signal.kind === 'downlink')
          this.unit.rooms
            .directVideo(msg.sessionId, CART_MEMBER, msg.signal.videoPaused)
            .catch((e: unknown) =>
              this.opts.logger.warn({ err: e, sessionId: msg.sessionId }, 'teleconsult: the act’s room did not hear of the direct video'),
            );
        return;
    }
  }

  private join(peer: RelayPeer, l: Live, media: MediaWanted | undefined): void {
    const who = peer.specialist;
    if (l.rec.status === 'in-progress' && linkStep(this.linkState(l), { type: 'rejoin', specialistId: who.id }).ok) {
      this.rejoin(peer, l, media);
      return;
    }
    if (l.rec.status !== 'waiting') {
      const by = l.rec.specialistName ? ` (${l.rec.specialistName})` : '';
      this.audit({ actor: who.id, actorRole: who.role, action: 'join-refused', ...this.about(l), detail: `status ${l.rec.status}` });
      this.wsMalformed(peer, 'bad-state', `session ${l.rec.sessionId} is ${l.rec.status}${by}`, l.rec.sessionId);
      return;
    }
    l.peer = peer;
    const t = this.now().toISOString();
    l.rec = { ...l.rec, specialistId: who.id, specialistName: who.name, joinedAt: t };
    peer.send({ type: 'joined', sessionId: l.rec.sessionId, iceServers: this.iceServers(l, 'specialist') });
    l.vitalsSent = undefined;
    this.sendVitals(l);
    this.toGateway(l.rec.gatewayId, this.startDown(l, who, media));
    this.move(l, 'in-progress', null, { actor: who.id, actorRole: who.role, action: 'join' });
    this.armConnect(l);
  }

  /** The same specialist is back within the grace period: the cart starts a fresh peer connection for the new page. */
  private rejoin(peer: RelayPeer, l: Live, media: MediaWanted | undefined): void {
    const who = peer.specialist;
    const awaySeconds = l.lostAt ? Math.round((this.now().getTime() - l.lostAt.getTime()) / 1000) : 0;
    l.peer = peer;
    l.link = 'present';
    l.lostAt = undefined;
    l.rejoinUntil = undefined;
    l.awaitingCart = true;
    this.counters.rejoins++;
    peer.send({ type: 'joined', sessionId: l.rec.sessionId, iceServers: this.iceServers(l, 'specialist') });
    l.vitalsSent = undefined;
    this.sendVitals(l);
    // The cart's agent tears its old peer down (children, sockets) and offers anew.
    this.toGateway(l.rec.gatewayId, this.startDown(l, who, media));
    this.audit({ actor: who.id, actorRole: who.role, action: 'rejoin', ...this.about(l), detail: `after ${awaySeconds} s away` });
    this.linkChanged(l);
    this.armConnect(l);
  }

  /** The joined page went away: wait for its specialist to rejoin (grace period), or end now (grace 0). */
  private pageLost(l: Live): void {
    const graceSeconds = this.opts.config.rejoinGraceSeconds;
    const d = linkStep(this.linkState(l), { type: 'page-lost', graceSeconds });
    if (!d.ok) return;
    this.counters.pagesLost++;
    if ('end' in d) {
      this.end(l, d.end, { hangupGateway: true });
      return;
    }
    l.peer = undefined;
    l.link = d.link;
    const lostAt = this.now();
    l.lostAt = lostAt;
    l.rejoinUntil = new Date(lostAt.getTime() + graceSeconds * 1000);
    l.negotiating = false;
    l.awaitingCart = false;
    this.audit(
      {
        actor: l.rec.specialistId ?? '?',
        actorRole: this.roleOf(l.rec.specialistId),
        action: 'disconnected',
        ...this.about(l),
        detail: `page gone; the act waits ${graceSeconds} s for a rejoin`,
      },
      lostAt,
    );
    this.linkChanged(l);
    this.arm(l, graceSeconds * 1000, () => this.graceExpired(l));
  }

  private graceExpired(l: Live): void {
    const d = linkStep(this.linkState(l), { type: 'grace-expired' });
    if (!d.ok || !('end' in d)) return;
    this.counters.specialistsLost++;
    // The act really stopped when the page went away, not when the cloud gave up waiting (unless
    // the media came up only after that: then the end is now, and the duration never negative).
    const lost = l.lostAt;
    const connectedAt = l.rec.connectedAt === null ? null : Date.parse(l.rec.connectedAt);
    const endedAt = lost && (connectedAt === null || lost.getTime() >= connectedAt) ? lost : undefined;
    this.end(l, d.end, { hangupGateway: true, ...(endedAt ? { endedAt } : {}) });
  }

  /** The cart (nurse's screen), the page and the waiting rooms learn the specialist left or came back. */
  private linkChanged(l: Live): void {
    this.persistRelayState(l);
    this.toGateway(l.rec.gatewayId, this.sessionDown(l));
    l.peer?.send({ type: 'session', session: this.view(l, l.peer.specialist), outcome: l.rec.outcome });
    this.broadcastRoom();
  }

  private armConnect(l: Live): void {
    l.negotiating = true;
    this.arm(l, this.opts.config.connectTimeoutSeconds * 1000, () => this.end(l, 'connect-timeout', { hangupGateway: true }));
  }

  /** The page of each act in progress gets the patient's latest vitals when they changed. */
  private refreshVitals(): void {
    for (const l of this.live.values()) if (l.rec.status === 'in-progress' && l.peer && !l.vitalsReading) this.sendVitals(l);
  }

  /**
   * The act's patient's latest vitals to the specialist's page: only for a patient the cloud
   * assigns to this cart under the local id the cart called with (never an id taken as sent).
   */
  private sendVitals(l: Live): void {
    const { store } = this.opts;
    const { gatewayId, patientId, sessionId } = l.rec;
    l.vitalsReading = true;
    const cloudPatient = async () => {
      l.cloudPatientId ??= (await store.servedPatients(gatewayId, [patientId])).get(patientId) ?? null;
      return l.cloudPatientId;
    };
    void cloudPatient()
      .then(async (cloudId) => {
        const vitals = cloudId === null ? {} : summarizeVitals(await store.latestVitals(cloudId));
        const text = JSON.stringify(vitals);
        if (!l.peer || text === l.vitalsSent || l.rec.status !== 'in-progress') return;
        l.vitalsSent = text;
        l.peer.send({ type: 'vitals', sessionId, vitals });
      })
      .catch((e: unknown) =>
        this.once.warn(
          gatewayId,
          'vitals-read',
          { topic: 'store', error: (e as Error).message },
          'teleconsult: the patient’s vitals could not be read',
        ),
      )
      .finally(() => {
        l.vitalsReading = false;
      });
  }

  /**
   * The ICE servers of one party of an act: the configured ones, and the TURN relay with
   * credentials for this act and party only (`<expiry>:<session>.<party>`), issued afresh at each
   * join or rejoin.
   */
  private iceServers(l: Live, party: 'cart' | 'specialist'): TeleconsultConfig['iceServers'] {
    return this.partyIceServers(l.rec.sessionId, party);
  }

  private partyIceServers(sessionId: string, party: 'cart' | 'specialist' | 'guest' | 'patient'): TeleconsultConfig['iceServers'] {
    const { turn, config } = this.opts;
    if (!turn) return config.iceServers;
    const { urls, username, credential } = issueTurnCredentials(turn, `${sessionId}.${party}`, this.now().getTime());
    return [...config.iceServers, { urls, username, credential }];
  }

  /**
   * The specialist removed a guest (DELETE …/guests/:id, the link `linkId`): each of their open
   * sockets leaves the act's room (their media stop at once), is told by whom and is closed, and the
   * audit line `guest-removed` says how many were. Returns that number, or 'relayed' when the act is
   * held by another instance (its owner does all this, the line included).
   */
  async removeGuest(sessionId: string, linkId: string, by: Specialist, name: string): Promise<number | 'relayed'> {
    // The act held by another instance: its room is there (their socket may be here or anywhere); it
    // closes them and writes the audit line, with its count.
    const relayed = await this.relayed.removeElsewhere(sessionId, linkId, by.id, name).catch((e: unknown) => {
      this.opts.logger.warn({ err: e, sessionId }, 'teleconsult: the act’s holder could not be told of a guest’s removal');
      return false;
    });
    if (relayed) return 'relayed';
    const connected = this.participants.of(sessionId).filter((e) => e.role === 'guest' && e.linkId === linkId);
    for (const e of connected) {
      await this.unit.guestGone(e.id, 'removed', by);
      e.send({ type: 'removed', by: by.name });
      e.close('removed by the specialist');
    }
    const act = this.live.get(sessionId)?.rec ?? this.homeActs.record(sessionId) ?? (await this.opts.store.getTeleconsultation(sessionId));
    this.audit({
      actor: by.id,
      actorRole: by.role,
      action: 'guest-removed',
      sessionId,
      ...(act ? { gatewayId: act.gatewayId, patientId: act.patientId } : {}),
      detail: `${name} (link ${linkId.slice(0, 12)}…; ${connected.length} connection(s) closed)`.slice(0, 512),
    });
    return connected.length;
  }

  // ── home acts on several instances (docs/teleconsultation.md, « Several cloud instances ») ──

  /**
   * Takes a home act's lease as its patient enters the waiting room here. One instance (SQLite): a
   * lease held by another id is a former run's (not lapsed yet after a crash), taken over at once. A
   * store that fails is not a reason to leave the patient unfollowed: the act is followed here.
   */
  private async claimHome(sessionId: string): Promise<boolean> {
    try {
      return await (this.single ? this.leases.handOver(sessionId) : this.leases.take(sessionId));
    } catch (e) {
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e, sessionId }, 'teleconsult: a home act’s lease could not be taken; this instance follows it');
      return true;
    }
  }

  /** A home act taken back from the store (restart, take-over, hand-over): its timers rebuilt, audited, its presence read. */
  private restoreHome(rec: TeleconsultationRecord, how: 'restart' | 'take-over' | 'hand-over'): void {
    if (this.homeActs.has(rec.sessionId) || this.stopped) return;
    this.remoteHome.delete(rec.sessionId);
    this.homeActs.restore(rec);
    const from = how === 'restart' ? 'the restart' : how === 'take-over' ? 'its instance’s lease lapsed' : 'the hand-over';
    this.audit({
      actor: 'cloud',
      actorRole: 'system',
      action: how === 'hand-over' ? how : 'restart',
      sessionId: rec.sessionId,
      gatewayId: rec.gatewayId,
      patientId: rec.patientId,
      detail: `home act restored ${rec.status} after ${from}; its participants are placed again here`,
    });
    this.homeActs.presenceChanged(rec.sessionId);
  }

  /** Another instance took this home act (a hand-over, or this one was cut off too long): its sockets here are placed again there. */
  private letGoHome(sessionId: string): void {
    this.homeActs.letGo(sessionId);
    this.closeStandIns(this.remotePages.dropAct(sessionId));
    this.opts.logger.info({ sessionId }, 'teleconsult: home act taken over by another instance');
  }

  /** Whether `s` is the specialist a home act waits for: its joined one, else its named one, else any who may see its kit. */
  private isHomeSpecialist(rec: HomeRec, s: Specialist): boolean {
    const who = rec.status === 'in-progress' ? rec.specialistId : rec.requestedSpecialistId;
    return who !== null ? s.id === who : this.opts.directory.maySee(s.id, rec.gatewayId);
  }

  /** Whether a page here (not one stood for) is the one a home act waits for. */
  private pageFor(rec: HomeRec): boolean {
    return [...this.peers].some((p) => this.isHomeSpecialist(rec, p.specialist));
  }

  /** The pages here a home act waits for, as announced to its owner. */
  private pagesOf(rec: HomeRec): AnnouncedPage[] {
    return [...this.peers]
      .filter((p) => this.isHomeSpecialist(rec, p.specialist))
      .map((p) => ({ id: this.pageIds.get(p) ?? '', specialist: p.specialist.id }))
      .filter((p) => p.id !== '');
  }

  /** The pages here and those stood for (pages of other instances). */
  private allPages(): (RelayPeer | StandIn)[] {
    return [...this.peers, ...this.remotePages.peers()];
  }

  /**
   * The home acts other instances hold whose specialist has a page here: asked for (homeWanted on
   * their owner), with those pages (the owner stands for them if it keeps the act).
   */
  private wantHomeActs(): void {
    if (this.single || this.stopped) return;
    for (const [sid, { owner, rec }] of this.remoteHome) {
      const pages = this.pagesOf(rec);
      if (pages.length > 0) {
        this.relayed.want(owner, sid, pages);
        this.announced.set(sid, owner);
      }
    }
    this.announcePages();
  }

  /** The owners told which pages here are still for their home acts (one closed, an act gone from the list). */
  private announcePages(): void {
    if (this.single) return;
    for (const [sid, owner] of [...this.announced]) {
      const shown = this.remoteHome.get(sid);
      const pages = shown && shown.owner === owner && !this.homeActs.has(sid) ? this.pagesOf(shown.rec) : [];
      if (pages.length === 0) {
        this.announced.delete(sid);
        this.relayed.pagesNow(owner, sid, []);
      } else this.relayed.pagesNow(owner, sid, pages);
    }
  }

  /** A page's message about a home act another instance holds and stands this page for: sent there. */
  private toRemoteOwner(peer: RelayPeer, sessionId: string, data: string): boolean {
    const owner = this.announced.get(sessionId);
    const pageId = this.pageIds.get(peer);
    if (owner === undefined || pageId === undefined || this.homeActs.has(sessionId)) return false;
    this.relayed.fromPage(owner, pageId, peer.specialist.id, sessionId, data);
    return true;
  }

  /**
   * Owner side: instance `from` says which of its pages are for this home act now; each of the act's
   * specialist is stood for here (the participants' list, the conversation), the others no longer.
   */
  private remotePagesNow(sessionId: string, from: string, pages: readonly AnnouncedPage[]): void {
    // Being handed over: the asking instance's pages will have the act itself (if the lease is not given, its next `want` says them again).
    if (this.handingOver.has(sessionId)) return;
    const rec = this.homeActs.record(sessionId);
    const valid: { id: string; specialist: Specialist }[] = [];
    if (rec)
      for (const p of pages) {
        const s = this.opts.directory.get(p.specialist);
        if (s && this.isHomeSpecialist(rec, s)) valid.push({ id: p.id, specialist: s });
      }
    const change = this.remotePages.sync(from, sessionId, valid);
    this.closeStandIns(change.closed);
    for (const { peer, sessionId: sid } of change.added) {
      for (const v of this.participants.viewsFor(peer.specialist)) if (v.sessionId === sid) peer.send({ type: 'participants', ...v });
      // Its admitted patient talking with no page: this one takes the conversation (as a page opening here).
      if (this.homeActs.joined(sid)?.id === peer.specialist.id) this.takeBackPatients(peer, sid);
    }
    if (change.added.length > 0) this.homeActs.presenceChanged(sessionId);
  }

  /** Owner side: a message of a page stood for here, handled as from a page of this instance; why refused, or null. */
  private fromRemotePage(from: string, pageId: string, specialist: string, sessionId: string, data: string): string | null {
    const peer = this.remotePages.find(from, pageId, sessionId);
    if (!peer || peer.specialist.id !== specialist) return 'a message of a page not stood for here';
    let about: unknown;
    try {
      about = (JSON.parse(data) as { sessionId?: unknown }).sessionId;
    } catch {
      return 'a page message that is not JSON';
    }
    if (about !== sessionId) return 'a page message about another act';
    this.fromPage(peer, data);
    return null;
  }

  /**
   * Owner side: instance `from` says its page `pageId`, stood for here, is gone (a message sent to it found none: its
   * `pages` update still on the way, or lost with the channel). No longer stood for, as if its instance had said so;
   * a participant's signal that went to it is answered as with no page (participant-signaling.ts `undelivered`).
   */
  private remotePageGone(from: string, pageId: string, message: { type: string } | undefined): string | null {
    const peer = this.remotePages.pageGone(from, pageId);
    if (peer) this.closeStandIns([peer]);
    if (!message) return null;
    const sessionId = (message as Record<string, unknown>).sessionId;
    if (typeof sessionId !== 'string' || !this.remotePages.wasStoodFor(from, pageId, sessionId))
      return 'a signal sent to a page not stood for here';
    return this.participantSignals.undelivered(message);
  }

  /** Pages stood for here that are gone (their instance said so, went silent, or the act left): as a page closing here. */
  private closeStandIns(gone: readonly StandIn[]): void {
    for (const peer of gone) {
      this.participantSignals.pageClosed(peer);
      this.unit.pageClosed(peer);
    }
    if (gone.length > 0) this.homeActs.presenceChangedAll();
  }

  /**
   * Another instance has a page of this home act's specialist: with none here, the act's lease goes
   * there (from the lease as read), the act is let go here, the sockets placed here are closed (1012)
   * to be placed again with the new owner, and it is told to take the act at once. With a page here
   * too, the act stays (no ping-pong between two pages of one specialist).
   */
  private async homeWanted(sessionId: string, from: string, pages: readonly AnnouncedPage[]): Promise<string | null> {
    const rec = this.homeActs.record(sessionId);
    if (!rec) return 'a home act not followed here asked for';
    if (this.pageFor(rec)) {
      // Kept here: the asking instance's pages of the act's specialist are stood for (remote-pages.ts).
      this.remotePagesNow(sessionId, from, pages);
      return null;
    }
    // Asked again while it is being handed over (the asking instance's next tick): the first asking decides.
    if (this.handingOver.has(sessionId)) return null;
    this.handingOver.add(sessionId);
    try {
      // The act's last changes in the store before the other instance reads it.
      await this.writes;
      if (!this.homeActs.has(sessionId) || !(await this.leases.give(sessionId, from))) return 'a home act asked for is no longer held here';
    } finally {
      this.handingOver.delete(sessionId);
    }
    this.homeActs.letGo(sessionId);
    this.closeStandIns(this.remotePages.dropAct(sessionId));
    this.opts.logger.info({ sessionId, to: from }, 'teleconsult: home act handed over to the instance with its specialist’s page');
    this.relayed.actMoved(sessionId, from);
    this.relayed.give(from, sessionId);
    return null;
  }

  /**
   * Another instance took this home act and its patient is waiting there: with a page of its specialist
   * here, the act is asked for at once (not at the next lease tick), so the patient is listed on it.
   */
  private async homeWaitingElsewhere(sessionId: string, owner: string): Promise<void> {
    if (this.single || this.stopped || this.homeActs.has(sessionId)) return;
    const rec = await this.opts.store.getTeleconsultation(sessionId);
    if (!rec || (rec.status !== 'waiting' && rec.status !== 'in-progress')) return;
    this.remoteHome.set(sessionId, { owner, rec });
    const pages = this.pagesOf(rec);
    if (pages.length > 0) {
      this.relayed.want(owner, sessionId, pages);
      this.announced.set(sessionId, owner);
    }
  }

  /** A former owner says it handed this home act here: taken from the store at once if its lease is this instance's. */
  private async homeGiven(sessionId: string, from: string): Promise<string | null> {
    if (this.homeActs.has(sessionId)) return null;
    if ((await this.leases.holder(sessionId)) !== this.leases.instanceId) return 'a home act given but whose lease is not held here';
    const rec = await this.opts.store.getTeleconsultation(sessionId);
    if (!rec || (rec.status !== 'waiting' && rec.status !== 'in-progress')) return 'a home act given that is not open';
    if ((await this.opts.store.appointmentOfSession(sessionId))?.id !== sessionId) return 'a home act given that is not a home act';
    this.homeIds.add(sessionId);
    this.opts.logger.info({ sessionId, from }, 'teleconsult: home act handed over here');
    this.restoreHome(rec, 'hand-over');
    // Its sockets here relayed to the former owner are placed again now, not at the next tick.
    this.relayed.actMoved(sessionId, this.leases.instanceId);
    return null;
  }

  /**
   * A participant's socket opened on this instance (GET /join/:token/ws, /guest/:token/ws): they wait
   * in their act's room here, or in the room of the instance that holds the act (participant-relay.ts).
   */
  host(arrival: HostedArrival, socket: ParticipantSocket): HostedParticipant {
    return this.relayed.host(arrival, socket);
  }

  /** Participants relayed: sockets here for acts held elsewhere (out), and here for sockets elsewhere (in). */
  relayedCounts(): { out: number; in: number } {
    return this.relayed.counts();
  }

  /** Why a participant relayed from another instance is not taken here (null: taken). */
  private refusesRelayed(a: HostedArrival): string | null {
    const home = this.homeActs.record(a.sessionId);
    if (home) {
      // A home act held here: its patient (the identity checked where the socket is) or, once it is in progress, its guests.
      if (home.gatewayId !== a.gatewayId || home.patientId !== a.patientId) return 'not this act’s cart or patient';
      if (a.role === 'guest' && home.status !== 'in-progress') return `the act is ${home.status}`;
      return null;
    }
    const l = this.live.get(a.sessionId);
    if (!l) return 'the act is not held here';
    if (a.role !== 'guest') return 'only guests of a cart’s act are relayed';
    if (l.rec.gatewayId !== a.gatewayId || l.rec.patientId !== a.patientId) return 'not this act’s cart or patient';
    if (l.rec.status !== 'in-progress') return `the act is ${l.rec.status}`;
    return null;
  }

  /** A text frame from a participant's socket (GET /join/:token/ws, /guest/:token/ws); `reply` answers that socket. */
  fromParticipant(participantId: string, data: string, reply: (message: { type: 'error'; message: string }) => void): void {
    try {
      this.participantSignals.fromParticipant(participantId, data, reply);
    } catch (e) {
      this.opts.logger.error({ err: e, participantId }, 'teleconsult: unexpected error on a participant message');
    }
  }

  /**
   * A home patient's socket opened: the act goes to the waiting room; a patient back in an act
   * they were admitted to (in progress) is let in again at once, and talks with their specialist's
   * page if one is open (and joins the act's room again when guests are in).
   */
  private participantArrived(e: ParticipantEntry): void {
    if (e.role === 'guest' && e.state === 'admitted') {
      // Let in before (participants.ts admittedBefore): into the act's room again, rebuilt if need be.
      void this.unit.rejoined(e);
      return;
    }
    if (e.role !== 'patient') return;
    void this.homeActs.patientArrived(e.sessionId).then(async () => {
      if (!this.single && this.homeActs.has(e.sessionId)) {
        // The act's row written before the others read it: an instance with its specialist's page asks for it now.
        await this.writes;
        this.relayed.homeWaiting(e.sessionId);
      }
      const by = this.homeActs.joined(e.sessionId);
      if (!by || !this.participants.find(e.id)) return;
      this.participants.readmit(e.id, by.name);
      const page = this.allPages()
        .reverse()
        .find((p) => p.specialist.id === by.id);
      if (page) this.participantSignals.admitted(page, e.sessionId, e.id);
      // Guests in: back into the act's room too, a page of the specialist's open or not (unit-signaling.ts).
      this.unit.patientAdmitted(e.sessionId, e.id);
    });
  }

  /**
   * A page of the specialist who admitted a home patient opened (a reload, a second login after the
   * first socket closed): it takes the conversation back, and the patient's page offers it `ready` again
   * (or the `ready` they said while no page talked with them is given to it: participant-signaling.ts).
   */
  private takeBackHomeActs(peer: RelayPeer): void {
    this.homeActs.presenceChangedAll();
    for (const v of this.participants.viewsFor(peer.specialist)) {
      if (this.homeActs.joined(v.sessionId)?.id === peer.specialist.id) this.takeBackPatients(peer, v.sessionId);
    }
  }

  /** The act's admitted patients no page talks with go to this page of their specialist (participant-signaling.ts `takeBack`). */
  private takeBackPatients(page: SignalingPage, sessionId: string): void {
    for (const e of this.participants.of(sessionId)) {
      if (e.role !== 'patient' || e.state !== 'admitted' || this.participantSignals.hasPage(e.id)) continue;
      this.participantSignals.takeBack(page, sessionId, e.id);
    }
  }

  private startDown(l: Live, who: Specialist, media: MediaWanted | undefined): RtcDownMsg {
    const { config } = this.opts;
    const iceServers = this.iceServers(l, 'cart');
    return {
      v: 1,
      type: 'start',
      sessionId: l.rec.sessionId,
      specialist: { id: who.id, name: who.name },
      patientId: l.rec.patientId,
      ...(iceServers.length ? { iceServers } : {}),
      media: media ?? { video: true, audio: true, ecg: true },
      ...(config.maxBitrateKbps ? { maxBitrateKbps: config.maxBitrateKbps } : {}),
    };
  }

  private linkState(l: Live): { status: TeleconsultStatus; link: SpecialistLink; specialistId: string | null } {
    return { status: l.rec.status, link: l.link, specialistId: l.rec.specialistId };
  }

  // ── transitions ──

  /** Ends an in-progress act: finalised if the media ever came up, else not done. */
  private end(l: Live, outcome: string, o: { hangupGateway: boolean; reason?: string; endedAt?: Date }): void {
    if (l.rec.status !== 'in-progress') return;
    if (o.hangupGateway)
      this.toGateway(l.rec.gatewayId, { v: 1, type: 'hangup', sessionId: l.rec.sessionId, reason: (o.reason ?? outcome).slice(0, 200) });
    const actor =
      outcome === 'hangup-specialist'
        ? { actor: l.rec.specialistId ?? '?', actorRole: this.roleOf(l.rec.specialistId) }
        : outcome === 'hangup-nurse' || outcome === 'closed-by-cart'
          ? { actor: l.rec.gatewayId, actorRole: 'gateway' as const }
          : { actor: 'cloud', actorRole: 'system' as const };
    this.move(l, endStatus(l.rec.connectedAt !== null), outcome, { ...actor, action: 'end' }, o.endedAt);
  }

  private move(
    l: Live,
    to: TeleconsultStatus,
    outcome: string | null,
    by: Pick<AuditEventInput, 'actor' | 'actorRole' | 'action'>,
    endedAt?: Date,
  ): void {
    const t = transition(l.rec.status, to);
    if (!t.ok) {
      this.opts.logger.warn({ sessionId: l.rec.sessionId, err: t.error }, 'teleconsult: transition refused');
      return;
    }
    const at = endedAt ?? this.now();
    const final = isFinal(to);
    const durationMs = final && l.rec.connectedAt !== null ? at.getTime() - Date.parse(l.rec.connectedAt) : null;
    l.rec = {
      ...l.rec,
      status: to,
      outcome: outcome ?? l.rec.outcome,
      updatedAt: this.now().toISOString(),
      ...(final ? { endedAt: at.toISOString(), durationMs } : {}),
    };
    const rec = { ...l.rec };
    this.write(() => this.opts.store.upsertTeleconsultation(rec));
    this.persistRelayState(l);
    this.opts.onActChange?.(rec.gatewayId);
    this.audit({ ...by, ...this.about(l), detail: outcome === null ? `→ ${to}` : `→ ${to} (${outcome})` });
    this.toGateway(l.rec.gatewayId, this.sessionDown(l));
    l.peer?.send({ type: 'session', session: this.view(l, l.peer.specialist), outcome: l.rec.outcome });
    if (final) {
      clearTimeout(l.timer);
      this.live.delete(l.rec.sessionId);
      const sid = l.rec.sessionId;
      // Its guests are told it is over, and its room on the forwarding unit closes.
      this.participants.endAct(sid, to);
      void this.unit.actEnded(sid, to);
      this.write(() => this.leases.release([sid]));
    }
    this.broadcastRoom();
  }

  private arm(l: Live, ms: number, fire: () => void): void {
    clearTimeout(l.timer);
    l.timer = setTimeout(fire, ms);
    l.timer.unref();
  }

  /** The relay's state of the act, next to its row (in write order, so after the row's insert). */
  private persistRelayState(l: Live): void {
    const { sessionId, status } = l.rec;
    const iso = (d: Date | undefined) => d?.toISOString() ?? null;
    const state: RelayState | null =
      status === 'waiting'
        ? { link: null, lostAt: null, rejoinUntil: null, waitingUntil: iso(l.waitingUntil) }
        : status === 'in-progress'
          ? { link: l.link, lostAt: iso(l.lostAt), rejoinUntil: iso(l.rejoinUntil), waitingUntil: null }
          : null;
    this.write(() => this.opts.store.setRelayState(sessionId, state));
  }

  /**
   * Open acts no instance holds (left by a previous run: crash, planned stop, failover; or by an
   * instance whose lease lapsed) are taken back from the store: a waiting act returns to the waiting
   * rooms for the rest of its wait; an act in progress waits `reconnecting` for its specialist, whose
   * page lost its socket, for rejoinGraceSeconds from now (grace 0: it ends, as before). Acts another
   * instance holds are shown in the waiting rooms. Scheduled acts (appointments) wait for their call
   * and are not the relay's.
   */
  private async scan(how: 'restart' | 'take-over'): Promise<void> {
    const { store } = this.opts;
    const open = await store.listTeleconsultations({ status: ['waiting', 'in-progress'], limit: 1000 });
    // Which open rows are home acts (no cart's call took the appointment's id: their participants move
    // them, not the relay), each looked up once and before the leases are read, so that the loop below
    // decides on leases as fresh as before (a lookup between reading them and taking one let a page's
    // hand-over slip in between).
    if (this.cartIds.size > 10_000) this.cartIds.clear();
    for (const rec of open) {
      const sid = rec.sessionId;
      if (this.live.has(sid) || this.calling.has(sid) || this.homeIds.has(sid) || this.cartIds.has(sid)) continue;
      if ((await store.appointmentOfSession(sid))?.id === sid) this.homeIds.add(sid);
      else this.cartIds.add(sid);
    }
    const states = await store.openRelayStates();
    const leases = await this.leases.list();
    const held = new Map(leases.map((l) => [l.sessionId, l]));
    const remote = new Map<string, Live>();
    const remoteHome = new Map<string, { owner: string; rec: TeleconsultationRecord }>();
    for (const rec of open) {
      const sid = rec.sessionId;
      if (this.homeIds.has(sid)) {
        // A home act: one owner too (its participants move it, home-acts.ts), taken back as a cart's act is.
        if (this.homeActs.has(sid) || this.stopped) continue;
        const lease = held.get(sid);
        if (lease !== undefined && !lease.mine && !lease.lapsed && !(how === 'restart' && this.single)) {
          remoteHome.set(sid, { owner: lease.owner, rec });
          continue;
        }
        // One instance (SQLite) at its start: a lease not lapsed is its former run's, taken at once as before.
        // A lease of this instance, not lapsed, of an act not followed here: handed here, its `given` not handled yet
        // (this look came first): a hand-over, audited as such.
        const given = how === 'take-over' && lease !== undefined && lease.mine && !lease.lapsed;
        if (await (how === 'restart' && this.single ? this.leases.handOver(sid) : this.leases.take(sid)))
          this.restoreHome(rec, given ? 'hand-over' : how);
        else {
          const now = await this.leases.holder(sid);
          if (now !== null && now !== this.leases.instanceId) remoteHome.set(sid, { owner: now, rec });
        }
        continue;
      }
      if (this.live.has(sid) || this.calling.has(sid) || this.stopped) continue;
      const lease = held.get(sid);
      const elsewhere = lease !== undefined && !lease.mine && !lease.lapsed;
      if (elsewhere || !(await this.leases.take(sid))) {
        remote.set(sid, this.remoteView(rec, states.get(sid)));
        continue;
      }
      this.restoreOne(rec, states.get(sid), how);
    }
    this.foreign = new Set([...leases.filter((l) => !l.mine).map((l) => l.sessionId), ...remote.keys()]);
    this.remoteHome = remoteHome;
    const before = JSON.stringify([...this.remote.values()].map((l) => [l.rec.sessionId, l.rec.status, l.link, l.rec.specialistId]));
    this.remote = remote;
    const after = JSON.stringify([...remote.values()].map((l) => [l.rec.sessionId, l.rec.status, l.link, l.rec.specialistId]));
    if (before !== after) this.broadcastRoom();
  }

  /** Another instance's act, as the waiting rooms show it (the patient looked up once). */
  private remoteView(rec: TeleconsultationRecord, saved: RelayState | undefined): Live {
    const known = this.remote.get(rec.sessionId);
    const l: Live = {
      rec,
      patient: known?.patient ?? { id: rec.patientId, ins: null, family: null, given: null, birthDate: null },
      ...NEW_LINK,
      link: saved?.link ?? 'present',
    };
    if (!known) this.lookUpPatient(l);
    return l;
  }

  /** Renews this instance's leases, lets go of acts taken over elsewhere, takes back those whose holder is gone. */
  private tickLeases(): Promise<void> {
    this.leaseTick ??= (async () => {
      try {
        if (this.stopped) return;
        for (const sid of await this.leases.renew([...this.live.keys(), ...this.homeActs.ids()]))
          if (this.homeActs.has(sid)) this.letGoHome(sid);
          else this.letGo(sid);
        await this.scan('take-over');
        this.wantHomeActs();
        // Pages stood for whose instance stopped announcing them (it was killed, or lost its channel).
        this.closeStandIns(this.remotePages.expire(3 * this.leases.everyMs));
        if (this.relayed.busy()) this.relayed.tick(await this.leases.list(), this.leases.everyMs);
      } catch (e) {
        this.counters.storeErrors++;
        this.once.warn(
          'cloud',
          'lease',
          { topic: 'store', error: (e as Error).message },
          'teleconsult: the acts’ leases could not be renewed',
        );
      } finally {
        this.leaseTick = undefined;
      }
    })();
    return this.leaseTick;
  }

  /** Another instance took the act over (a hand-over, or this one was cut off too long): it is theirs now. */
  private letGo(sessionId: string): void {
    const l = this.live.get(sessionId);
    if (!l) return;
    clearTimeout(l.timer);
    this.live.delete(sessionId);
    this.foreign.add(sessionId);
    l.peer?.send({ type: 'error', sessionId, message: `session ${sessionId} is handled by another cloud instance now` });
    this.opts.logger.info({ sessionId }, 'teleconsult: act taken over by another instance');
    this.broadcastRoom();
  }

  /**
   * A page here joins an act another instance holds: the lease moves here (from the lease as read,
   * so a join on the holder at the same moment wins there), the act is taken back from the store as
   * at a restart, and joined. The former holder lets it go at its next renewal.
   */
  private async joinElsewhere(peer: RelayPeer, shown: Live, media: MediaWanted | undefined): Promise<void> {
    const sid = shown.rec.sessionId;
    const joinable =
      shown.rec.status === 'waiting' || linkStep(this.linkState(shown), { type: 'rejoin', specialistId: peer.specialist.id }).ok;
    if (!joinable) {
      this.join(peer, shown, media); // refused, as on the holder
      return;
    }
    const { store } = this.opts;
    const moved = await this.leases.handOver(sid);
    const rec = moved ? await store.getTeleconsultation(sid) : null;
    if (!rec || (rec.status !== 'waiting' && rec.status !== 'in-progress') || this.stopped) {
      if (moved) this.write(() => this.leases.release([sid]));
      this.wsMalformed(peer, 'bad-state', `session ${sid} could not be taken from the instance that holds it; try again`, sid);
      return;
    }
    this.remote.delete(sid);
    this.foreign.delete(sid);
    await this.writes;
    const l = this.restoreOne(rec, (await store.openRelayStates()).get(sid), 'hand-over');
    if (l) this.join(peer, l, media);
  }

  /** One open act taken back from the store (see scan); undefined when it ended on the way (grace 0). */
  private restoreOne(
    rec: TeleconsultationRecord,
    saved: RelayState | undefined,
    how: 'restart' | 'take-over' | 'hand-over',
  ): Live | undefined {
    const { config } = this.opts;
    const now = this.now();
    const l: Live = { rec, patient: { id: rec.patientId, ins: null, family: null, given: null, birthDate: null }, ...NEW_LINK };
    l.untold = true;
    this.live.set(rec.sessionId, l);
    // A take-over (its instance's lease lapsed) is a restart for the act; a hand-over is said as such.
    const restart = { actor: 'cloud', actorRole: 'system', action: how === 'hand-over' ? how : 'restart', ...this.about(l) } as const;
    const from = how === 'restart' ? 'the restart' : how === 'take-over' ? 'its instance’s lease lapsed' : 'the hand-over';
    if (rec.status === 'waiting') {
      // A row from before the state was kept: the wait counts from the call.
      const until = saved?.waitingUntil
        ? new Date(saved.waitingUntil)
        : new Date(Date.parse(rec.createdAt) + config.waitingTimeoutMinutes * 60_000);
      const left = Math.max(0, Math.round((until.getTime() - now.getTime()) / 1000));
      this.audit({ ...restart, detail: `restored waiting, ${left} s left to join` });
      this.armWaiting(l, until);
      this.toGateway(rec.gatewayId, this.sessionDown(l));
      this.lookUpPatient(l);
      return l;
    }
    const graceSeconds = config.rejoinGraceSeconds;
    if (graceSeconds <= 0) {
      this.end(l, 'interrupted-cloud-restart', { hangupGateway: true });
      return undefined;
    }
    // The page's socket went with the old process: the specialist is away since then (or since
    // they left, if they were already away), and may rejoin from a page opened on this one.
    const lostAt = saved?.link === 'reconnecting' && saved.lostAt ? new Date(saved.lostAt) : now;
    l.link = 'reconnecting';
    l.lostAt = lostAt;
    l.rejoinUntil = new Date(now.getTime() + graceSeconds * 1000);
    this.audit({
      ...restart,
      detail: `restored in progress (specialist ${saved?.link ?? 'unknown'} before ${from}); the act waits ${graceSeconds} s for a rejoin`,
    });
    this.linkChanged(l);
    this.arm(l, graceSeconds * 1000, () => this.graceExpired(l));
    this.lookUpPatient(l);
    return l;
  }

  // ── helpers ──

  private about(l: Live): Pick<AuditEventInput, 'sessionId' | 'gatewayId' | 'patientId'> {
    return { sessionId: l.rec.sessionId, gatewayId: l.rec.gatewayId, patientId: l.rec.patientId };
  }

  private sessionDown(l: Live): RtcDownMsg {
    return {
      v: 1,
      type: 'session',
      sessionId: l.rec.sessionId,
      status: l.rec.status,
      patientId: l.rec.patientId,
      ...(l.rec.specialistId && l.rec.specialistName ? { specialist: { id: l.rec.specialistId, name: l.rec.specialistName } } : {}),
      ...(l.rec.status === 'in-progress' ? { specialistLink: l.link } : {}),
    };
  }

  private toGateway(gatewayId: string, msg: RtcDownMsg): void {
    const v = checkDown.validate(msg);
    if (!v.ok) {
      // Our own bug: say it, send nothing the gateway would have to reject.
      this.opts.logger.error(
        { gatewayId, type: msg.type, err: formatIssues(v.issues) },
        'teleconsult: refusing to send an invalid RtcDown',
      );
      return;
    }
    this.counters.toGateways++;
    this.client.publish(topics.rtcDown(gatewayId), JSON.stringify(msg), { qos: 1 }, (err) => {
      if (err) this.opts.logger.warn({ err, gatewayId, type: msg.type }, 'teleconsult: could not publish to the cart');
    });
  }

  private view(l: Live, viewer: Specialist): SessionView {
    return {
      sessionId: l.rec.sessionId,
      gatewayId: l.rec.gatewayId,
      patient: { ...l.patient },
      reason: l.rec.reason,
      consent: l.rec.consent && { ...l.rec.consent, representative: l.rec.consent.representative && { ...l.rec.consent.representative } },
      status: l.rec.status,
      createdAt: l.rec.createdAt,
      specialist: l.rec.specialistId && l.rec.specialistName ? { id: l.rec.specialistId, name: l.rec.specialistName } : null,
      forYou: l.rec.requestedSpecialistId === viewer.id || (l.specialty != null && l.specialty === viewer.specialty),
      specialistLink: l.rec.status === 'in-progress' ? l.link : null,
      rejoin: l.rec.status === 'in-progress' && linkStep(this.linkState(l), { type: 'rejoin', specialistId: viewer.id }).ok,
    };
  }

  private roomFor(s: Specialist): SessionView[] {
    return [...this.live.values(), ...this.remote.values()]
      .filter((l) => this.opts.directory.maySee(s.id, l.rec.gatewayId))
      .sort((a, b) => (a.rec.createdAt < b.rec.createdAt ? -1 : 1))
      .map((l) => this.view(l, s));
  }

  private broadcastRoom(): void {
    for (const p of this.peers) p.send({ type: 'waiting-room', sessions: this.roomFor(p.specialist) });
  }

  /** Adds an event to the audit trail, in order with the relay's own (logins, logouts, refusals from the HTTP side). */
  recordAudit(e: Omit<AuditEventInput, 'at'>): void {
    this.audit(e);
  }

  private audit(e: Omit<AuditEventInput, 'at'>, at = this.now()): void {
    const event = { at: at.toISOString(), ...e };
    this.write(() => this.opts.store.appendAudit(event));
  }

  /** As write(), and resolves once this op is written (true) or failed (false, logged and counted the same). */
  private durable(op: () => Promise<unknown>): Promise<boolean> {
    return new Promise((resolve) =>
      this.write(async () => {
        try {
          await op();
          resolve(true);
        } catch (e) {
          resolve(false);
          throw e;
        }
      }),
    );
  }

  /** Store writes in order, one after the other; a failure is logged and counted, the relay goes on. */
  private write(op: () => Promise<void>): void {
    this.writes = this.writes.then(op).catch((e: unknown) => {
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e }, 'teleconsult: store write failed');
    });
  }
}

/** The audit line of a consent: who, how, when (the representative named, as the record has it). */
export function consentDetail(c: ConsentRecord): string {
  const who = c.representative ? `representative ${c.representative.name} (${c.representative.relation})` : 'patient';
  return `${c.method} consent by ${who}, collected ${c.collectedAt}${c.collectedBy ? ` by ${c.collectedBy}` : ''}`.slice(0, 300);
}
