/**
 * Nurses on a cart.
 *
 * CartNurses, cloud → gateway, retained on telecart/v1/gw/{gatewayId}/nurses (QoS 1): the nurses
 * allowed on this cart with what the cart needs to check them offline — the SHA-256 of their
 * badge's UID and the scrypt verifier of their PIN. Never a clear PIN nor a badge UID. Replaced
 * whole on every change (a nurse added, moved, a PIN chosen).
 *
 * NurseUp / NurseDown, on telecart/v1/gw/{gatewayId}/nurse/up and …/nurse/down (QoS 1, not
 * retained): the first full sign-in of a nurse on a cart (the cloud's login: password + TOTP code)
 * with the verifier of the PIN chosen on the cart, and the cloud's answer. The PIN never leaves the
 * cart: the cart derives the verifier itself.
 */
import { type Static, Type } from '@sinclair/typebox';
import { GatewayId, IsoDateTime } from './common.js';

export const NURSES_VERSION = 1;

const NurseId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$', description: "the nurse's account id" });
const Base64 = (min: number, max: number) => Type.String({ pattern: '^[A-Za-z0-9+/]+={0,2}$', minLength: min, maxLength: max });

/** scrypt(PIN, salt, N, r, p) → hash: what a cart checks a PIN against. */
export const PinVerifier = Type.Object(
  {
    kdf: Type.Literal('scrypt'),
    /** log2 of scrypt's cost N (14 → N = 16384). */
    logN: Type.Integer({ minimum: 14, maximum: 20 }),
    r: Type.Integer({ minimum: 8, maximum: 16 }),
    p: Type.Integer({ minimum: 1, maximum: 4 }),
    /** 16 random bytes, one salt per nurse and PIN. */
    salt: Base64(22, 24),
    /** 32 bytes. */
    hash: Base64(43, 44),
  },
  { additionalProperties: false },
);
export type PinVerifier = Static<typeof PinVerifier>;

export const CartNurse = Type.Object(
  {
    id: NurseId,
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** SHA-256 (hex) of the badge UID as the reader sends it (upper-case hex), or null: no badge. */
    badgeSha256: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()]),
    /** Null until the nurse chose a PIN at a first full sign-in. */
    pin: Type.Union([PinVerifier, Type.Null()]),
    /** When the PIN was chosen: a cart's lockout of an older PIN ends with a newer one. */
    pinSetAt: Type.Union([IsoDateTime, Type.Null()]),
  },
  { additionalProperties: false },
);
export type CartNurse = Static<typeof CartNurse>;

export const CartNurses = Type.Object(
  {
    v: Type.Literal(NURSES_VERSION),
    gatewayId: GatewayId,
    at: IsoDateTime,
    nurses: Type.Array(CartNurse, { maxItems: 500 }),
  },
  { additionalProperties: false, $id: 'CartNurses' },
);
export type CartNurses = Static<typeof CartNurses>;

const RequestId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });

/** One sign-in attempt on the cart (PIN, badge, sign-out), or what the signed-in nurse chose there (patient, assignment), for the cloud's audit trail. */
export const NurseAuditEvent = Type.Object(
  {
    at: IsoDateTime,
    /** The nurse named by the attempt (null: a badge of no nurse of this cart). */
    nurseId: Type.Union([NurseId, Type.Null()]),
    action: Type.Union(
      [
        'nurse-pin-sign-in',
        'nurse-pin-failed',
        'nurse-pin-locked',
        'nurse-badge-sign-in',
        'nurse-badge-unknown',
        'nurse-sign-out',
        // What the signed-in nurse did on the cart that names no one else (detail: the patient id and readings).
        'nurse-patient-selected',
        'nurse-patient-cleared',
        'nurse-readings-assigned',
      ].map((a) => Type.Literal(a)),
    ),
    detail: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type NurseAuditEvent = Static<typeof NurseAuditEvent>;

/** Gateway → cloud: sign-in attempts on the cart, queued in the cart's store while offline and sent in order. */
export const NurseAudit = Type.Object(
  { v: Type.Literal(NURSES_VERSION), type: Type.Literal('audit'), events: Type.Array(NurseAuditEvent, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false, $id: 'NurseAudit' },
);
export type NurseAudit = Static<typeof NurseAudit>;

/** Gateway → cloud: a nurse's full sign-in on the cart, and the verifier of the PIN they chose. */
export const NurseUp = Type.Object(
  {
    v: Type.Literal(NURSES_VERSION),
    type: Type.Literal('full-sign-in'),
    requestId: RequestId,
    nurseId: NurseId,
    password: Type.String({ minLength: 1, maxLength: 256 }),
    /** The 6-digit code of the nurse's authenticator, when the account has one. */
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    pin: PinVerifier,
  },
  { additionalProperties: false, $id: 'NurseUp' },
);
export type NurseUp = Static<typeof NurseUp>;

/** Cloud → gateway: the answer to one NurseUp. */
export const NurseDown = Type.Object(
  {
    v: Type.Literal(NURSES_VERSION),
    type: Type.Literal('full-sign-in-result'),
    requestId: RequestId,
    ok: Type.Boolean(),
    /** Why not, when refused: wrong credentials (one sentence for all), not allowed on this cart, a code needed. */
    reason: Type.Union([
      Type.Literal('credentials'),
      Type.Literal('totp-required'),
      Type.Literal('not-on-this-cart'),
      Type.Literal('throttled'),
      Type.Null(),
    ]),
    nurse: Type.Union([CartNurse, Type.Null()]),
  },
  { additionalProperties: false, $id: 'NurseDown' },
);
export type NurseDown = Static<typeof NurseDown>;
