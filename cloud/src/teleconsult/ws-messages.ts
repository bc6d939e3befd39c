/**
 * The WebSocket between the specialist's page and the cloud (GET /consult/ws, after login).
 * Browser → cloud messages are validated here; cloud → browser ones are typed for the relay.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  type ConvoFromCart,
  ConvoFromSpecialist,
  IceCandidate,
  type SpecialistLink,
  type TeleconsultStatus,
  Uuid,
} from '@telecart/protocol';
import type { ConsentRecord } from '../store/teleconsult-records.js';
import type { VitalsSummary } from '../vitals/summary.js';
import type { ParticipantView } from './participants.js';

const Sdp = Type.String({ minLength: 1, maxLength: 65_536 });

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
  ],
  { $id: 'ConsultBrowserMessage' },
);
export type BrowserMessage = Static<typeof BrowserMessage>;

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
  | { type: 'convo'; sessionId: string; signal: ConvoFromCart }
  /** Who waits for or is in an act besides the cart (participants.ts), to the specialists who may admit them. */
  | { type: 'participants'; sessionId: string; participants: ParticipantView[] }
  | { type: 'error'; message: string; sessionId?: string };
