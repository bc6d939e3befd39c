/**
 * What the consultation page reads of the WebSocket, as the cloud sends it
 * (teleconsult/ws-messages.ts), and what it sends back.
 * Types only: the browser checks what it relies on before use.
 */

import type { ConvoSignal, UnitOut } from '@telecart/ui/browser';

export interface Specialist {
  id: string;
  name: string;
}

export interface Consent {
  by: 'patient' | 'representative';
  method: 'oral' | 'written';
  representative?: { name: string; relation: string } | null;
  collectedAt: string;
  /** Who collected it: the nurse signed in on the cart who placed the call, when the cart names one. */
  collectedBy?: string | null;
}

/** An act as the waiting room shows it. */
export interface SessionView {
  sessionId: string;
  gatewayId: string;
  patient: { id: string; ins: string | null; family: string | null; given: string | null; birthDate: string | null };
  reason: string | null;
  consent: Consent | null;
  status: string;
  createdAt: string;
  specialist: Specialist | null;
  forYou: boolean;
  specialistLink: string | null;
  rejoin: boolean;
}

/** One of the act's patient's latest vitals (cloud: vitals/summary.ts). */
export interface VitalReading {
  key: string;
  /** One number, or [systolic, diastolic]. */
  values: number[];
  unitDisplay: string;
  effective: string;
  flags: string[];
}

export type CloudMessage =
  | { type: 'hello'; specialist: Specialist }
  | { type: 'waiting-room'; sessions: SessionView[] }
  | { type: 'joined'; sessionId: string; iceServers?: RTCIceServer[] }
  | { type: 'session'; sessionId?: undefined; session: SessionView; outcome: string | null }
  | { type: 'offer'; sessionId: string; sdp: string }
  | { type: 'ice'; sessionId: string; candidate: RTCIceCandidateInit }
  | { type: 'state'; sessionId: string; state: string }
  | { type: 'vitals'; sessionId: string; vitals: Record<string, VitalReading | undefined> }
  | { type: 'convo'; sessionId: string; signal: ConvoSignal }
  | { type: 'participants'; sessionId: string; participants: Participant[] }
  | { type: 'participant-admitted'; sessionId: string; participantId: string; iceServers: RTCIceServer[] }
  | { type: 'participant-signal'; sessionId: string; participantId: string; signal: ConvoSignal }
  /** This page's `home-media-up` is in the store (home-call.ts). */
  | { type: 'home-media-up-stored'; sessionId: string }
  /** The act's room on the forwarding unit (unit-room.ts): ready, answer, ice, slots, closed. */
  | { type: 'unit-ready' | 'unit-answer' | 'unit-ice' | 'unit-slots' | 'unit-closed'; sessionId: string; [k: string]: unknown }
  /** The unit owns the probes of the cart's downlink and grants this page the next one (conversation.ts onDirectProbe). */
  | { type: 'unit-direct-probe'; sessionId: string }
  | { type: 'error'; message: string; sessionId?: string };

/** Who waits to be let into an act from their link (cloud teleconsult/participants.ts). */
export interface Participant {
  id: string;
  name: string;
  role: 'patient' | 'guest';
  state: 'waiting' | 'admitted';
  since: string;
}

export type BrowserMessage =
  | { type: 'join'; sessionId: string; media: { video: boolean; audio: boolean; ecg: boolean } }
  | { type: 'answer'; sessionId: string; sdp: string }
  | { type: 'ice'; sessionId: string; candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } }
  | { type: 'hangup'; sessionId: string }
  | { type: 'home-media-up'; sessionId: string }
  | { type: 'convo'; sessionId: string; signal: Exclude<ConvoSignal, { kind: 'offer' }> }
  | { type: 'admit' | 'refuse'; sessionId: string; participantId: string }
  | { type: 'participant-signal'; sessionId: string; participantId: string; signal: Exclude<ConvoSignal, { kind: 'ready' | 'answer' }> }
  | ({ sessionId: string } & UnitOut);
