/**
 * The cart's day, cloud → gateway: retained on telecart/v1/gw/{gatewayId}/agenda (QoS 1), so a
 * cart that (re)connects gets the latest at once. Replaced whole on every change (an appointment
 * booked, moved, closed or claimed; a report signed; local midnight).
 *
 * Patients are named by the cart's own local ids, never the cloud's nor another cart's. Each
 * document carries a download link issued for this cart: expiring, opening that one version.
 */
import { type Static, Type } from '@sinclair/typebox';
import { GatewayId, IsoDateTime, Uuid } from './common.js';
import { TeleconsultStatus } from './rtc.js';

export const AGENDA_VERSION = 1;

const LocalPatientId = Type.String({ minLength: 1, maxLength: 64, description: "the cart's own id for the patient" });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const AgendaAct = Type.Object(
  {
    /** The appointment id (the FHIR Appointment id). */
    id: Text(64),
    start: IsoDateTime,
    end: IsoDateTime,
    patient: LocalPatientId,
    /** The named specialist's display name, or null for a specialty's pool. */
    specialist: Type.Union([Text(128), Type.Null()]),
    specialty: Type.Union([Text(128), Type.Null()]),
    status: TeleconsultStatus,
    reason: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type AgendaAct = Static<typeof AgendaAct>;

export const AgendaDocument = Type.Object(
  {
    /** The signed version's id (the FHIR DocumentReference id). */
    id: Uuid,
    patient: LocalPatientId,
    title: Text(200),
    /** When it was signed. */
    date: IsoDateTime,
    signer: Text(128),
    version: Type.Integer({ minimum: 1 }),
    /** The cloud's download link for this cart (http(s), token in the path). */
    url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 }),
    expiresAt: IsoDateTime,
  },
  { additionalProperties: false },
);
export type AgendaDocument = Static<typeof AgendaDocument>;

export const CartAgenda = Type.Object(
  {
    v: Type.Literal(AGENDA_VERSION),
    gatewayId: GatewayId,
    /** When the cloud built it. */
    at: IsoDateTime,
    /** The local day its acts are of (the cloud's time zone). */
    day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    timeZone: Text(64),
    /** The acts of the day, earliest first. */
    acts: Type.Array(AgendaAct, { maxItems: 500 }),
    /** The signed documents of the patients the cart serves, newest first. */
    documents: Type.Array(AgendaDocument, { maxItems: 2000 }),
  },
  { additionalProperties: false, $id: 'CartAgenda' },
);
export type CartAgenda = Static<typeof CartAgenda>;
