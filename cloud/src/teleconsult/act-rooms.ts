/**
 * The acts' rooms on the forwarding unit (cloud/src/media/forwarding-unit/, docs/conversation.md):
 * one room per act, opened when the specialist admits a guest, closed when the act ends. Each
 * participant's page (the specialist's, each guest's, the cart's, the home patient's) has one peer
 * connection with the room; this module joins their offers, passes candidates both ways and tells each
 * page who each of its slots carries, by name, with their microphone and camera on or off. A member
 * joined as `specialistDirect` (the cart, the home patient) receives the specialist on their direct
 * conversation, never through the room, while the specialist receives them through the room only (their
 * page holds the direct conversation's senders once its room peer is connected: docs/conversation.md,
 * « The cart's conversation goes up once »): nobody hears anyone twice, and the cart's uplink carries its
 * conversation once. That holds only while the specialist's own peer with the room is up (the unit's
 * `onLive`): each `specialistDirect` member is told `unit-specialist {inRoom}` when it joins and each time
 * that changes, and sends on its direct peer again while the specialist is not in the room (their page
 * lost its room peer, is rebuilding it, or is gone): the conversation never goes silent. Who may signal for whom is the relay's business (relay.ts): here a member is
 * whoever the relay says it is, and everything it is told goes back through `deliver`.
 */
import type { IceCandidate } from '@telecart/protocol';
// Types only from the room: werift is loaded with an act's first room (deferredRoom below).
import type { ForwardingRoom, ForwardingRoomOptions, ForwardingRoomStats } from '../media/forwarding-unit/forwarding-room.js';
import { emptyRoomStats, ForwardingUnitError, type SlotAssignment } from '../media/forwarding-unit/room-messages.js';
import type { IceCandidateInit } from '../media/forwarding-unit/unit-peer.js';

/** The room's member id of the specialist's page (guests are members under their participant id). */
export const SPECIALIST_MEMBER = 'specialist';
/** The room's member id of the cart's page (its act's cart; the home patient is a member under their participant id). */
export const CART_MEMBER = 'cart';

/** One slot of a viewer's peer connection as its page labels it: the m-lines and who they carry. */
export interface LabelledSlot {
  audioMid: string | null;
  videoMid: string | null;
  /** The member the slot carries (null: empty), and their name for the label. */
  participantId: string | null;
  name: string | null;
  /** The member's microphone and camera as their page last said (absent until it said). */
  mic?: boolean;
  camera?: boolean;
  /** The unit holds their video back from this viewer: its downlink has no room for it (absent: sent). */
  videoPaused?: true;
  /** The member is the room's dominant speaker (absent: not). */
  speaking?: true;
  /** This viewer pinned the member (absent: not): their video is the last it loses. */
  pinned?: true;
}

/** A member's microphone and camera on or off. */
export interface MediaOnOff {
  mic: boolean;
  camera: boolean;
}

/** What a member's page is told by the unit. */
export type UnitToPage =
  | { type: 'unit-answer'; sdp: string }
  | { type: 'unit-ice'; candidate: IceCandidateInit }
  | { type: 'unit-slots'; slots: LabelledSlot[] }
  /**
   * To a `specialistDirect` member (the cart, the home patient): whether the specialist's peer with the room
   * is up, so that the room carries them to the specialist (their page holds its direct senders only then).
   */
  | { type: 'unit-specialist'; inRoom: boolean }
  /**
   * To the specialist's page: the unit, which owns the probes of the cart's downlink, grants it the next one: its
   * camera toward the cart, paused for that downlink, may resume now (docs/conversation.md « One owner for the
   * cart's probes »). The page answers with `downlink {videoPaused}` on its conversation, which the relay passes on.
   */
  | { type: 'unit-direct-probe' };

/** The part of a forwarding room this module uses (the real one in the cloud, the same in tests). */
export type Room = Pick<ForwardingRoom, 'join' | 'addIceCandidate' | 'leave' | 'close' | 'stats'> & {
  /** ForwardingRoom.pin, once the room is built (a deferred room waits for it). */
  pin(viewerId: string, mid: string | null): void | Promise<void>;
  /** ForwardingRoom.directVideo (absent: a room that owns no probes). */
  directVideo?(viewerId: string, paused: boolean): void | Promise<void>;
};

export interface ActRoomsOptions {
  /** A member's page gets a message of the unit (its answer comes back from join() too). */
  deliver(sessionId: string, memberId: string, message: UnitToPage): void;
  /** Builds an act's room (default: a ForwardingRoom with `room` options). */
  createRoom?: (
    o: Pick<ForwardingRoomOptions, 'onIceCandidate' | 'onAssignments' | 'onError' | 'apart' | 'onLive' | 'onDirectProbe'>,
  ) => Room;
  /** Options of the default room (hostAddresses in tests, receive buffers). */
  room?: Omit<ForwardingRoomOptions, 'onIceCandidate' | 'onAssignments' | 'onError' | 'onTracks' | 'apart' | 'onLive' | 'onDirectProbe'>;
  onError?: (sessionId: string, memberId: string, e: unknown) => void;
}

interface ActRoom {
  room: Room;
  /** Member id → name, for the labels. */
  names: Map<string, string>;
  /** Members whose offer the unit is answering: their candidates wait for it. */
  joining: Map<string, Promise<unknown>>;
  /** Members who receive the specialist on a direct peer connection: the room does not carry the specialist to them (it carries them to the specialist). */
  specialistDirect: Set<string>;
  /** Members' microphone and camera, as their pages said. */
  media: Map<string, MediaOnOff>;
  /** Each viewer's last slots, to label them again when a source's microphone or camera changes. */
  slots: Map<string, SlotAssignment[]>;
  /** The specialist's peer with the room is up (the unit's onLive): what `specialistDirect` members are told. */
  specialistLive: { value: boolean };
  /** What the specialist's page last said of its camera toward each `specialistDirect` member (paused): told to the room again at a join. */
  direct: Map<string, boolean>;
}

/**
 * A room whose unit is built once its module is loaded: werift (250 ms of CPU, with an x509 of its
 * own) is loaded by an act's first room, not by every cloud's start (docs/region.md, « A cloud
 * instance's start »). Calls made meanwhile wait for it; a failed load fails them.
 */
export function deferredRoom(make: () => Promise<Room>): Room {
  let real: Room | undefined;
  const ready = make().then((r) => {
    real = r;
    return r;
  });
  // Seen by whichever call awaits it; not an unhandled rejection when none does.
  ready.catch(() => undefined);
  return {
    join: async (id, request) => (await ready).join(id, request),
    addIceCandidate: async (id, candidate) => (await ready).addIceCandidate(id, candidate),
    leave: async (id) => (await ready).leave(id),
    close: async () => (await ready).close(),
    pin: async (id, mid) => (await ready).pin(id, mid),
    directVideo: async (id, paused) => (await ready).directVideo?.(id, paused),
    stats: (): ForwardingRoomStats => real?.stats() ?? emptyRoomStats(),
  };
}

export class ActRooms {
  private readonly rooms = new Map<string, ActRoom>();

  constructor(private readonly o: ActRoomsOptions) {}

  /** Opens the act's room (a guest was admitted); an open one is kept. */
  open(sessionId: string): void {
    if (this.rooms.has(sessionId)) return;
    const names = new Map<string, string>();
    const specialistDirect = new Set<string>();
    const media = new Map<string, MediaOnOff>();
    const last = new Map<string, SlotAssignment[]>();
    const specialistLive = { value: false };
    const hooks: Pick<ForwardingRoomOptions, 'onIceCandidate' | 'onAssignments' | 'onError' | 'apart' | 'onLive' | 'onDirectProbe'> = {
      onIceCandidate: (id, candidate) => this.o.deliver(sessionId, id, { type: 'unit-ice', candidate }),
      onAssignments: (viewer, slots) => {
        last.set(viewer, slots);
        this.o.deliver(sessionId, viewer, { type: 'unit-slots', slots: label(slots, names, media) });
      },
      onError: (id, e) => this.o.onError?.(sessionId, id, e),
      onDirectProbe: (viewer) => {
        if (specialistDirect.has(viewer)) this.o.deliver(sessionId, SPECIALIST_MEMBER, { type: 'unit-direct-probe' });
      },
      apart: (viewer, source) => source === SPECIALIST_MEMBER && specialistDirect.has(viewer),
      onLive: (id, live) => {
        if (id !== SPECIALIST_MEMBER || specialistLive.value === live) return;
        specialistLive.value = live;
        for (const m of specialistDirect) if (names.has(m)) this.o.deliver(sessionId, m, { type: 'unit-specialist', inRoom: live });
      },
    };
    const room = this.o.createRoom
      ? this.o.createRoom(hooks)
      : deferredRoom(async () => {
          const { ForwardingRoom } = await import('../media/forwarding-unit/forwarding-room.js');
          return new ForwardingRoom({ ...this.o.room, ...hooks });
        });
    this.rooms.set(sessionId, { room, names, joining: new Map(), specialistDirect, media, slots: last, specialistLive, direct: new Map() });
  }

  isOpen(sessionId: string): boolean {
    return this.rooms.has(sessionId);
  }

  /** Whether this member is in the act's room. */
  has(sessionId: string, memberId: string): boolean {
    return this.rooms.get(sessionId)?.names.has(memberId) ?? false;
  }

  /**
   * A member's offer (its microphone and camera, and a receive slot per other participant it may
   * see): the unit's answer. A member already in the room is replaced (a reload, a new peer
   * connection): its old peer leaves first. Refused (ForwardingUnitError) when the room is not open
   * or the offer is bad; the room goes on.
   */
  async join(sessionId: string, memberId: string, name: string, offer: string, o: { specialistDirect?: boolean } = {}): Promise<string> {
    const r = this.rooms.get(sessionId);
    if (!r) throw new ForwardingUnitError(`no room is open for act ${sessionId}: the specialist has admitted no guest`);
    if (r.names.has(memberId)) await this.leave(sessionId, memberId);
    // Named (and kept from receiving the specialist) before the join: the assignments it triggers use both.
    r.names.set(memberId, name);
    if (o.specialistDirect) r.specialistDirect.add(memberId);
    else r.specialistDirect.delete(memberId);
    const joined = r.room.join(memberId, { offer });
    r.joining.set(memberId, joined);
    try {
      const { answer } = await joined;
      const paused = r.direct.get(memberId);
      if (o.specialistDirect && paused !== undefined) await r.room.directVideo?.(memberId, paused);
      // Where the specialist stands now; told again each time it changes.
      if (o.specialistDirect) this.o.deliver(sessionId, memberId, { type: 'unit-specialist', inRoom: r.specialistLive.value });
      return answer;
    } catch (e) {
      r.names.delete(memberId);
      throw e;
    } finally {
      if (r.joining.get(memberId) === joined) r.joining.delete(memberId);
    }
  }

  async addIceCandidate(sessionId: string, memberId: string, c: IceCandidate): Promise<void> {
    const r = this.rooms.get(sessionId);
    if (!r?.names.has(memberId)) throw new ForwardingUnitError(`ICE candidate for ${memberId}, who is not in act ${sessionId}'s room`);
    // A candidate trickled right behind the offer: after the answer (a failed join refuses it below).
    await r.joining.get(memberId)?.catch(() => undefined);
    await r.room.addIceCandidate(memberId, { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null });
  }

  /** A member leaves (a guest removed or gone, the specialist's page closed): their slots free up. Returns whether they were in. */
  async leave(sessionId: string, memberId: string): Promise<boolean> {
    const r = this.rooms.get(sessionId);
    if (!r?.names.has(memberId)) return false;
    r.names.delete(memberId);
    r.slots.delete(memberId);
    await r.room.leave(memberId);
    return true;
  }

  /**
   * A member's microphone or camera went on or off: every viewer whose slot carries them is told
   * (`unit-slots` again, with `mic` and `camera`). Kept for a member not in yet (said before its offer).
   */
  setMedia(sessionId: string, memberId: string, m: MediaOnOff): void {
    const r = this.rooms.get(sessionId);
    if (!r) return;
    r.media.set(memberId, { mic: m.mic, camera: m.camera });
    for (const [viewer, slots] of r.slots) {
      if (slots.some((s) => s.source === memberId))
        this.o.deliver(sessionId, viewer, { type: 'unit-slots', slots: label(slots, r.names, r.media) });
    }
  }

  /**
   * The specialist's page says its camera toward a `specialistDirect` member (the cart) paused for that member's
   * downlink, or sent again (its conversation's `downlink {videoPaused}`): the room's probes of that downlink take
   * turns with it (probe-owner.ts). Kept for a member not in yet, told again at its join.
   */
  async directVideo(sessionId: string, memberId: string, paused: boolean): Promise<void> {
    const r = this.rooms.get(sessionId);
    if (!r) return;
    r.direct.set(memberId, paused);
    if (!r.names.has(memberId) || r.joining.has(memberId)) return;
    await r.room.directVideo?.(memberId, paused);
  }

  /**
   * A member pins the participant one of its slots carries (`mid`: one of that slot's m-lines; null:
   * no pin). Refused (ForwardingUnitError) when the member is not in the room, or the m-line is none
   * of its slots or carries nobody; the slots it is told next say `pinned`.
   */
  async pin(sessionId: string, memberId: string, mid: string | null): Promise<void> {
    const r = this.rooms.get(sessionId);
    if (!r?.names.has(memberId)) throw new ForwardingUnitError(`pin for ${memberId}, who is not in act ${sessionId}'s room`);
    await r.joining.get(memberId)?.catch(() => undefined);
    await r.room.pin(memberId, mid);
  }

  /** The act ended: every peer connection of its room closes. Returns the members that were in. */
  async close(sessionId: string): Promise<string[]> {
    const r = this.rooms.get(sessionId);
    if (!r) return [];
    this.rooms.delete(sessionId);
    const members = [...r.names.keys()];
    await r.room.close();
    return members;
  }

  /** Every room closed (the cloud stops). */
  async closeAll(): Promise<void> {
    for (const id of [...this.rooms.keys()]) await this.close(id);
  }

  /** The act's room's counters (the unit's packets in and out), or null when none is open. */
  stats(sessionId: string): ReturnType<Room['stats']> | null {
    return this.rooms.get(sessionId)?.room.stats() ?? null;
  }
}

function label(slots: SlotAssignment[], names: Map<string, string>, media: Map<string, MediaOnOff>): LabelledSlot[] {
  return slots.map((s) => {
    const m = s.source === null ? undefined : media.get(s.source);
    return {
      audioMid: s.audioMid,
      videoMid: s.videoMid,
      participantId: s.source,
      name: s.source === null ? null : (names.get(s.source) ?? null),
      ...(m ? { mic: m.mic, camera: m.camera } : {}),
      ...(s.videoPaused ? { videoPaused: true as const } : {}),
      ...(s.speaking ? { speaking: true as const } : {}),
      ...(s.pinned ? { pinned: true as const } : {}),
    };
  });
}
