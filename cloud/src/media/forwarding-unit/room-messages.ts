/**
 * What the forwarding unit takes from and gives to the signaling, without werift: the offer and
 * candidate bodies, the error a participant's bad input raises, and a viewer's slot. Kept apart from
 * forwarding-room.ts so that the signaling (teleconsult/act-rooms.ts) can use them while werift
 * is loaded only with an act's first room (docs/region.md, « A cloud instance's start »).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { ForwardingRoomStats } from './forwarding-room.js';

export const JoinRequest = Type.Object({ offer: Type.String({ minLength: 10, maxLength: 100_000 }) }, { additionalProperties: false });
export type JoinRequest = Static<typeof JoinRequest>;

export const IceCandidateBody = Type.Object(
  {
    candidate: Type.String({ maxLength: 1000 }),
    sdpMid: Type.Union([Type.String({ maxLength: 32 }), Type.Null()]),
    sdpMLineIndex: Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()]),
    // What a browser's RTCIceCandidate.toJSON() adds; not needed (one ICE session per peer).
    usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  },
  { additionalProperties: false },
);

/** Bad input from a participant: refused with what was wrong, the room goes on. */
export class ForwardingUnitError extends Error {}

export interface SlotAssignment {
  slot: number;
  /** The viewer's m-lines that carry this slot. */
  audioMid: string | null;
  videoMid: string | null;
  source: string | null;
  /** The unit holds this slot's video back: the viewer's downlink has no room for it (its audio goes on). */
  videoPaused: boolean;
  /** The slot carries the room's dominant speaker (active-speaker.ts). */
  speaking: boolean;
  /** The viewer pinned the slot's participant (`room.pin`): their video is the last it loses. */
  pinned: boolean;
}

/** A room's counters before any traffic: a new room's, and a deferred room's until werift is loaded (act-rooms.ts). */
export function emptyRoomStats(): ForwardingRoomStats {
  return {
    participants: 0,
    rtpIn: { packets: 0, bytes: 0 },
    rtpOut: { packets: 0, bytes: 0 },
    dropped: { padding: 0, unknownPayloadType: 0, tooOld: 0, notConnected: 0, videoPaused: 0, awaitingKeyframe: 0 },
    sendErrors: 0,
    keyframeRequests: { fromViewers: 0, plisToSources: 0, coalesced: 0 },
    keyframeWaits: { started: 0, keyframe: 0, timedOut: 0, longestMs: 0, askedAgain: 0 },
    senderReports: { fromSources: 0, toViewers: 0 },
    speaker: null,
    members: {},
  };
}
