/**
 * Who waits to be let into an act besides the cart: the home patient (join link, identity confirmed)
 * and, later, guests. In memory, like the relay's pages: a participant is there while their WebSocket
 * is open (GET /join/:token/ws). The act's specialist is told who waits (name, role) and admits or
 * refuses; each arrival, admission, refusal and departure is an audit line. Transports and the audit
 * are injected: the relay gives its specialist pages and its trail (relay.ts), the route its socket.
 */
import { randomUUID } from 'node:crypto';
import type { ConvoFromCart, TeleconsultStatus } from '@telecart/protocol';
import type { AuditEventInput } from '../store/teleconsult-records.js';
import type { UnitToPage } from './act-rooms.js';
import type { Specialist } from './specialists.js';

export type ParticipantRole = 'patient' | 'guest';
export type ParticipantState = 'waiting' | 'admitted';

/** What a participant's page is told. */
export type ToParticipant =
  | { type: 'waiting' }
  | { type: 'admitted'; by: string }
  | { type: 'refused'; by: string }
  /** The specialist's conversation signaling, once admitted (participant-signaling.ts). */
  | { type: 'signal'; signal: ConvoFromCart }
  /** The act is over (the specialist hung up, or it was given up): the page says so, the socket closes. */
  | { type: 'ended'; status: TeleconsultStatus }
  /** The specialist's page came back (reload, new socket): the page says `ready` again for a fresh offer. */
  | { type: 'specialist-back' }
  /** The home patient's `media-up` is in the store: the page need not say it again (participant-signaling.ts). */
  | { type: 'media-up-stored' }
  /** A guest's room on the forwarding unit is open: offer with these ICE servers (unit-signaling.ts). */
  | { type: 'unit-ready'; iceServers: unknown[] }
  | UnitToPage
  /** The specialist removed this guest: their media stop, the socket closes. */
  | { type: 'removed'; by: string }
  | { type: 'error'; message: string };

/** What the specialist's page is told of an act's participants (CloudMessage `participants`). */
export interface ParticipantView {
  id: string;
  name: string;
  role: ParticipantRole;
  state: ParticipantState;
  since: string;
}

export interface Arrival {
  /** The act: the appointment's id for a home act. */
  sessionId: string;
  gatewayId: string;
  patientId: string;
  role: ParticipantRole;
  name: string;
  /** The specialist named for the act; null: any specialist who may see the cart. */
  specialistId: string | null;
  /** For the audit line: the client's address. */
  from: string;
  /** A guest's link (its token's SHA-256): what the specialist's removal names. */
  linkId?: string;
  /**
   * A guest the act's specialist let in before (the store keeps it: act_links.admitted_at), back on a
   * new socket (a dropped connection, a cloud restart): let in again at once, never the waiting room.
   */
  admittedBefore?: { by: string; at: string };
  send(message: ToParticipant): void;
  /** Ends the participant's connection (after a refusal). */
  close(reason: string): void;
}

interface Entry extends Arrival {
  id: string;
  state: ParticipantState;
  since: Date;
}

export interface ParticipantRoomOptions {
  /** Sends the act's list to the specialist pages that may decide on it. */
  notify(sessionId: string, mayDecide: (s: Specialist) => boolean, participants: ParticipantView[]): void;
  audit(e: Omit<AuditEventInput, 'at'>): void;
  /** Whether this specialist may see this cart (the directory's rule). */
  maySee(specialistId: string, gatewayId: string): boolean;
  now: () => Date;
  /** A participant's connection ended (left or refused): what was bound to them goes (participant-signaling.ts). */
  gone?(participantId: string): void;
  /** A participant's connection opened (after their `waiting`): the home act's status follows (home-acts.ts). */
  arrived?(e: ParticipantEntry): void;
}

/** One participant as the rest of the cloud may read them (participant-signaling.ts). */
export type ParticipantEntry = Readonly<Arrival & { id: string; state: ParticipantState }>;

export type Decision = 'admit' | 'refuse';
export type DecideResult = { ok: true } | { ok: false; message: string };

export class ParticipantRoom {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: ParticipantRoomOptions) {}

  /** A participant's connection opened: they wait. Returns their id and what ends their stay. */
  arrive(a: Arrival): { id: string; leave: () => void } {
    const back = a.admittedBefore;
    const e: Entry = { ...a, id: randomUUID(), state: back ? 'admitted' : 'waiting', since: this.opts.now() };
    this.entries.set(e.id, e);
    if (back) {
      this.audit(e, 'participant-rejoined', `${e.role} ${e.name}: back in the act, let in by ${back.by} at ${back.at}; from ${e.from}`);
      e.send({ type: 'admitted', by: back.by });
    } else {
      this.audit(e, 'participant-waiting', `${e.role} ${e.name}; from ${e.from}`);
      e.send({ type: 'waiting' });
    }
    this.publish(e);
    this.opts.arrived?.(e);
    return { id: e.id, leave: () => this.leave(e.id) };
  }

  /** The specialist's Admit / Refuse. Refused when not theirs to decide, or the participant is gone. */
  decide(who: Specialist, sessionId: string, participantId: string, decision: Decision): DecideResult {
    const e = this.entries.get(participantId);
    if (!e || e.sessionId !== sessionId) return { ok: false, message: `no participant ${participantId} waits in act ${sessionId}` };
    if (!this.mayDecide(e, who)) {
      this.audit(e, 'participant-decision-refused', `${decision} by ${who.id}: not this specialist's act`, who);
      // Same answer as an unknown one: a page cannot probe other acts' participants.
      return { ok: false, message: `no participant ${participantId} waits in act ${sessionId}` };
    }
    if (decision === 'admit') {
      if (e.state === 'admitted') return { ok: false, message: `${e.name} is already admitted` };
      e.state = 'admitted';
      this.audit(e, 'participant-admitted', `${e.role} ${e.name}`, who);
      e.send({ type: 'admitted', by: who.name });
    } else {
      this.entries.delete(e.id);
      this.opts.gone?.(e.id);
      this.audit(e, 'participant-refused', `${e.role} ${e.name}`, who);
      e.send({ type: 'refused', by: who.name });
      e.close('refused');
    }
    this.publish(e);
    return { ok: true };
  }

  /**
   * A home patient back in an act they were admitted to (in progress: a reload, a dropped socket, on
   * the device the link is bound to): let in again without waiting for the specialist.
   */
  readmit(id: string, by: string): void {
    const e = this.entries.get(id);
    if (!e || e.state === 'admitted') return;
    e.state = 'admitted';
    this.audit(e, 'participant-admitted', `${e.role} ${e.name}: back in the act admitted by ${by}`);
    e.send({ type: 'admitted', by });
    this.publish(e);
  }

  /** The participants of an act (still connected). */
  of(sessionId: string): ParticipantEntry[] {
    return [...this.entries.values()].filter((e) => e.sessionId === sessionId);
  }

  /** The act ended: each of its participants' pages is told and closed (their leaving is then written as usual). */
  endAct(sessionId: string, status: TeleconsultStatus): void {
    for (const e of this.of(sessionId)) {
      e.send({ type: 'ended', status });
      e.close('ended');
    }
  }

  /** The acts' lists a specialist's page gets when it opens. */
  viewsFor(who: Specialist): { sessionId: string; participants: ParticipantView[] }[] {
    const sessions = new Set([...this.entries.values()].filter((e) => this.mayDecide(e, who)).map((e) => e.sessionId));
    return [...sessions].map((sessionId) => ({ sessionId, participants: this.viewsOf(sessionId) }));
  }

  /** A participant still connected, or undefined. */
  find(id: string): ParticipantEntry | undefined {
    return this.entries.get(id);
  }

  /** Whether this specialist is the one who decides on (and talks with) this participant. */
  isTheirs(id: string, who: Specialist): boolean {
    const e = this.entries.get(id);
    return e !== undefined && this.mayDecide(e, who);
  }

  /** An audit line about a participant (their act, cart and patient), from the signaling or the socket. */
  auditAbout(e: ParticipantEntry, action: string, detail: string, by?: Specialist): void {
    this.audit(e, action, detail, by);
  }

  private leave(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.opts.gone?.(id);
    this.audit(e, 'participant-left', `${e.role} ${e.name}, ${e.state}`);
    this.publish(e);
  }

  private mayDecide(e: Entry, who: Specialist): boolean {
    return e.specialistId === null ? this.opts.maySee(who.id, e.gatewayId) : e.specialistId === who.id;
  }

  private viewsOf(sessionId: string): ParticipantView[] {
    return [...this.entries.values()]
      .filter((e) => e.sessionId === sessionId)
      .map((e) => ({ id: e.id, name: e.name, role: e.role, state: e.state, since: e.since.toISOString() }));
  }

  /** Sends the act's list; `rule` is an entry of that act, which says who may decide (even once gone). */
  private publish(rule: Entry): void {
    this.opts.notify(rule.sessionId, (s) => this.mayDecide(rule, s), this.viewsOf(rule.sessionId));
  }

  private audit(e: ParticipantEntry, action: string, detail: string, by?: Specialist): void {
    this.opts.audit({
      actor: by ? by.id : `link:${e.role}`,
      actorRole: by ? by.role : 'anonymous',
      action,
      sessionId: e.sessionId,
      gatewayId: e.gatewayId,
      patientId: e.patientId,
      detail: detail.slice(0, 512),
    });
  }
}
