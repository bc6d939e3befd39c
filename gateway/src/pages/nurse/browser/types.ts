/** What the nurse API sends the page, as far as the page reads it (gateway/src/http/server.ts). */

export interface Patient {
  id: string;
  family: string;
  given: string;
  room?: string;
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
