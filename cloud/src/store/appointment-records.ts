/**
 * What the cloud keeps about appointments (migration 11). An appointment is not a second record
 * beside the act: it is the act's own teleconsultations row, created ahead with status `scheduled`
 * and the booked slot, so one status machine (teleconsult/status-machine.ts) covers both. When the
 * cart calls for the patient in the slot's window, the row takes the call's session id and moves to
 * `waiting`; from there the relay runs it like any other act.
 */
import type { TeleconsultStatus } from '@telecart/protocol';
import type { ConsentRecord } from './teleconsult-records.js';

export interface AppointmentRecord {
  /** Stable id (the FHIR Appointment id), kept when the call claims the act. */
  id: string;
  /** The act's session id: the appointment id until the cart's call claims it, then the call's. */
  sessionId: string;
  /** The cart or home kit. */
  gatewayId: string;
  /** The cloud's patient id. */
  patientId: string;
  /** The act's patientId: the cloud's id until the cart's call claims it, then the cart's own id for the patient. */
  localPatientId: string;
  start: string;
  end: string;
  /** The named specialist, or null for the specialty's pool. */
  specialistId: string | null;
  /** The pool's specialty, when no one is named. */
  specialty: string | null;
  reason: string | null;
  status: TeleconsultStatus;
  /** Why it ended as it did: e.g. `no-show`, `technical-failure`, the relay's outcomes. */
  outcome: string | null;
  bookedBy: string;
  bookedAt: string;
  updatedAt: string;
}

export interface AppointmentBooking {
  id: string;
  gatewayId: string;
  patientId: string;
  localPatientId: string;
  patientIns: string | null;
  start: string;
  end: string;
  specialistId: string | null;
  specialty: string | null;
  reason: string | null;
  bookedBy: string;
  at: string;
}

/** Refused because another active appointment holds the cart (or the patient) in that slot. */
export interface AppointmentOverlap {
  ok: false;
  error: 'overlap';
  other: AppointmentRecord;
}

export type BookResult = { ok: true; appointment: AppointmentRecord } | AppointmentOverlap;

export type ChangeResult =
  | { ok: true; appointment: AppointmentRecord }
  | AppointmentOverlap
  | { ok: false; error: 'not-found' }
  /** The act is no longer scheduled (or the move is not one the status machine allows). */
  | { ok: false; error: 'bad-status'; appointment: AppointmentRecord; message: string };

export interface AppointmentQuery {
  /** Slots starting at or after. */
  from?: Date;
  /** Slots starting at or before. */
  to?: Date;
  gatewayIds?: readonly string[];
  gatewayPatterns?: readonly string[];
  patientId?: string;
  /** Named to this specialist. */
  specialistId?: string;
  status?: readonly TeleconsultStatus[];
  limit?: number;
  offset?: number;
}

/** A cart's call for a patient: the appointment it claims, if one is due now. */
export interface AppointmentClaim {
  gatewayId: string;
  /** The cloud's patient id the cart's local id maps to. */
  patientId: string;
  /** The id the cart called with: the act's patientId from now on (what the cart knows the patient by). */
  localPatientId: string;
  sessionId: string;
  consent: ConsentRecord;
  at: Date;
  /** How early before its start, and how late after it, a call takes the appointment. */
  earlyMs: number;
  lateMs: number;
}
