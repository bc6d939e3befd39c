/** What the nurse API sends the page, as far as the page reads it (gateway/src/http/server.ts). */

export interface Patient {
  id: string;
  /** Null for a patient the cloud's directory knows by id only. */
  family: string | null;
  given: string | null;
  room?: string;
}

/** The `patients` event: the cart's list changed (the cloud sent a new one). */
export interface PatientList {
  source: 'cloud' | 'config';
  at: string | null;
  patients: Patient[];
}

export interface Quantity {
  value: number;
  unit: string;
  comparator?: string;
}

export interface Coded {
  code: { loinc: string; display: string };
  value?: Quantity;
  components?: { value: Quantity }[];
}

export interface Observation extends Coded {
  seq: number;
  time: { effective: string };
  status?: string;
  patient?: { id: string };
}

export interface ReadingEvent {
  observation: Observation;
}

export interface ReadingList {
  readings: ReadingEvent[];
}

export interface Status {
  currentPatient: Patient | null;
  backlog?: { rejected?: number; capacity?: { level?: string } };
  rejectedByCloud?: { reason?: string | null }[];
}

export interface Act {
  sessionId: string;
  status: string;
  specialist: { name: string } | null;
  patientId: string | null;
  specialistLink?: string;
  refused?: string;
}

export interface CallReply {
  sessionId: string;
  status?: string;
}

/** The nurse signed in on the cart (routes/nurse.ts). */
export interface SignedNurse {
  id: string;
  name: string;
}

/** GET /api/nurse/session. */
export interface NurseSession {
  nurse: SignedNurse | null;
  lockAfterSeconds: number;
  required: boolean;
}

/** One of GET /api/nurse/nurses: the nurses allowed on this cart. */
export interface CartNurse {
  id: string;
  name: string;
  hasPin: boolean;
  locked: boolean;
}

/** The badge event of /api/events: null for a badge of no nurse of this cart. */
export interface BadgeTap {
  nurse: SignedNurse | null;
}
