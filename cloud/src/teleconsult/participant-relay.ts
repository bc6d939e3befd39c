/**
 * A participant's socket on one cloud instance, their act held by another (docs/teleconsultation.md,
 * « Several cloud instances », « A participant on another instance »). The balancer sends a guest's
 * WebSocket to any instance; the act's participants, its forwarding-unit room and its specialist's
 * page live on the instance that holds the act's lease (the owner). The instance serving the socket
 * asks the store who holds the act: itself, or nobody yet → the participant is hosted here as
 * before (ParticipantRoom); another instance → their arrival, frames and leaving are sent to the
 * owner over the instances' channel (PostgreSQL LISTEN/NOTIFY, store/instance-channel.ts), and
 * what the owner tells them comes back the same way. The owner keeps one ParticipantRoom whichever
 * instance holds the socket. Only signaling goes this way: the media go straight between the
 * participant's browser and the owner's forwarding unit.
 *
 * The owner changing (a hand-over, a lease taken over after a crash): at each lease tick, a socket
 * whose act is now held by another instance than the one it was placed with is closed (1012); the
 * page reconnects (its backoff) and is placed again, with the new owner (a guest let in before is let
 * in again at once: act_links.admitted_at). The serving instance says which of its participants are
 * still there at each tick; the owner drops those not heard of for three ticks (the serving
 * instance was killed with their sockets).
 *
 * Home acts (a home patient, a home act's guests) go the same way. A home act's owner is where its
 * specialist's page is: an instance with such a page asks the owner for the act (`want`); an owner
 * with none hands the lease over and says so (`given`), and the new owner takes it from the store.
 *
 * Everything received is checked (TypeBox) as at any trust boundary: a malformed text, an arrival
 * for an act not held here, a frame of an unknown participant is refused with a log line and changes
 * nothing. Without a channel (SQLite: one instance) every participant is hosted in process, at once.
 */
import { randomUUID } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { compile, formatIssues } from '@telecart/protocol';
import type { Logger } from 'pino';
import type { InstanceChannel } from '../store/instance-channel.js';
import { MAX_PARTICIPANT_FRAME } from './participant-signaling.js';
import type { Arrival, ParticipantRoom, ToParticipant } from './participants.js';

/** What the route knows of a participant whose socket opened (Arrival without its transport). */
export type HostedArrival = Omit<Arrival, 'send' | 'close'>;

/** A participant's open socket, as the route gives it. */
export interface ParticipantSocket {
  send(message: ToParticipant): void;
  close(code: number, reason: string): void;
}

export interface HostedParticipant {
  /** A text frame from the socket. */
  receive(data: string): void;
  /** The socket closed. */
  leave(): void;
}

/** The close code of a socket whose act moved to another instance: the page connects again. */
export const MOVED_CODE = 1012;
/** The close code of a socket the owner did not take (the act moved meanwhile): the page tries again. */
export const TRY_AGAIN_CODE = 1013;

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Text = (maxLength: number) => Type.String({ maxLength });
const WireArrival = Type.Object(
  {
    sessionId: Type.String({ minLength: 1, maxLength: 64 }),
    gatewayId: Type.String({ minLength: 1, maxLength: 128 }),
    patientId: Type.String({ minLength: 1, maxLength: 128 }),
    role: Type.Union([Type.Literal('patient'), Type.Literal('guest')]),
    name: Text(200),
    specialistId: Type.Union([Text(128), Type.Null()]),
    from: Text(100),
    linkId: Type.Optional(Text(128)),
    admittedBefore: Type.Optional(Type.Object({ by: Text(200), at: Text(40) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
const head = { v: Type.Literal(1), from: Id };
/** A page's frame at most (the relay's MAX_SIGNALING_BYTES). */
const MAX_PAGE_FRAME = 128 * 1024;
/** Pages of one instance for one act: their ids (random per page) and their specialist. */
const Pages = Type.Array(Type.Object({ id: Id, specialist: Text(128) }, { additionalProperties: false }), { maxItems: 100 });
/** A page of a home act's specialist on this instance, as announced to the act's owner. */
export type AnnouncedPage = { id: string; specialist: string };
/** What the instances say to each other about relayed participants. */
export const RelayedMessage = Type.Union([
  // serving instance → owner
  Type.Object({ ...head, kind: Type.Literal('arrive'), pid: Id, arrival: WireArrival }, { additionalProperties: false }),
  Type.Object({ ...head, kind: Type.Literal('frame'), pid: Id, data: Text(MAX_PARTICIPANT_FRAME + 1) }, { additionalProperties: false }),
  Type.Object({ ...head, kind: Type.Literal('leave'), pid: Id }, { additionalProperties: false }),
  Type.Object({ ...head, kind: Type.Literal('alive'), pids: Type.Array(Id, { maxItems: 10_000 }) }, { additionalProperties: false }),
  Type.Object(
    {
      ...head,
      kind: Type.Literal('remove'),
      sessionId: Type.String({ minLength: 1, maxLength: 64 }),
      linkId: Text(128),
      by: Text(128),
      name: Type.Optional(Text(200)),
    },
    { additionalProperties: false },
  ),
  // the instance of a page the owner stands for → the owner: a `page-to` found no such page here (it closed before the
  // owner heard so); `message`: the one it carried when it was a participant's signal, for the owner to answer its sender
  Type.Object(
    {
      ...head,
      kind: Type.Literal('page-gone'),
      pageId: Id,
      message: Type.Optional(Type.Object({ type: Type.String({ minLength: 1, maxLength: 40 }) })),
    },
    { additionalProperties: false },
  ),
  // an instance with a page of a home act's specialist → the act's owner: « give it to me if no page of theirs is with you »;
  // `pages`: those pages, stood for by the owner while it keeps the act (remote-pages.ts)
  Type.Object(
    { ...head, kind: Type.Literal('want'), sessionId: Type.String({ minLength: 1, maxLength: 64 }), pages: Type.Optional(Pages) },
    { additionalProperties: false },
  ),
  // the same instance → the owner: its pages for the act now (one closed), never a request for the act
  Type.Object(
    { ...head, kind: Type.Literal('pages'), sessionId: Type.String({ minLength: 1, maxLength: 64 }), pages: Pages },
    { additionalProperties: false },
  ),
  // a page stood for by the owner → the owner: a message of that page about the act (handled as from a page there)
  Type.Object(
    {
      ...head,
      kind: Type.Literal('page-from'),
      pageId: Id,
      specialist: Text(128),
      sessionId: Type.String({ minLength: 1, maxLength: 64 }),
      data: Text(MAX_PAGE_FRAME),
    },
    { additionalProperties: false },
  ),
  // the owner → the instance of a page it stands for: a message for that page (the owner's own, checked as to its shape only)
  Type.Object(
    { ...head, kind: Type.Literal('page-to'), pageId: Id, message: Type.Object({ type: Type.String({ minLength: 1, maxLength: 40 }) }) },
    { additionalProperties: false },
  ),
  // a home act's owner → every instance (EVERY_INSTANCE), as its patient enters the waiting room: an instance with a page of
  // its specialist asks for it (`want`) at once, not at its next lease tick
  Type.Object(
    { ...head, kind: Type.Literal('home-waiting'), sessionId: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
  // the former owner → the instance it handed the home act's lease to: « it is yours now » (checked against the store)
  Type.Object(
    { ...head, kind: Type.Literal('given'), sessionId: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
  // owner → serving instance (the message is the owner's own, checked as to its shape only)
  Type.Object(
    { ...head, kind: Type.Literal('to'), pid: Id, message: Type.Object({ type: Type.String({ minLength: 1, maxLength: 40 }) }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { ...head, kind: Type.Literal('close'), pid: Id, code: Type.Integer({ minimum: 1000, maximum: 4999 }), reason: Text(120) },
    { additionalProperties: false },
  ),
]);
export type RelayedMessage = Static<typeof RelayedMessage>;
const checkRelayed = compile(RelayedMessage);

/** The name every instance listens on besides its own: what is said to all (a home act's patient waiting). */
export const EVERY_INSTANCE = 'instances';

export interface ParticipantRelayOptions {
  /** This instance's id (its acts' lease owner id): the name it listens on. */
  me: string;
  /** The instances' channel; absent (SQLite): every participant is hosted here. */
  channel?: InstanceChannel;
  room: ParticipantRoom;
  /** The instance holding the act's lease now (not lapsed); null: none. */
  holder(sessionId: string): Promise<string | null>;
  /** Owner side: why a relayed arrival is not taken here (the act is not held here…); null: taken. */
  refuses(arrival: HostedArrival): string | null;
  /** A participant's frame, as from a socket here (relay.fromParticipant). */
  fromParticipant(participantId: string, data: string, reply: (m: { type: 'error'; message: string }) => void): void;
  /** Owner side: the act's specialist removes a guest through another instance (relay.removeGuest, here; `name` for the audit line). */
  removeGuest(sessionId: string, linkId: string, by: string, name: string | undefined): void;
  /**
   * Owner side: another instance, with pages of this home act's specialist, asks for the act (relay.homeWanted: handed
   * over, or kept and those pages stood for here); why not, or null.
   */
  wanted(sessionId: string, from: string, pages: readonly AnnouncedPage[]): Promise<string | null>;
  /** Owner side: another instance's pages of this home act's specialist, stood for here while the act stays (relay.remotePagesNow). */
  pages(sessionId: string, from: string, pages: readonly AnnouncedPage[]): void;
  /** Owner side: a message of a page stood for here (relay.fromRemotePage); why refused, or null. */
  pageFrom(from: string, pageId: string, specialist: string, sessionId: string, data: string): string | null;
  /** The owner sends a message to a page of this instance that it stands for; false: no such page here (closed). */
  pageTo(pageId: string, message: { type: string }): boolean;
  /**
   * Owner side: the instance of a page stood for here says it is gone (a message to it found none); `message`, a
   * participant's signal it carried. Why refused, or null.
   */
  pageGone(from: string, pageId: string, message: { type: string } | undefined): string | null;
  /** Another instance follows this home act and its patient entered the waiting room there (relay.homeWaitingElsewhere). */
  waitingElsewhere(sessionId: string, owner: string): Promise<void>;
  /** The former owner handed this home act's lease to this instance (relay.homeGiven: checked against the store); why not taken, or null. */
  given(sessionId: string, from: string): Promise<string | null>;
  logger: Logger;
  now: () => Date;
}

interface Hosted {
  pid: string;
  arrival: HostedArrival;
  socket: ParticipantSocket;
  /** The instance the participant was placed with (this one or the act's owner); undefined while asking. */
  owner?: string;
  /** Frames received while asking. */
  queue: string[];
  /** Placed here: the room's handle. */
  local?: { id: string; leave: () => void };
  gone: boolean;
}

interface Relayed {
  from: string;
  pid: string;
  id: string;
  leave: () => void;
  seen: number;
}

export class ParticipantRelay {
  /** Sockets open on this instance, by their relay id. */
  private readonly hosted = new Map<string, Hosted>();
  /** Owner side: participants whose socket is on another instance, by `from/pid`. */
  private readonly relayed = new Map<string, Relayed>();
  private readonly refused = new Map<string, number>();

  constructor(private readonly o: ParticipantRelayOptions) {}

  /** Listens on this instance's name (when there is a channel). */
  async start(): Promise<void> {
    const receive = (text: string) => {
      try {
        this.received(text);
      } catch (e) {
        this.o.logger.error({ err: e }, 'teleconsult: unexpected error on a relayed participant message');
      }
    };
    await this.o.channel?.listen(this.o.me, receive);
    await this.o.channel?.listen(EVERY_INSTANCE, receive);
  }

  stop(): Promise<void> {
    return this.o.channel?.close() ?? Promise.resolve();
  }

  /** How many participants are relayed: hosted here for another owner, and held here for another instance's socket. */
  counts(): { out: number; in: number } {
    return { out: [...this.hosted.values()].filter((h) => h.owner !== undefined && h.owner !== this.o.me).length, in: this.relayed.size };
  }

  /** Whether any socket is hosted here (with a channel) or any relayed participant held here: the tick has work. */
  busy(): boolean {
    return this.hosted.size > 0 || this.relayed.size > 0;
  }

  /** A participant's socket opened here: placed with the act's owner (here, or relayed to it). */
  host(arrival: HostedArrival, socket: ParticipantSocket): HostedParticipant {
    const h: Hosted = { pid: randomUUID(), arrival, socket, queue: [], gone: false };
    if (!this.o.channel) {
      this.placeHere(h);
      return { receive: (d) => this.forward(h, d), leave: () => h.local?.leave() };
    }
    this.hosted.set(h.pid, h);
    void this.place(h);
    return {
      receive: (d) => {
        if (h.owner === undefined) h.queue.push(d);
        else this.forward(h, d);
      },
      leave: () => this.leave(h),
    };
  }

  /**
   * The leases as the relay read them at its tick: sockets whose act moved to another instance than
   * the one they were placed with are closed (their pages connect again); the owners hear which of
   * their relayed participants are still here; relayed participants not heard of lately are dropped.
   */
  tick(leases: readonly { sessionId: string; owner: string; lapsed: boolean }[], everyMs: number): void {
    if (!this.o.channel) return;
    const held = new Map(leases.filter((l) => !l.lapsed).map((l) => [l.sessionId, l.owner]));
    const alive = new Map<string, string[]>();
    for (const h of this.hosted.values()) {
      if (h.owner === undefined || h.gone) continue;
      const now = held.get(h.arrival.sessionId);
      if (now !== undefined && now !== h.owner) {
        this.o.logger.info(
          { sessionId: h.arrival.sessionId, from: h.owner, to: now },
          'teleconsult: a participant’s act moved to another instance; their socket is closed to be placed again',
        );
        h.socket.close(MOVED_CODE, 'the act moved to another cloud instance: connect again');
        continue;
      }
      if (h.owner !== this.o.me) alive.set(h.owner, [...(alive.get(h.owner) ?? []), h.pid]);
    }
    for (const [owner, pids] of alive) this.send(owner, { v: 1, from: this.o.me, kind: 'alive', pids });
    const t = this.o.now().getTime();
    for (const [key, r] of this.relayed) {
      if (t - r.seen <= 3 * everyMs) continue;
      this.o.logger.warn({ from: r.from }, 'teleconsult: a relayed participant’s instance went silent; they leave the act');
      this.relayed.delete(key);
      r.leave();
    }
  }

  /**
   * This instance's channel connection was lost (it reconnects): what was sent meanwhile is lost, so
   * the sockets relayed from here are closed (their pages connect again and are placed anew) and the
   * participants relayed here from other instances leave (their instance's next frame or `alive` is
   * answered by closing their socket there).
   */
  channelLost(): void {
    for (const h of [...this.hosted.values()])
      if (h.owner !== undefined && h.owner !== this.o.me) h.socket.close(MOVED_CODE, 'the cloud instances lost touch: connect again');
    for (const [key, r] of [...this.relayed]) {
      this.relayed.delete(key);
      r.leave();
    }
  }

  /**
   * The act's specialist removes a guest through this instance: when another instance holds the act,
   * the removal is sent to it (it closes their sockets and writes the audit line with its count) and
   * true is returned; false: the act is held here or by nobody, the removal is this instance's.
   */
  async removeElsewhere(sessionId: string, linkId: string, by: string, name: string): Promise<boolean> {
    if (!this.o.channel) return false;
    const owner = await this.o.holder(sessionId);
    if (owner === null || owner === this.o.me) return false;
    this.send(owner, { v: 1, from: this.o.me, kind: 'remove', sessionId, linkId, by, name: name.slice(0, 200) });
    return true;
  }

  /** A home act held by `owner`: asks for it (pages of its specialist are here: stood for there if it keeps the act). */
  want(owner: string, sessionId: string, pages: readonly AnnouncedPage[]): void {
    this.send(owner, { v: 1, from: this.o.me, kind: 'want', sessionId, pages: [...pages] });
  }

  /** This instance's pages of a home act `owner` holds, now (one closed): no request for the act. */
  pagesNow(owner: string, sessionId: string, pages: readonly AnnouncedPage[]): void {
    this.send(owner, { v: 1, from: this.o.me, kind: 'pages', sessionId, pages: [...pages] });
  }

  /** A page here sends a message about a home act `owner` holds and stands the page for. */
  fromPage(owner: string, pageId: string, specialist: string, sessionId: string, data: string): void {
    this.send(owner, { v: 1, from: this.o.me, kind: 'page-from', pageId, specialist, sessionId, data });
  }

  /** Owner side: a message for the page `pageId` of instance `to`, stood for here. */
  toPage(to: string, pageId: string, message: { type: string }): void {
    this.send(to, { v: 1, from: this.o.me, kind: 'page-to', pageId, message });
  }

  /** This instance follows the home act and its patient is waiting: every instance is told (one with its specialist's page asks for it). */
  homeWaiting(sessionId: string): void {
    this.send(EVERY_INSTANCE, { v: 1, from: this.o.me, kind: 'home-waiting', sessionId });
  }

  /** The home act's lease was handed to `to`: tells it, so it takes the act from the store at once. */
  give(to: string, sessionId: string): void {
    this.send(to, { v: 1, from: this.o.me, kind: 'given', sessionId });
  }

  /**
   * The act is held by `owner` now (this instance handed it over): the sockets here placed with
   * another instance (this one) are closed at once (1012), not at the next tick; their pages connect again.
   */
  actMoved(sessionId: string, owner: string): void {
    for (const h of [...this.hosted.values()])
      if (h.arrival.sessionId === sessionId && h.owner !== undefined && h.owner !== owner && !h.gone)
        h.socket.close(MOVED_CODE, 'the act moved to another cloud instance: connect again');
  }

  // ── serving side ──

  private async place(h: Hosted): Promise<void> {
    let owner: string;
    try {
      owner = (await this.o.holder(h.arrival.sessionId)) ?? this.o.me;
    } catch (e) {
      // The store is away: hosted here, as on a single instance (placed again at the next tick if the act is elsewhere).
      this.o.logger.warn(
        { err: e, sessionId: h.arrival.sessionId },
        'teleconsult: the act’s holder could not be read; the participant waits here',
      );
      owner = this.o.me;
    }
    if (h.gone) return;
    if (owner === this.o.me) this.placeHere(h);
    else {
      h.owner = owner;
      this.send(owner, { v: 1, from: this.o.me, kind: 'arrive', pid: h.pid, arrival: h.arrival });
    }
    for (const d of h.queue.splice(0)) this.forward(h, d);
  }

  private placeHere(h: Hosted): void {
    h.owner = this.o.me;
    h.local = this.o.room.arrive({ ...h.arrival, send: (m) => h.socket.send(m), close: (reason) => h.socket.close(1000, reason) });
  }

  private forward(h: Hosted, data: string): void {
    if (h.local) this.o.fromParticipant(h.local.id, data, (m) => h.socket.send(m));
    else if (h.owner !== undefined)
      // An oversize frame is refused (and audited) by the owner as from a socket of its own.
      this.send(h.owner, { v: 1, from: this.o.me, kind: 'frame', pid: h.pid, data: data.slice(0, MAX_PARTICIPANT_FRAME + 1) });
  }

  private leave(h: Hosted): void {
    if (h.gone) return;
    h.gone = true;
    this.hosted.delete(h.pid);
    if (h.local) h.local.leave();
    else if (h.owner !== undefined) this.send(h.owner, { v: 1, from: this.o.me, kind: 'leave', pid: h.pid });
  }

  // ── both sides ──

  private send(to: string, m: RelayedMessage): void {
    const channel = this.o.channel;
    if (!channel) return;
    channel.send(to, JSON.stringify(m)).catch((e: unknown) => {
      this.o.logger.warn({ err: e, to, kind: m.kind }, 'teleconsult: a relayed participant message could not be sent');
    });
  }

  /** The socket of a participant this owner does not know is closed there: its page connects again. */
  private tryAgain(from: string, pid: string): void {
    this.send(from, { v: 1, from: this.o.me, kind: 'close', pid, code: TRY_AGAIN_CODE, reason: 'not on this instance' });
  }

  private refuse(why: string, detail: Record<string, unknown>): void {
    // A log line per reason (counted), not a flood.
    const n = (this.refused.get(why) ?? 0) + 1;
    this.refused.set(why, n);
    if (n <= 20 || n % 1000 === 0) this.o.logger.warn({ ...detail, why, times: n }, 'teleconsult: refused a relayed participant message');
  }

  private received(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      this.refuse('not JSON', { error: (e as Error).message });
      return;
    }
    const v = checkRelayed.validate(json);
    if (!v.ok) {
      this.refuse('schema', { error: formatIssues(v.issues).slice(0, 300) });
      return;
    }
    const m = v.value;
    // What this instance said to all comes back to it too.
    if (m.from === this.o.me && m.kind === 'home-waiting') return;
    if (m.from === this.o.me) {
      this.refuse('from this instance', { kind: m.kind });
      return;
    }
    switch (m.kind) {
      case 'arrive': {
        const key = `${m.from}/${m.pid}`;
        if (this.relayed.has(key)) {
          this.refuse('arrived twice', { from: m.from });
          return;
        }
        const why = this.o.refuses(m.arrival);
        if (why !== null) {
          this.refuse(why, { from: m.from, sessionId: m.arrival.sessionId });
          // Its socket closes and its page tries again: the act may have moved meanwhile.
          this.tryAgain(m.from, m.pid);
          return;
        }
        const { from, pid } = m;
        const stay = this.o.room.arrive({
          ...m.arrival,
          send: (message) => this.send(from, { v: 1, from: this.o.me, kind: 'to', pid, message }),
          close: (reason) => this.send(from, { v: 1, from: this.o.me, kind: 'close', pid, code: 1000, reason: reason.slice(0, 120) }),
        });
        this.relayed.set(key, { from, pid, id: stay.id, leave: stay.leave, seen: this.o.now().getTime() });
        return;
      }
      case 'frame': {
        const r = this.relayed.get(`${m.from}/${m.pid}`);
        if (!r) {
          this.refuse('frame of an unknown participant', { from: m.from });
          this.tryAgain(m.from, m.pid);
          return;
        }
        r.seen = this.o.now().getTime();
        this.o.fromParticipant(r.id, m.data, (message) => this.send(r.from, { v: 1, from: this.o.me, kind: 'to', pid: r.pid, message }));
        return;
      }
      case 'leave': {
        const key = `${m.from}/${m.pid}`;
        const r = this.relayed.get(key);
        if (!r) return;
        this.relayed.delete(key);
        r.leave();
        return;
      }
      case 'alive': {
        const t = this.o.now().getTime();
        for (const pid of m.pids) {
          const r = this.relayed.get(`${m.from}/${pid}`);
          if (r) r.seen = t;
          // Not known here (dropped: this instance lost its channel, or went silent too long): placed again.
          else this.tryAgain(m.from, pid);
        }
        return;
      }
      case 'remove':
        this.o.removeGuest(m.sessionId, m.linkId, m.by, m.name);
        return;
      case 'home-waiting': {
        const { from, sessionId } = m;
        this.o
          .waitingElsewhere(sessionId, from)
          .catch((e: unknown) =>
            this.o.logger.warn({ err: e, from, sessionId }, 'teleconsult: a home act waiting on another instance could not be looked at'),
          );
        return;
      }
      case 'pages':
        this.o.pages(m.sessionId, m.from, m.pages);
        return;
      case 'page-from': {
        const why = this.o.pageFrom(m.from, m.pageId, m.specialist, m.sessionId, m.data);
        if (why !== null) this.refuse(why, { from: m.from, sessionId: m.sessionId });
        return;
      }
      case 'page-to':
        // The page closed before the owner heard so (its `pages` update in flight, or lost): the owner is told at once.
        if (!this.o.pageTo(m.pageId, m.message))
          this.send(m.from, {
            v: 1,
            from: this.o.me,
            kind: 'page-gone',
            pageId: m.pageId,
            ...(m.message.type === 'participant-signal' ? { message: m.message } : {}),
          });
        return;
      case 'page-gone': {
        const why = this.o.pageGone(m.from, m.pageId, m.message);
        if (why !== null) this.refuse(why, { from: m.from, kind: m.kind });
        return;
      }
      case 'want':
        void this.o.wanted(m.sessionId, m.from, m.pages ?? []).then(
          (why) => {
            if (why !== null) this.refuse(why, { from: m.from, sessionId: m.sessionId, kind: m.kind });
          },
          (e: unknown) =>
            this.o.logger.warn({ err: e, from: m.from, sessionId: m.sessionId }, 'teleconsult: a home act could not be handed over'),
        );
        return;
      case 'given': {
        const { from, sessionId, kind } = m;
        void this.o.given(sessionId, from).then(
          (why) => {
            if (why !== null) this.refuse(why, { from, sessionId, kind });
          },
          (e: unknown) => this.o.logger.warn({ err: e, from, sessionId, kind }, 'teleconsult: a home act could not be handed over'),
        );
        return;
      }
      case 'to':
      case 'close': {
        const h = this.hosted.get(m.pid);
        if (!h || h.owner !== m.from) {
          this.refuse(`${m.kind} for a participant not relayed to that instance`, { from: m.from });
          return;
        }
        if (m.kind === 'close') h.socket.close(m.code, m.reason);
        else h.socket.send(m.message as ToParticipant);
      }
    }
  }
}
