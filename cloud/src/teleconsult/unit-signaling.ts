/**
 * Guests' media through the forwarding unit (docs/conversation.md, « Guests' media »): the
 * signaling between the act's room (act-rooms.ts) and the pages, hosted by the relay.
 *
 *   specialist admits a guest ─▶ room opened; `unit-ready` (TURN `<act>.specialist`) to that page,
 *                                `unit-ready` (TURN `<act>.guest`) to the guest's page
 *   page / guest ─unit-offer─▶ room.join ─unit-answer─▶ the same page
 *   page / guest ─unit-ice─▶ room;  room ─unit-ice, unit-slots (who each slot carries, by name)─▶ page
 *   guest removed or gone ─▶ room.leave;  act ended ─▶ room closed, `unit-closed` to the page
 *   a cart's act: `unit ready` (TURN `<act>.cart`) to the cart over MQTT rtc/down; its offer, candidates,
 *                 microphone and camera over rtc/up (RtcUp unit, the relay checked it is this cart's act)
 *   a home act: `unit-ready` (TURN `<act>.patient`) to the admitted patient on their socket
 *   page / guest / cart / patient ─media {mic, camera}─▶ the others' `unit-slots` say it
 *   page / guest / cart / patient ─pin {mid}─▶ room.pin: their `unit-slots` say `pinned`; refused
 *                                   (an m-line that is none of their slots, an empty one) as the others
 *   the unit names the dominant speaker: every `unit-slots` of them says `speaking`
 *
 * The cart and the home patient send their conversation into the room, and the specialist receives it
 * from there while the specialist's own peer with the room is up (told `unit-specialist {inRoom}`, the
 * cart's `specialist`: they send on their direct conversation again while it is not); they still receive the specialist on their direct conversation (`specialistDirect`
 * members, act-rooms.ts: the room does not carry the specialist to them), so nobody hears anyone twice
 * and their uplink carries their conversation once (their page holds the direct senders meanwhile).
 *
 * Across a cloud restart (docs/conversation.md, « Across a cloud restart »): which acts have an open
 * room is kept in the store (act_rooms, migration 30; each guest's admission on their link). The room's
 * peers are not: the room is rebuilt when the first party of the act signals again after the restart
 * (the specialist's page reconnecting, a guest let back in, the cart or the home patient offering) and
 * only while the act is in progress (its rejoin window included); then every party still there is told
 * to offer again (`unit-ready`, the cart's `ready`), and the specialist's member is a page of the
 * specialist who opened it. An act that ends tells its cart `closed` even when its room was not rebuilt.
 *
 * The rules: the room of an act is open only once its specialist admitted a guest; on the
 * specialist's side only the page that admitted the act's guests signals (another page, another
 * specialist: refused, as unknown); on a guest's socket only an admitted guest, and only for
 * themself in their own act (their socket says who and where: their messages name neither). Each
 * guest joining, leaving or refused is an audit line about them.
 */
import type { IceCandidate, UnitFromCart, UnitToCart } from '@telecart/protocol';
import type { StoredActRoom } from '../store/act-room-tables.js';
import type { AuditEventInput } from '../store/teleconsult-records.js';
import { ActRooms, type ActRoomsOptions, CART_MEMBER, SPECIALIST_MEMBER, type UnitToPage } from './act-rooms.js';
import type { SignalingPage } from './participant-signaling.js';
import type { ParticipantEntry, ParticipantRoom } from './participants.js';
import type { Specialist } from './specialists.js';

export type UnitFromParticipant =
  | { type: 'unit-offer'; sdp: string }
  | { type: 'unit-ice'; candidate: IceCandidate }
  | { type: 'unit-media'; mic: boolean; camera: boolean }
  | { type: 'unit-pin'; mid: string | null };
export type UnitFromPage = { sessionId: string } & UnitFromParticipant;

export interface UnitSignalingOptions {
  participants: ParticipantRoom;
  /** The ICE servers (the act's TURN credentials) of one party of the act. */
  iceServers(sessionId: string, party: 'specialist' | 'guest' | 'cart' | 'patient'): unknown[];
  /** The act's cart when it is a cart's act in progress here (its gateway and the label the others see); null otherwise. */
  cartOf(sessionId: string): { gatewayId: string; name: string } | null;
  /** Sends the act's room's signaling to a cart's page (RtcDown unit, MQTT rtc/down). */
  toCart(gatewayId: string, sessionId: string, signal: UnitToCart): void;
  audit(e: Omit<AuditEventInput, 'at'>): void;
  /**
   * The act while it is in progress here (a cart's act, its rejoin window included, or a home act),
   * with its specialist; null otherwise: its room is not rebuilt after a restart.
   */
  actOf(sessionId: string): { gatewayId: string; patientId: string; specialistId: string | null } | null;
  /** An open page of this specialist (the newest), to be the specialist's member of a rebuilt room. */
  pageOf(specialistId: string): SignalingPage | undefined;
  /** The store's acts' rooms (CloudStore.actRooms): written in the relay's ordered queue. */
  store: {
    open(r: StoredActRoom): void;
    get(sessionId: string): Promise<StoredActRoom | null>;
    close(sessionId: string): Promise<StoredActRoom | null>;
  };
  now(): Date;
  /** Options of each act's room (tests: hostAddresses; default every interface). */
  rooms?: Pick<ActRoomsOptions, 'room' | 'createRoom'>;
  onError?: (sessionId: string, memberId: string, e: unknown) => void;
}

interface Owned {
  page: SignalingPage;
  /** The act's cart and patient, for the audit lines about the room. */
  about: { sessionId: string; gatewayId: string; patientId: string };
  /** The page closed (its member left the room); a page of the same specialist may take its place. */
  closed?: boolean;
}

export class UnitSignaling {
  readonly rooms: ActRooms;
  /** Act → the page that admitted its guests: the specialist's member of the room. */
  private readonly owners = new Map<string, Owned>();
  /** Guest or home patient in a room → their act, name and role (the participant's entry is gone when they leave). */
  private readonly guests = new Map<string, { sessionId: string; name: string; role: 'guest' | 'patient' }>();
  /** Act → its cart, once the cart's page joined the room. */
  private readonly carts = new Map<string, { gatewayId: string }>();
  /** Rooms being rebuilt after a restart: one store read per act, whoever signals first. */
  private readonly reopening = new Map<string, Promise<'open' | 'reopened' | 'closed'>>();
  /** Rebuilt rooms whose specialist has no page open yet: the next page of theirs becomes their member. */
  private readonly ownerless = new Map<string, { specialistId: string; about: Owned['about'] }>();

  constructor(private readonly o: UnitSignalingOptions) {
    this.rooms = new ActRooms({
      ...o.rooms,
      deliver: (sessionId, member, m) => this.deliver(sessionId, member, m),
      ...(o.onError ? { onError: o.onError } : {}),
    });
  }

  /** A page admitted a participant: for a guest, the act's room opens and both pages are told to offer. */
  admitted(page: SignalingPage, sessionId: string, participantId: string): void {
    const e = this.o.participants.find(participantId);
    if (e?.state !== 'admitted' || e.sessionId !== sessionId) return;
    if (e.role === 'patient') {
      this.patientAdmitted(sessionId, participantId);
      return;
    }
    if (e.role !== 'guest') return;
    const about = { sessionId, gatewayId: e.gatewayId, patientId: e.patientId };
    if (!this.rooms.isOpen(sessionId)) {
      this.rooms.open(sessionId);
      this.o.store.open({
        sessionId,
        gatewayId: this.o.cartOf(sessionId)?.gatewayId ?? null,
        openedBy: page.specialist.id,
        openedAt: this.o.now().toISOString(),
      });
      this.o.audit({
        actor: page.specialist.id,
        actorRole: page.specialist.role,
        action: 'unit-room-opened',
        ...about,
        detail: `for guest ${e.name}`,
      });
      // The act's other party joins the room too: the cart (a cart's act) or the admitted home patient.
      const cart = this.o.cartOf(sessionId);
      if (cart) this.o.toCart(cart.gatewayId, sessionId, { kind: 'ready', iceServers: this.cartIceServers(sessionId) });
      for (const p of this.o.participants.of(sessionId))
        if (p.role === 'patient' && p.state === 'admitted')
          p.send({ type: 'unit-ready', iceServers: this.o.iceServers(sessionId, 'patient') });
    }
    const owned = this.owners.get(sessionId);
    this.ownerless.delete(sessionId);
    if (owned?.page !== page) {
      this.owners.set(sessionId, { page, about });
      page.send({ type: 'unit-ready', sessionId, iceServers: this.o.iceServers(sessionId, 'specialist') });
    }
    e.send({ type: 'unit-ready', iceServers: this.o.iceServers(sessionId, 'guest') });
  }

  /**
   * A home patient let in (again) while guests are in: into the act's room too, rebuilt first after a restart. No page
   * of the specialist's is needed: after a restart the room may be rebuilt by a guest back before any page, and the
   * page that comes later is told only of itself (`pageOpened`): a patient back meanwhile would never be told to offer.
   */
  patientAdmitted(sessionId: string, participantId: string): void {
    const e = this.o.participants.find(participantId);
    if (e?.state !== 'admitted' || e.sessionId !== sessionId || e.role !== 'patient') return;
    void this.ensureOpen(sessionId).then((r) => {
      // 'reopened' told every admitted party already.
      if (r === 'open' && this.o.participants.find(e.id))
        e.send({ type: 'unit-ready', iceServers: this.o.iceServers(sessionId, 'patient') });
    });
  }

  /**
   * A page of a specialist opened: an act whose room lost its page (a reload) and whose guests are
   * this specialist's to decide on gets this page as its specialist's member.
   */
  pageOpened(page: SignalingPage, acts: readonly string[] = []): void {
    for (const [sessionId, owned] of this.owners) {
      if (owned.page.specialist.id !== page.specialist.id || !owned.closed) continue;
      owned.page = page;
      page.send({ type: 'unit-ready', sessionId, iceServers: this.o.iceServers(sessionId, 'specialist') });
    }
    for (const [sessionId, o] of this.ownerless) {
      if (o.specialistId !== page.specialist.id || !this.rooms.isOpen(sessionId)) continue;
      this.ownerless.delete(sessionId);
      this.owners.set(sessionId, { page, about: o.about });
      page.send({ type: 'unit-ready', sessionId, iceServers: this.o.iceServers(sessionId, 'specialist') });
    }
    // After a restart: this specialist's acts in progress whose room was open are rebuilt now (this page is their member).
    for (const sessionId of acts) if (!this.rooms.isOpen(sessionId)) void this.ensureOpen(sessionId);
  }

  /**
   * The act's room is open here, or rebuilt now if the store says it was open (a restart, another
   * instance) and the act is in progress: 'reopened' when this call rebuilt it (every party still
   * there was told to offer again), 'open' when it was open already, 'closed' when there is none.
   */
  ensureOpen(sessionId: string): Promise<'open' | 'reopened' | 'closed'> {
    if (this.rooms.isOpen(sessionId)) return Promise.resolve('open');
    const pending = this.reopening.get(sessionId);
    if (pending) return pending.then((r) => (r === 'closed' ? 'closed' : 'open'));
    const p = this.reopen(sessionId).finally(() => this.reopening.delete(sessionId));
    this.reopening.set(sessionId, p);
    return p;
  }

  private async reopen(sessionId: string): Promise<'reopened' | 'closed'> {
    const stored = await this.o.store.get(sessionId).catch(() => null);
    const act = this.o.actOf(sessionId);
    if (!stored || !act || this.rooms.isOpen(sessionId)) return this.rooms.isOpen(sessionId) ? 'reopened' : 'closed';
    this.rooms.open(sessionId);
    const about = { sessionId, gatewayId: act.gatewayId, patientId: act.patientId };
    const specialistId = act.specialistId ?? stored.openedBy;
    this.o.audit({
      actor: 'cloud',
      actorRole: 'system',
      action: 'unit-room-reopened',
      ...about,
      detail: `rebuilt after a restart (opened by ${stored.openedBy} at ${stored.openedAt}); the parties offer again`,
    });
    const cart = this.o.cartOf(sessionId);
    if (cart) this.o.toCart(cart.gatewayId, sessionId, { kind: 'ready', iceServers: this.cartIceServers(sessionId) });
    for (const p of this.o.participants.of(sessionId))
      if (p.state === 'admitted') p.send({ type: 'unit-ready', iceServers: this.o.iceServers(sessionId, p.role) });
    const page = this.o.pageOf(specialistId);
    if (page) {
      this.owners.set(sessionId, { page, about });
      page.send({ type: 'unit-ready', sessionId, iceServers: this.o.iceServers(sessionId, 'specialist') });
    } else this.ownerless.set(sessionId, { specialistId, about });
    return 'reopened';
  }

  /**
   * A guest let in before, back on a new socket (participants.ts `admittedBefore`): into the act's
   * room again, rebuilt first if the cloud restarted since.
   */
  async rejoined(e: ParticipantEntry): Promise<void> {
    const r = await this.ensureOpen(e.sessionId);
    if (r === 'open' && this.o.participants.find(e.id)) e.send({ type: 'unit-ready', iceServers: this.o.iceServers(e.sessionId, e.role) });
  }

  /** A page closed: it leaves the rooms it was in (its guests stay, their slot of it empties). */
  pageClosed(page: SignalingPage): void {
    for (const [sessionId, owned] of this.owners) {
      if (owned.page !== page) continue;
      owned.closed = true;
      void this.rooms.leave(sessionId, SPECIALIST_MEMBER);
    }
  }

  /** A page's unit-offer or unit-ice; an error message when refused (the relay sends it to the page). */
  async fromPage(page: SignalingPage, msg: UnitFromPage): Promise<string | null> {
    const owned = this.owners.get(msg.sessionId);
    if (!owned || owned.page !== page || !this.rooms.isOpen(msg.sessionId)) {
      if (owned)
        this.o.audit({
          actor: page.specialist.id,
          actorRole: page.specialist.role,
          action: 'unit-signal-refused',
          ...owned.about,
          detail: `${msg.type}: not the page that admitted this act's guests`,
        });
      // Unknown and not-yours read the same.
      return `no room of act ${msg.sessionId} is open for this page`;
    }
    owned.closed = false;
    if (msg.type === 'unit-media') {
      this.rooms.setMedia(msg.sessionId, SPECIALIST_MEMBER, msg);
      return null;
    }
    try {
      if (msg.type === 'unit-offer') {
        const sdp = await this.rooms.join(msg.sessionId, SPECIALIST_MEMBER, page.specialist.name, msg.sdp);
        page.send({ type: 'unit-answer', sessionId: msg.sessionId, sdp });
      } else if (msg.type === 'unit-pin') await this.rooms.pin(msg.sessionId, SPECIALIST_MEMBER, msg.mid);
      else await this.rooms.addIceCandidate(msg.sessionId, SPECIALIST_MEMBER, msg.candidate);
      return null;
    } catch (e) {
      return `${msg.type} refused: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** A guest's unit-offer or unit-ice (validated as ParticipantMessage); an error message when refused. */
  async fromParticipant(e: ParticipantEntry, msg: UnitFromParticipant): Promise<{ detail: string; message: string } | null> {
    if (e.state !== 'admitted')
      return { detail: `${msg.type}: not admitted`, message: 'you have not been let in yet: wait for the specialist' };
    if ((await this.ensureOpen(e.sessionId)) === 'closed')
      return { detail: `${msg.type}: no room open`, message: 'the consultation’s room is not open' };
    if (msg.type === 'unit-media') {
      this.rooms.setMedia(e.sessionId, e.id, msg);
      return null;
    }
    try {
      if (msg.type === 'unit-offer') {
        // The home patient talks with the specialist on their own peer connection: apart from them in the room.
        const sdp = await this.rooms.join(e.sessionId, e.id, e.name, msg.sdp, { specialistDirect: e.role === 'patient' });
        this.guests.set(e.id, { sessionId: e.sessionId, name: e.name, role: e.role });
        this.o.participants.auditAbout(e, `${e.role}-media-joined`, `${e.role} ${e.name}`);
        // Gone while the unit answered: out again.
        if (!this.o.participants.find(e.id)) await this.guestGone(e.id, 'left');
        else e.send({ type: 'unit-answer', sdp });
      } else if (msg.type === 'unit-pin') await this.rooms.pin(e.sessionId, e.id, msg.mid);
      else await this.rooms.addIceCandidate(e.sessionId, e.id, msg.candidate);
      return null;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { detail: `${msg.type}: ${why}`, message: `${msg.type} refused: ${why}` };
    }
  }

  /**
   * A guest leaves the room: `left` (their socket closed) or `removed` (by the specialist, `by`).
   * Written `guest-media-left` with why; nothing when they were not in.
   */
  async guestGone(participantId: string, why: 'left' | 'removed', by?: Specialist): Promise<void> {
    const g = this.guests.get(participantId);
    if (g === undefined) return;
    this.guests.delete(participantId);
    await this.rooms.leave(g.sessionId, participantId);
    const owned = this.owners.get(g.sessionId);
    this.o.audit({
      actor: by ? by.id : 'link:guest',
      actorRole: by ? by.role : 'anonymous',
      action: `${g.role}-media-left`,
      ...(owned?.about ?? { sessionId: g.sessionId }),
      detail: `${g.role} ${g.name}: ${why}`,
    });
  }

  /** The act ended: its room closes, the page is told, each guest in it is written as left. */
  async actEnded(sessionId: string, status: string): Promise<void> {
    const owned = this.owners.get(sessionId);
    this.owners.delete(sessionId);
    this.ownerless.delete(sessionId);
    // A room opened before a restart and not rebuilt since: its cart's page still has to be told.
    const stored = await this.o.store.close(sessionId).catch(() => null);
    if (stored?.gatewayId && !this.carts.has(sessionId)) this.carts.set(sessionId, { gatewayId: stored.gatewayId });
    const members = await this.rooms.close(sessionId);
    for (const id of members) {
      const g = this.guests.get(id);
      if (!g) continue;
      this.guests.delete(id);
      this.o.audit({
        actor: 'cloud',
        actorRole: 'system',
        action: `${g.role}-media-left`,
        ...(owned?.about ?? { sessionId }),
        detail: `${g.role} ${g.name}: the act ended (${status})`,
      });
    }
    const cart = this.carts.get(sessionId);
    this.carts.delete(sessionId);
    if (cart) {
      this.o.toCart(cart.gatewayId, sessionId, { kind: 'closed', reason: status });
      this.o.audit({
        actor: 'cloud',
        actorRole: 'system',
        action: 'cart-media-left',
        ...(owned?.about ?? { sessionId }),
        detail: `the act ended (${status})`,
      });
    }
    if (owned) {
      owned.page.send({ type: 'unit-closed', sessionId, reason: status });
      this.o.audit({ actor: 'cloud', actorRole: 'system', action: 'unit-room-closed', ...owned.about, detail: `act ${status}` });
    }
  }

  async stop(): Promise<void> {
    this.ownerless.clear();
    this.owners.clear();
    this.guests.clear();
    this.carts.clear();
    await this.rooms.closeAll();
  }

  /**
   * The cart's page's signaling for its act's room (RtcUp unit; the relay checked that the act is
   * this cart's and in progress). Refused with an audit line before the room is open; an error
   * message for the cart's log, or null.
   */
  async fromCart(gatewayId: string, sessionId: string, signal: UnitFromCart, about: { patientId: string }): Promise<string | null> {
    const cart = this.o.cartOf(sessionId);
    if (!cart || cart.gatewayId !== gatewayId || (await this.ensureOpen(sessionId)) === 'closed') {
      this.o.audit({
        actor: gatewayId,
        actorRole: 'gateway',
        action: 'unit-signal-refused',
        sessionId,
        gatewayId,
        patientId: about.patientId,
        detail: `${signal.kind}: no room open for this act`,
      });
      return `unit ${signal.kind} refused: no room is open for act ${sessionId}`;
    }
    if (signal.kind === 'media') {
      this.rooms.setMedia(sessionId, CART_MEMBER, signal);
      return null;
    }
    try {
      if (signal.kind === 'offer') {
        const sdp = await this.rooms.join(sessionId, CART_MEMBER, cart.name, signal.sdp, { specialistDirect: true });
        if (!this.carts.has(sessionId))
          this.o.audit({
            actor: gatewayId,
            actorRole: 'gateway',
            action: 'cart-media-joined',
            sessionId,
            gatewayId,
            patientId: about.patientId,
            detail: `cart ${cart.name}`,
          });
        this.carts.set(sessionId, { gatewayId });
        this.o.toCart(gatewayId, sessionId, { kind: 'answer', sdp });
      } else if (signal.kind === 'pin') await this.rooms.pin(sessionId, CART_MEMBER, signal.mid);
      else await this.rooms.addIceCandidate(sessionId, CART_MEMBER, signal.candidate);
      return null;
    } catch (e) {
      return `unit ${signal.kind} refused: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** A cart whose act's room is open asks again (its page reloaded, the gateway restarted): `ready` again. */
  cartReady(sessionId: string): void {
    const cart = this.o.cartOf(sessionId);
    if (!cart) return;
    void this.ensureOpen(sessionId).then((r) => {
      // 'reopened' told the cart already.
      if (r === 'open') this.o.toCart(cart.gatewayId, sessionId, { kind: 'ready', iceServers: this.cartIceServers(sessionId) });
    });
  }

  private cartIceServers(sessionId: string): Extract<UnitToCart, { kind: 'ready' }>['iceServers'] {
    return this.o.iceServers(sessionId, 'cart') as Extract<UnitToCart, { kind: 'ready' }>['iceServers'];
  }

  private deliver(sessionId: string, member: string, m: UnitToPage): void {
    if (member === SPECIALIST_MEMBER) this.owners.get(sessionId)?.page.send({ sessionId, ...m });
    else if (member === CART_MEMBER) {
      const cart = this.o.cartOf(sessionId);
      if (!cart) return;
      if (m.type === 'unit-ice') {
        const c = m.candidate;
        this.o.toCart(cart.gatewayId, sessionId, {
          kind: 'ice',
          candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null },
        });
      } else if (m.type === 'unit-slots') this.o.toCart(cart.gatewayId, sessionId, { kind: 'slots', slots: m.slots });
      else if (m.type === 'unit-specialist') this.o.toCart(cart.gatewayId, sessionId, { kind: 'specialist', inRoom: m.inRoom });
      else if (m.type === 'unit-direct-probe') return;
      else this.o.toCart(cart.gatewayId, sessionId, { kind: 'answer', sdp: m.sdp });
    } else this.o.participants.find(member)?.send(m);
  }
}
