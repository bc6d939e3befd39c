/**
 * FHIR R4 Appointment and Encounter of a teleconsultation act (pure mapping, no I/O).
 *
 * An appointment is the act booked ahead (store/appointment-records.ts): the Appointment's status
 * follows the act's, and the act is an Encounter of class VR (virtual) whose `appointment` names it.
 * The cart or home kit is a participant Device (identifier of the telecart gateway system).
 */
import { type Static, Type } from '@sinclair/typebox';
import { toFhirId } from '@telecart/devices';
import type { TeleconsultStatus } from '@telecart/protocol';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';

export const APPOINTMENT_STATUSES = [
  'proposed',
  'pending',
  'booked',
  'arrived',
  'fulfilled',
  'cancelled',
  'noshow',
  'entered-in-error',
  'checked-in',
  'waitlist',
] as const;
export type FhirAppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export const ENCOUNTER_STATUSES = [
  'planned',
  'arrived',
  'triaged',
  'in-progress',
  'onleave',
  'finished',
  'cancelled',
  'entered-in-error',
  'unknown',
] as const;

/** The gateway identifier system (carts and home kits). */
export const GATEWAY_SYSTEM = 'urn:telecart:gateway-id';

const open = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: true });
const opt = Type.Optional;
const str = () => Type.String();
const oneOf = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Coding = open({ system: opt(str()), code: opt(str()), display: opt(str()) });
const CodeableConcept = open({ coding: opt(Type.Array(Coding)), text: opt(str()) });
const Identifier = open({ system: opt(str()), value: opt(str()) });
const Reference = open({ reference: opt(str()), type: opt(str()), identifier: opt(Identifier), display: opt(str()) });
const Period = open({ start: opt(str()), end: opt(str()) });

export const FhirAppointmentSchema = open({
  resourceType: Type.Literal('Appointment'),
  id: opt(str()),
  meta: opt(open({ lastUpdated: opt(str()) })),
  status: oneOf(APPOINTMENT_STATUSES),
  cancelationReason: opt(CodeableConcept),
  serviceType: opt(Type.Array(CodeableConcept)),
  specialty: opt(Type.Array(CodeableConcept)),
  appointmentType: opt(CodeableConcept),
  reasonCode: opt(Type.Array(CodeableConcept)),
  description: opt(str()),
  start: opt(str()),
  end: opt(str()),
  minutesDuration: opt(Type.Integer({ minimum: 1 })),
  created: opt(str()),
  participant: Type.Array(
    open({
      type: opt(Type.Array(CodeableConcept)),
      actor: opt(Reference),
      required: opt(oneOf(['required', 'optional', 'information-only'])),
      status: oneOf(['accepted', 'declined', 'tentative', 'needs-action']),
    }),
    { minItems: 1 },
  ),
});
export type FhirAppointment = Static<typeof FhirAppointmentSchema>;

export const FhirEncounterSchema = open({
  resourceType: Type.Literal('Encounter'),
  id: opt(str()),
  meta: opt(open({ lastUpdated: opt(str()) })),
  status: oneOf(ENCOUNTER_STATUSES),
  class: Coding,
  serviceType: opt(CodeableConcept),
  subject: opt(Reference),
  participant: opt(Type.Array(open({ individual: opt(Reference) }))),
  appointment: opt(Type.Array(Reference)),
  period: opt(Period),
  length: opt(open({ value: opt(Type.Number()), unit: opt(str()), system: opt(str()), code: opt(str()) })),
  reasonCode: opt(Type.Array(CodeableConcept)),
});
export type FhirEncounter = Static<typeof FhirEncounterSchema>;

/** The act's status as an Appointment's: not done for a no-show is `noshow`, for any other reason `cancelled` with that reason. */
export function appointmentStatus(status: TeleconsultStatus, outcome: string | null): FhirAppointmentStatus {
  switch (status) {
    case 'scheduled':
      return 'booked';
    case 'waiting':
      return 'arrived';
    case 'in-progress':
      return 'arrived';
    case 'completed':
      return 'fulfilled';
    case 'cancelled':
      return 'cancelled';
    case 'not-done':
      return outcome === 'no-show' ? 'noshow' : 'cancelled';
  }
}

const ENCOUNTER_STATUS: Readonly<Record<TeleconsultStatus, (typeof ENCOUNTER_STATUSES)[number]>> = {
  scheduled: 'planned',
  waiting: 'arrived',
  'in-progress': 'in-progress',
  completed: 'finished',
  'not-done': 'cancelled',
  cancelled: 'cancelled',
};

export function encounterStatus(status: TeleconsultStatus): (typeof ENCOUNTER_STATUSES)[number] {
  return ENCOUNTER_STATUS[status];
}

const cartActor = (gatewayId: string) => ({ type: 'Device', identifier: { system: GATEWAY_SYSTEM, value: gatewayId }, display: gatewayId });

export function toFhirAppointment(a: AppointmentRecord, specialistName: string | null): FhirAppointment {
  const status = appointmentStatus(a.status, a.outcome);
  const minutes = Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000);
  const r: FhirAppointment = {
    resourceType: 'Appointment',
    id: a.id,
    meta: { lastUpdated: a.updatedAt },
    status,
    ...(status === 'cancelled' || status === 'noshow' ? { cancelationReason: { text: a.outcome ?? a.status } } : {}),
    serviceType: [{ text: 'teleconsultation' }],
    ...(a.specialty ? { specialty: [{ text: a.specialty }] } : {}),
    appointmentType: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE', display: 'Routine appointment' }],
    },
    ...(a.reason ? { reasonCode: [{ text: a.reason }], description: a.reason } : {}),
    start: a.start,
    end: a.end,
    minutesDuration: minutes,
    created: a.bookedAt,
    participant: [
      { actor: { reference: `Patient/${toFhirId(a.patientId)}`, type: 'Patient' }, required: 'required', status: 'accepted' },
      a.specialistId
        ? {
            actor: {
              reference: `Practitioner/${toFhirId(a.specialistId)}`,
              type: 'Practitioner',
              ...(specialistName ? { display: specialistName } : {}),
            },
            required: 'required',
            status: 'accepted',
          }
        : // The specialty's pool: whoever of it answers.
          { type: [{ text: a.specialty ?? 'specialist' }], required: 'required', status: 'needs-action' },
      { actor: cartActor(a.gatewayId), required: 'required', status: 'accepted' },
    ],
  };
  return r;
}

/**
 * The act as an Encounter (class VR, virtual): the subject is the cloud's patient (null when the
 * cart's id maps to none: no subject then), the period from the connection to the end.
 */
export function toFhirEncounter(act: TeleconsultationRecord, cloudPatientId: string | null, appointmentId: string | null): FhirEncounter {
  const start = act.connectedAt ?? act.joinedAt ?? null;
  return {
    resourceType: 'Encounter',
    id: act.sessionId,
    meta: { lastUpdated: act.updatedAt },
    status: encounterStatus(act.status),
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
    serviceType: { text: 'teleconsultation' },
    ...(cloudPatientId ? { subject: { reference: `Patient/${toFhirId(cloudPatientId)}`, type: 'Patient' } } : {}),
    ...(act.specialistId
      ? {
          participant: [
            {
              individual: {
                reference: `Practitioner/${toFhirId(act.specialistId)}`,
                type: 'Practitioner',
                ...(act.specialistName ? { display: act.specialistName } : {}),
              },
            },
          ],
        }
      : {}),
    ...(appointmentId ? { appointment: [{ reference: `Appointment/${appointmentId}`, type: 'Appointment' }] } : {}),
    ...(start ? { period: { start, ...(act.endedAt ? { end: act.endedAt } : {}) } } : {}),
    ...(act.durationMs !== null
      ? { length: { value: Math.round(act.durationMs / 1000), unit: 's', system: 'http://unitsofmeasure.org', code: 's' } }
      : {}),
    ...(act.reason ? { reasonCode: [{ text: act.reason }] } : {}),
  };
}

/** What a client may POST: the booking, read from the resource. */
export const AppointmentCreate = Type.Object(
  {
    resourceType: Type.Literal('Appointment'),
    status: Type.Union([Type.Literal('booked'), Type.Literal('proposed'), Type.Literal('pending')]),
    start: Type.String({ format: 'date-time' }),
    end: Type.Optional(Type.String({ format: 'date-time' })),
    minutesDuration: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    reasonCode: Type.Optional(Type.Array(Type.Object({ text: Type.String({ maxLength: 500 }) }), { maxItems: 4 })),
    specialty: Type.Optional(
      Type.Array(Type.Object({ text: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }), { maxItems: 1 }),
    ),
    participant: Type.Array(
      Type.Object({
        actor: Type.Optional(
          Type.Object({
            reference: Type.Optional(Type.String({ maxLength: 256 })),
            identifier: Type.Optional(Type.Object({ system: Type.Optional(Type.String()), value: Type.String({ maxLength: 64 }) })),
          }),
        ),
      }),
      { minItems: 1, maxItems: 8 },
    ),
  },
  { additionalProperties: true },
);
export type AppointmentCreate = Static<typeof AppointmentCreate>;

/** What a PUT may change: the status (cancelled, noshow, with cancelationReason) or the slot of a booked appointment. */
export const AppointmentUpdate = Type.Object(
  {
    resourceType: Type.Literal('Appointment'),
    id: Type.String({ maxLength: 64 }),
    status: Type.Union(APPOINTMENT_STATUSES.map((s) => Type.Literal(s))),
    start: Type.Optional(Type.String({ format: 'date-time' })),
    end: Type.Optional(Type.String({ format: 'date-time' })),
    cancelationReason: Type.Optional(Type.Object({ text: Type.Optional(Type.String({ maxLength: 200 })) })),
  },
  { additionalProperties: true },
);
export type AppointmentUpdate = Static<typeof AppointmentUpdate>;

/** The booking named by a POSTed Appointment's participants, or what is missing. */
export function bookingOf(r: AppointmentCreate):
  | {
      ok: true;
      patientId: string;
      gatewayId: string;
      specialistId: string | null;
      specialty: string | null;
      start: Date;
      minutes: number;
      reason: string | null;
    }
  | { ok: false; error: string } {
  let patientId: string | undefined;
  let specialistId: string | null = null;
  let gatewayId: string | undefined;
  for (const p of r.participant) {
    const ref = p.actor?.reference;
    const m = ref === undefined ? null : /^(?:.*\/)?(Patient|Practitioner|Device)\/([^/]+)$/.exec(ref);
    if (m?.[1] === 'Patient') patientId = m[2];
    else if (m?.[1] === 'Practitioner') specialistId = m[2] ?? null;
    else if (m?.[1] === 'Device') gatewayId = m[2];
    else if (p.actor?.identifier && (p.actor.identifier.system === undefined || p.actor.identifier.system === GATEWAY_SYSTEM))
      gatewayId = p.actor.identifier.value;
  }
  if (patientId === undefined) return { ok: false, error: 'participant: a Patient/<id> actor is required' };
  if (gatewayId === undefined)
    return {
      ok: false,
      error: `participant: the cart or home kit is required (Device/<gateway id>, or an identifier of ${GATEWAY_SYSTEM})`,
    };
  const start = new Date(r.start);
  let minutes = r.minutesDuration;
  if (r.end !== undefined) {
    const byEnd = (Date.parse(r.end) - start.getTime()) / 60_000;
    if (minutes !== undefined && minutes !== byEnd)
      return { ok: false, error: `end and minutesDuration disagree (${byEnd} vs ${minutes} min)` };
    minutes = byEnd;
  }
  if (minutes === undefined) return { ok: false, error: 'end or minutesDuration is required' };
  const specialty = r.specialty?.[0]?.text ?? null;
  const reason = r.reasonCode?.[0]?.text ?? r.description ?? null;
  return { ok: true, patientId, gatewayId, specialistId, specialty: specialistId === null ? specialty : null, start, minutes, reason };
}
