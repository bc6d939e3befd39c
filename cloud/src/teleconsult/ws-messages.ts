/**
 * The WebSocket between the specialist's page and the cloud (GET /consult/ws, after login).
 * Browser → cloud messages are validated here; cloud → browser ones are typed for the relay.
 */
import { type Static, type TObject, type TUnion, Type } from '@sinclair/typebox';
import {
  ConvoFromCart,
  ConvoFromSpecialist,
  type ConvoToSpecialist,
  compile,
  formatIssues,
  IceCandidate,
  type SpecialistLink,
  type TeleconsultStatus,
  Uuid,
} from '@telecart/protocol';
import type { ConsentRecord } from '../store/teleconsult-records.js';
import type { VitalsSummary } from '../vitals/summary.js';
import type { UnitToPage } from './act-rooms.js';
import type { ParticipantView } from './participants.js';

const Sdp = Type.String({ minLength: 1, maxLength: 65_536 });
/** A page's pin: one of its receive slot's m-lines (mid), or null for no pin; the unit checks it is one of the page's slots. */
const PinnedMid = Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()]);

export const BrowserMessage = Type.Union(
  [
    /**
     * Take the call out of the waiting room: the cloud tells the cart to start (RtcDown `start`).
     * Also the rejoin of an act whose page went away (same specialist, within the grace period):
     * the cart starts a fresh peer connection.
     */
    Type.Object(
      {
        type: Type.Literal('join'),
        sessionId: Uuid,
        media: Type.Optional(
          Type.Object({ video: Type.Boolean(), audio: Type.Boolean(), ecg: Type.Boolean() }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object({ type: Type.Literal('answer'), sessionId: Uuid, sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('ice'), sessionId: Uuid, candidate: IceCandidate }, { additionalProperties: false }),
    /** Finish (finalise) the act, or give up on it. */
    Type.Object(
      { type: Type.Literal('hangup'), sessionId: Uuid, reason: Type.Optional(Type.String({ maxLength: 200 })) },
      { additionalProperties: false },
    ),
    /** Conversation signaling for the cart's page (the joined specialist only). */
    Type.Object({ type: Type.Literal('convo'), sessionId: Uuid, signal: ConvoFromSpecialist }, { additionalProperties: false }),
    /** Let a waiting participant (home patient, guest) into the act, or send them away (participants.ts). */
    Type.Object({ type: Type.Literal('admit'), sessionId: Uuid, participantId: Uuid }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('refuse'), sessionId: Uuid, participantId: Uuid }, { additionalProperties: false }),
    /**
     * The conversation with an admitted participant (participant-signaling.ts): the specialist's
     * page offers, as the cart's page does with the specialist (offer, ice, media).
     */
    Type.Object(
      { type: Type.Literal('participant-signal'), sessionId: Uuid, participantId: Uuid, signal: ConvoFromCart },
      { additionalProperties: false },
    ),
    /**
     * The page decoded the home patient (their video frames or voice, 3 s in a row: home-call.ts). With the
     * patient's page's `media-up`, the act's media are up: its duration counts from then and a hang-up
     * finalises it; an act whose media never flowed both ways ends not done. The joined specialist's page
     * only; any later one changes nothing. Answered `home-media-up-stored` once in the store; the page says it
     * again on each new socket until then.
     */
    Type.Object({ type: Type.Literal('home-media-up'), sessionId: Uuid }, { additionalProperties: false }),
    /**
     * The page's one peer connection with the act's room on the forwarding unit (unit-signaling.ts),
     * once it admitted a guest: its offer (microphone, camera, a receive slot per other participant)
     * and its candidates. The page that admitted the act's guests only.
     */
    Type.Object({ type: Type.Literal('unit-offer'), sessionId: Uuid, sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('unit-ice'), sessionId: Uuid, candidate: IceCandidate }, { additionalProperties: false }),
    /** The page's microphone and camera in the room on or off: the others' slots of it say so. */
    Type.Object(
      { type: Type.Literal('unit-media'), sessionId: Uuid, mic: Type.Boolean(), camera: Type.Boolean() },
      { additionalProperties: false },
    ),
    /** The page pins the participant one of its slots carries (by one of the slot's m-lines; null: no pin). */
    Type.Object({ type: Type.Literal('unit-pin'), sessionId: Uuid, mid: PinnedMid }, { additionalProperties: false }),
  ],
  { $id: 'ConsultBrowserMessage' },
);
export type BrowserMessage = Static<typeof BrowserMessage>;

/**
 * What a participant's page (home patient, guest) may send on its socket (GET /join/:token/ws,
 * GET /guest/:token/ws): the conversation's answer side only (ready, answer, ice, media). Anything
 * else, a specialist's message above all (join, hangup, PTZ, report), is refused.
 */
export const ParticipantMessage = Type.Union(
  [
    Type.Object({ type: Type.Literal('signal'), signal: ConvoFromSpecialist }, { additionalProperties: false }),
    /**
     * A guest's (or, with a guest in, the home patient's) one peer connection with the act's room on
     * the forwarding unit (unit-signaling.ts): no participant or act named, the socket says who and where.
     */
    Type.Object({ type: Type.Literal('unit-offer'), sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('unit-ice'), candidate: IceCandidate }, { additionalProperties: false }),
    /** Their microphone and camera on or off (the mute and camera buttons): the others' slots of them say so. */
    Type.Object({ type: Type.Literal('unit-media'), mic: Type.Boolean(), camera: Type.Boolean() }, { additionalProperties: false }),
    /** They pin the participant one of their slots carries (by one of the slot's m-lines; null: no pin). */
    Type.Object({ type: Type.Literal('unit-pin'), mid: PinnedMid }, { additionalProperties: false }),
    /**
     * The home patient's page decoded the specialist (video frames or voice, 3 s in a row): with the specialist's
     * page's `home-media-up`, the act's media are up (home-acts.ts). The admitted home patient only.
     */
    Type.Object({ type: Type.Literal('media-up') }, { additionalProperties: false }),
  ],
  { $id: 'ParticipantMessage' },
);
export type ParticipantMessage = Static<typeof ParticipantMessage>;

/** What the waiting room shows of an act (patient names come from the cloud's patient list). */
export interface SessionView {
  sessionId: string;
  gatewayId: string;
  patient: { id: string; ins: string | null; family: string | null; given: string | null; birthDate: string | null };
  reason: string | null;
  /** The consent recorded with the act (null only for acts from before consent was recorded). */
  consent: ConsentRecord | null;
  status: TeleconsultStatus;
  createdAt: string;
  specialist: { id: string; name: string } | null;
  /** True when this act was asked of the specialist reading it. */
  forYou: boolean;
  /** In progress: whether the specialist who joined is there or reconnecting; null otherwise. */
  specialistLink: SpecialistLink | null;
  /** True when the specialist reading it joined this act, left (reload, lost connection) and may rejoin it now. */
  rejoin: boolean;
}

export type CloudMessage =
  | { type: 'hello'; specialist: { id: string; name: string } }
  | { type: 'waiting-room'; sessions: SessionView[] }
  | { type: 'joined'; sessionId: string; iceServers: unknown[] }
  | { type: 'session'; session: SessionView; outcome: string | null }
  | { type: 'offer'; sessionId: string; sdp: string }
  | { type: 'ice'; sessionId: string; candidate: Static<typeof IceCandidate> }
  | { type: 'state'; sessionId: string; state: string; detail?: string }
  /** The act's patient's latest vitals (vitals/summary.ts), on join and when they change. */
  | { type: 'vitals'; sessionId: string; vitals: VitalsSummary }
  /** The cart's page's conversation signaling (validated by the relay as RtcUp). */
  | { type: 'convo'; sessionId: string; signal: ConvoToSpecialist }
  /** Who waits for or is in an act besides the cart (participants.ts), to the specialists who may admit them. */
  | { type: 'participants'; sessionId: string; participants: ParticipantView[] }
  /** To the page that admitted a participant: the act's TURN credentials for the conversation with them. */
  | { type: 'participant-admitted'; sessionId: string; participantId: string; iceServers: unknown[] }
  /** An admitted participant's conversation signaling (ParticipantMessage), to the page that admitted them. */
  | { type: 'participant-signal'; sessionId: string; participantId: string; signal: ConvoFromSpecialist }
  /** The page's `home-media-up` is in the store: it need not say it again (until then it does, on each new socket). */
  | { type: 'home-media-up-stored'; sessionId: string }
  /** The act's room on the forwarding unit is open for this page (it admitted a guest): offer, with these ICE servers. */
  | { type: 'unit-ready'; sessionId: string; iceServers: unknown[] }
  /** The unit's side of the page's peer connection with the act's room (unit-signaling.ts). */
  | ({ sessionId: string } & UnitToPage)
  /** The act's room closed (the act ended): the page's peer connection with it goes. */
  | { type: 'unit-closed'; sessionId: string; reason: string }
  | { type: 'error'; message: string; sessionId?: string };

/**
 * What is wrong in a message that failed its union, said against the one member its `type` names
 * (a union's own error, "Expected union value", says nothing); null when no member has that type.
 */
export function issuesOfType(union: TUnion<TObject[]>, json: unknown): string | null {
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  const member = union.anyOf.find((m) => (m.properties.type as { const?: unknown } | undefined)?.const === type);
  if (!member) return null;
  const v = compile(member).validate(json);
  return v.ok ? null : formatIssues(v.issues);
}
