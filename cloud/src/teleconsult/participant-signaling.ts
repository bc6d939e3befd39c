/**
 * The conversation between an admitted home patient's page and the specialist's page: peer to peer
 * between the two browsers, signaled through the cloud (docs/teleconsultation.md, « The patient at
 * home »). The specialist's page offers, the patient's page answers, as the cart's page and the
 * specialist's do (ConvoFromCart one way, ConvoFromSpecialist the other, each tagged with its peer
 * connection's id); the patient's page says `ready` once its camera and microphone are open.
 *
 * The rules: a participant's signal goes only to the page that admitted them, and only once
 * admitted; a page's signal only to a participant that page admitted (so only the act's own
 * specialist). A participant reconnecting is a new participant (a new id): the old one's signals
 * have nowhere to go. An admitted patient's `ready` (« offer me », or « keep peer `pc` ») that finds no page
 * talking with them yet — let in again at once on a new socket, or after a hand-over, before the
 * relay has given them their specialist's page; or between two pages of the specialist; or after a
 * cloud restart, their page back before the specialist's — is kept as said (its `pc` too), and the
 * page that takes them is given it right after `participant-admitted`; a page that takes them with
 * no `ready` kept tells their page `specialist-back` (it says `ready` again). Their other signals
 * (answer, candidates, media state) belong to a peer connection of a page that is gone: refused.
 * Guests' media are the forwarding unit's (not here): their signals are refused.
 * Anything else a participant sends (a specialist's message: join, hangup, PTZ, report…) is refused
 * to that socket with an audit line `participant-message-refused`; the socket stays open.
 */
import { Type } from '@sinclair/typebox';
import { ConvoFromSpecialist, compile, formatIssues } from '@telecart/protocol';
import type { MediaWord } from './home-acts.js';
import type { ParticipantEntry, ParticipantRoom } from './participants.js';
import type { Specialist } from './specialists.js';
import type { UnitFromParticipant } from './unit-signaling.js';
import { type BrowserMessage, type CloudMessage, issuesOfType, ParticipantMessage } from './ws-messages.js';

/** Signaling is SDP-sized; a larger frame is not signaling. */
export const MAX_PARTICIPANT_FRAME = 128 * 1024;
/** Audit lines of refusals per participant connection: enough to see what was tried, not a flood. */
const MAX_REFUSAL_LINES = 20;

const checkParticipant = compile(ParticipantMessage);
/** A participant's signal as sent to a page (CloudMessage `participant-signal`), handed back when that page was gone. */
const UndeliveredSignal = Type.Object({
  type: Type.Literal('participant-signal'),
  sessionId: Type.String({ minLength: 1, maxLength: 64 }),
  participantId: Type.String({ minLength: 1, maxLength: 64 }),
  signal: ConvoFromSpecialist,
});
const checkUndelivered = compile(UndeliveredSignal);
/** The participant's own message types: a malformed one is told what was wrong in it. */
const OWN_TYPES = new Set(['signal', 'unit-offer', 'unit-ice', 'unit-media', 'unit-pin', 'media-up']);

/** An open specialist page, as far as the signaling needs it. */
export interface SignalingPage {
  readonly specialist: Specialist;
  send(message: CloudMessage): void;
}

export interface ParticipantSignalingOptions {
  room: ParticipantRoom;
  /** The specialist's ICE servers for this act (the act's TURN credentials, subject `<act>.specialist`). */
  iceServers(sessionId: string): unknown[];
  /** A guest's signaling with the act's room on the forwarding unit (unit-signaling.ts): a refusal, or null. */
  unit?(e: ParticipantEntry, msg: UnitFromParticipant): Promise<{ detail: string; message: string } | null>;
  /** The admitted home patient's page decoded the specialist (home-acts.ts patientMediaUp): refused, or kept. */
  mediaUp?(e: ParticipantEntry): Promise<MediaWord>;
}

type PageSignal = Extract<BrowserMessage, { type: 'participant-signal' }>;
/** A patient's `ready`, as they said it: with `pc`, the peer their page still holds (the page keeps it, no new offer). */
type ReadySignal = Extract<Extract<ParticipantMessage, { type: 'signal' }>['signal'], { kind: 'ready' }>;

export class ParticipantSignaling {
  /** Participant id → the page that admitted them: the only one their signals reach. */
  private readonly pages = new Map<string, SignalingPage>();
  private readonly refusals = new Map<string, number>();
  /**
   * Admitted patients whose `ready` came while no page talked with them, as said (its `pc` too: after a cloud
   * restart the two pages still hold their peer): given to the page that takes them.
   */
  private readonly readyKept = new Map<string, ReadySignal>();

  constructor(private readonly opts: ParticipantSignalingOptions) {}

  /**
   * This page admitted this home patient (or takes them: let in again, a page back): it gets the act's ICE
   * servers and is the one they talk with (not a guest's: the unit's); their `ready` kept meanwhile follows.
   * Returns whether it took them, and whether a kept `ready` was given to it.
   */
  admitted(page: SignalingPage, sessionId: string, participantId: string): { taken: boolean; ready: boolean } {
    const e = this.opts.room.find(participantId);
    if (e?.state !== 'admitted' || e.sessionId !== sessionId || e.role !== 'patient') return { taken: false, ready: false };
    this.pages.set(participantId, page);
    page.send({ type: 'participant-admitted', sessionId, participantId, iceServers: this.opts.iceServers(sessionId) });
    const ready = this.readyKept.get(participantId);
    this.readyKept.delete(participantId);
    if (ready) page.send({ type: 'participant-signal', sessionId, participantId, signal: ready });
    return { taken: true, ready: ready !== undefined };
  }

  /**
   * A page of the act's specialist takes back an admitted patient no page talks with (it opened, or
   * another instance's page is stood for): their `ready` kept meanwhile is given to it, else their page
   * is told `specialist-back` and says `ready` again.
   */
  takeBack(page: SignalingPage, sessionId: string, participantId: string): void {
    const { taken, ready } = this.admitted(page, sessionId, participantId);
    if (taken && !ready) this.opts.room.find(participantId)?.send({ type: 'specialist-back' });
  }

  /** Whether a page talks with this participant now (none: a page of the act's specialist may take them back). */
  hasPage(participantId: string): boolean {
    return this.pages.has(participantId);
  }

  /** The participant's connection ended. */
  gone(participantId: string): void {
    this.pages.delete(participantId);
    this.refusals.delete(participantId);
    this.readyKept.delete(participantId);
  }

  /** A page closed: the participants it admitted have nobody to signal to until the next admission. */
  pageClosed(page: SignalingPage): void {
    for (const [id, p] of this.pages) if (p === page) this.pages.delete(id);
  }

  /**
   * A participant's signal sent to a page that was gone (another instance's page, closed before this owner heard so):
   * answered as if no page talked with them then — a `ready` kept for the page that takes them, anything else refused
   * to them (« the specialist is not connected », audited). Nothing when they left, or when a page talks with them
   * now (it took them since, and asked them again). Why the message was not taken, or null.
   */
  undelivered(message: unknown): string | null {
    const v = checkUndelivered.validate(message);
    if (!v.ok) return `not a participant's signal: ${formatIssues(v.issues).slice(0, 200)}`;
    const { sessionId, participantId, signal } = v.value;
    const e = this.opts.room.find(participantId);
    if (!e || e.sessionId !== sessionId || e.role !== 'patient') return null;
    if (e.state !== 'admitted' || this.pages.has(participantId)) return null;
    if (signal.kind === 'ready') this.readyKept.set(participantId, signal);
    else
      this.refuse(
        e,
        'participant-signal-refused',
        `${signal.kind}: the specialist's page was gone`,
        (m) => e.send(m),
        'the specialist is not connected',
      );
    return null;
  }

  /** A raw text frame from a participant's socket; `reply` answers that socket only. */
  fromParticipant(participantId: string, data: string, reply: (message: { type: 'error'; message: string }) => void): void {
    const e = this.opts.room.find(participantId);
    if (!e) return;
    if (data.length > MAX_PARTICIPANT_FRAME) {
      this.refuse(
        e,
        'participant-message-refused',
        `oversize: ${data.length} characters`,
        reply,
        `message too large (${data.length} characters)`,
      );
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch (err) {
      this.refuse(e, 'participant-message-refused', 'not JSON', reply, `not JSON: ${(err as Error).message}`);
      return;
    }
    const v = checkParticipant.validate(json);
    if (!v.ok) {
      const type = messageType(json);
      const issues = issuesOfType(ParticipantMessage, json) ?? formatIssues(v.issues);
      const detail = `${type}: ${issues}`;
      const why = OWN_TYPES.has(type)
        ? `${type} refused: ${issues}`
        : `'${type}' is not accepted from a participant: only the conversation's signals (ready, answer, ice, media; unit-offer, unit-ice, unit-media, unit-pin; media-up)`;
      this.refuse(e, 'participant-message-refused', detail, reply, why);
      return;
    }
    const msg = v.value;
    if (msg.type === 'media-up') {
      if (e.role !== 'patient' || e.state !== 'admitted' || !this.opts.mediaUp) {
        const why = e.role !== 'patient' ? 'guest' : e.state !== 'admitted' ? 'not admitted' : 'no home act here';
        this.refuse(e, 'participant-signal-refused', `media-up: ${why}`, reply, 'media-up is the admitted home patient’s only');
        return;
      }
      void this.opts.mediaUp(e).then(async (word) => {
        if (word.refused !== null)
          return this.refuse(e, 'participant-signal-refused', `media-up: ${word.refused}`, reply, `media-up refused: ${word.refused}`);
        // Told once stored: until then the page says it again at its next admission (a lost socket, a restart).
        if (await word.stored) e.send({ type: 'media-up-stored' });
      });
      return;
    }
    if (msg.type !== 'signal') {
      const unit = this.opts.unit;
      if (!unit) {
        this.refuse(e, 'participant-signal-refused', `${msg.type}: no forwarding unit`, reply, 'no forwarding unit here');
        return;
      }
      void unit(e, msg).then((refused) => {
        if (refused) this.refuse(e, 'participant-signal-refused', refused.detail, reply, refused.message);
      });
      return;
    }
    const { signal } = msg;
    if (e.role !== 'patient') {
      // A guest's media go through the forwarding unit, not a mesh of peer connections.
      this.refuse(
        e,
        'participant-signal-refused',
        `${signal.kind}: guest`,
        reply,
        'a guest’s media go through the forwarding unit (unit-offer, unit-ice), not this conversation',
      );
      return;
    }
    if (e.state !== 'admitted') {
      this.refuse(
        e,
        'participant-signal-refused',
        `${signal.kind}: not admitted`,
        reply,
        'you have not been let in yet: wait for the specialist',
      );
      return;
    }
    const page = this.pages.get(participantId);
    if (!page && signal.kind === 'ready') {
      // No page talks with them yet (a new socket let in at once, a hand-over): the page that takes them gets it.
      this.readyKept.set(participantId, signal);
      return;
    }
    if (!page) {
      this.refuse(
        e,
        'participant-signal-refused',
        `${signal.kind}: the specialist's page is gone`,
        reply,
        'the specialist is not connected',
      );
      return;
    }
    page.send({ type: 'participant-signal', sessionId: e.sessionId, participantId, signal });
  }

  /** A page's signal for a participant; an error message when refused (the relay sends it to the page). */
  fromPage(page: SignalingPage, msg: PageSignal): string | null {
    const e = this.opts.room.find(msg.participantId);
    if (e && e.sessionId === msg.sessionId && this.pages.get(msg.participantId) === page) {
      e.send({ type: 'signal', signal: msg.signal });
      return null;
    }
    if (e) {
      const why =
        e.state !== 'admitted' ? 'not admitted' : this.pages.has(e.id) ? 'another page admitted them' : 'not admitted by this page';
      this.countedAudit(e, 'participant-signal-refused', `${msg.signal.kind} from ${page.specialist.id}: ${why}`, page.specialist);
    }
    // Unknown and not-yours look the same: a page cannot probe other acts' participants.
    return `no admitted participant ${msg.participantId} talks with this page in act ${msg.sessionId}`;
  }

  private refuse(
    e: ParticipantEntry,
    action: string,
    detail: string,
    reply: (message: { type: 'error'; message: string }) => void,
    message: string,
  ): void {
    this.countedAudit(e, action, detail);
    reply({ type: 'error', message });
  }

  private countedAudit(e: ParticipantEntry, action: string, detail: string, by?: Specialist): void {
    const n = (this.refusals.get(e.id) ?? 0) + 1;
    this.refusals.set(e.id, n);
    if (n <= MAX_REFUSAL_LINES)
      this.opts.room.auditAbout(e, action, n === MAX_REFUSAL_LINES ? `${detail} (later refusals not written)` : detail, by);
  }
}

/** What a refused message calls itself: its `type`, or a PTZ command's `op` (the data channel's format), for the audit line. */
function messageType(json: unknown): string {
  if (typeof json !== 'object' || json === null) return typeof json;
  const { type, op } = json as { type?: unknown; op?: unknown };
  if (typeof type === 'string') return type.slice(0, 40);
  if (typeof op === 'string') return `ptz ${op.slice(0, 30)}`;
  return '?';
}
