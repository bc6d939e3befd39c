/**
 * The cart's patient list, cloud → gateway: retained on telecart/v1/gw/{gatewayId}/patients (QoS 1),
 * republished whole whenever the cloud's patient directory changes a patient of that cart (admitted,
 * transferred in or out, discharged, merged, identity updated). A cart that (re)connects gets the
 * last list at once; only that cart may read it (broker ACL). The INS travels only when the identity
 * is qualified: an unqualified one is not shared (docs/patient-directory.md). The same list carries
 * the cart's device-user mappings kept in the cloud (a shared scale's user 2 → a resident): only to
 * patients on the list. A list without `deviceUsers` (an older cloud) leaves the cart's configured ones.
 */
import { type Static, Type } from '@sinclair/typebox';
import { GatewayId, IsoDateTime } from './common.js';
import { PatientRef } from './observation.js';

export const CartPatient = Type.Object(
  {
    /** What this cart calls the patient (its readings' patient.id). */
    localId: Type.String({ minLength: 1, maxLength: 64 }),
    family: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
    given: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
    birthDate: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()]),
    ins: Type.Optional(PatientRef.properties.ins),
    insOid: Type.Optional(PatientRef.properties.insOid),
  },
  { additionalProperties: false },
);
export type CartPatient = Static<typeof CartPatient>;

/** A multi-user device's user (the index it puts on its readings) belongs to this patient of the list. */
export const CartDeviceUser = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }),
    userIndex: Type.Integer({ minimum: 0, maximum: 254 }),
    /** A `localId` of this list's patients. */
    localId: CartPatient.properties.localId,
  },
  { additionalProperties: false },
);
export type CartDeviceUser = Static<typeof CartDeviceUser>;

export const CartPatients = Type.Object(
  {
    gatewayId: GatewayId,
    /** When the cloud built the list. */
    at: IsoDateTime,
    patients: Type.Array(CartPatient, { maxItems: 2000 }),
    deviceUsers: Type.Optional(Type.Array(CartDeviceUser, { maxItems: 2000 })),
  },
  { additionalProperties: false, $id: 'CartPatients' },
);
export type CartPatients = Static<typeof CartPatients>;
