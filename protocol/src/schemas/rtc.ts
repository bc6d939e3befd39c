/**
 * Live teleconsultation: the signaling the cloud relays between a specialist's browser (WebSocket)
 * and a cart's gateway (MQTT), and the data-channel messages between the browser and the gateway.
 *
 *   telecart/v1/gw/{gatewayId}/rtc/up     gateway → cloud   RtcUp (QoS 1)
 *   telecart/v1/gw/{gatewayId}/rtc/down   cloud → gateway   RtcDown (QoS 1)
 *
 * The gateway is the WebRTC offerer (its media are send-only); candidates trickle both ways.
 */
import { type Static, Type } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from './common.js';

export const RTC_VERSION = 1;

/** The statuses of a teleconsultation act, as the regional platforms name them. */
export const TELECONSULT_STATUSES = ['scheduled', 'waiting', 'in-progress', 'completed', 'not-done', 'cancelled'] as const;
export const TeleconsultStatus = Type.Union(
  TELECONSULT_STATUSES.map((s) => Type.Literal(s)),
  { description: 'à venir, en salle d’attente, en cours, finalisée, non réalisée, annulée' },
);
export type TeleconsultStatus = Static<typeof TeleconsultStatus>;

/**
 * While an act is in progress: whether the specialist who joined is there, or their page went
 * away (reload, lost connection) and the act waits for them to rejoin.
 */
export const SPECIALIST_LINKS = ['present', 'reconnecting'] as const;
export const SpecialistLink = Type.Union(
  SPECIALIST_LINKS.map((s) => Type.Literal(s)),
  { description: 'present, or reconnecting: the specialist’s page went away and the act waits for them to rejoin' },
);
export type SpecialistLink = Static<typeof SpecialistLink>;

const Sdp = Type.String({ minLength: 1, maxLength: 65_536 });
export const IceCandidate = Type.Object(
  {
    candidate: Type.String({ maxLength: 1024 }),
    sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 64 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type IceCandidate = Static<typeof IceCandidate>;

export const IceServer = Type.Object(
  {
    urls: Type.Union([Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 256 }), { maxItems: 8 })]),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    credential: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

const Person = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), name: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
const v = Type.Literal(RTC_VERSION);

/** A name or relation typed by the nurse: at least one non-blank character. */
const Typed = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });

export const CONSENT_METHODS = ['oral', 'written'] as const;
export const ConsentMethod = Type.Union(
  CONSENT_METHODS.map((m) => Type.Literal(m)),
  { description: 'oral (noted by the nurse) or written (a signed form)' },
);
/** Who consented for a patient who cannot: their legal representative or personne de confiance. */
export const ConsentRepresentative = Type.Object(
  {
    name: Typed(128),
    /** e.g. « fille, personne de confiance », « tuteur ». */
    relation: Typed(64),
  },
  { additionalProperties: false },
);
const consentCommon = {
  method: ConsentMethod,
  /** When the nurse confirmed it (stamped by the gateway). */
  collectedAt: IsoDateTime,
  /** The nurse / gateway user who collected it, when the gateway knows one. */
  collectedBy: Type.Optional(Typed(128)),
};
/**
 * The patient's free and informed consent to the teleconsultation, collected before the call
 * (Code de la santé publique R.6316-2): from the patient, or from their legal representative or
 * personne de confiance when the patient cannot give it (then their name and relation are required).
 */
export const TeleconsultConsent = Type.Union(
  [
    Type.Object({ by: Type.Literal('patient'), ...consentCommon }, { additionalProperties: false }),
    Type.Object(
      {
        by: Type.Literal('representative'),
        representative: ConsentRepresentative,
        ...consentCommon,
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'the patient’s consent to the act (R.6316-2), or their representative’s' },
);
export type TeleconsultConsent = Static<typeof TeleconsultConsent>;

// ── The conversation (issue 12): the cart's browser and the specialist's page, face to face ──

/**
 * Which conversation peer connection a message belongs to: the cart's page makes a new one at each
 * (re)start, so answers and candidates of an older one are told apart and dropped.
 */
const ConvoPc = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' });
/** What a side sends now: its microphone live (not muted), its camera on. */
const ConvoMedia = Type.Object(
  { kind: Type.Literal('media'), mic: Type.Boolean(), camera: Type.Boolean() },
  { additionalProperties: false },
);
const ConvoIce = Type.Object({ kind: Type.Literal('ice'), pc: ConvoPc, candidate: IceCandidate }, { additionalProperties: false });

/**
 * The cart's page → the specialist's page (through the gateway and the cloud). The cart's page is
 * always the offerer of the conversation peer (its microphone and room camera, the specialist's
 * camera and microphone back); the gateway's own peer (PTZ video, stethoscope, ECG) is untouched.
 */
export const ConvoFromCart = Type.Union(
  [Type.Object({ kind: Type.Literal('offer'), pc: ConvoPc, sdp: Sdp }, { additionalProperties: false }), ConvoIce, ConvoMedia],
  { description: 'conversation signaling from the cart’s page' },
);
export type ConvoFromCart = Static<typeof ConvoFromCart>;

/**
 * The cart's uplink budget (docs/conversation.md, « Bandwidth »): what the cart sends on a weak link, in
 * clinical order — everything; the room camera paused; the PTZ video paused too; lighter audio. The
 * gateway decides (its media session and the nurse page report the link) and tells both pages.
 */
export const UPLINK_LEVELS = ['full', 'room-paused', 'ptz-paused', 'lean-audio'] as const;
export type UplinkLevel = (typeof UPLINK_LEVELS)[number];
export const UplinkLevel = Type.Union(
  UPLINK_LEVELS.map((l) => Type.Literal(l)),
  { description: 'what the cart sends on its uplink now' },
);
/** The gateway → the act's specialist: its uplink's level changed (or a page that joined later is told). */
const ConvoUplink = Type.Object({ kind: Type.Literal('uplink'), level: UplinkLevel }, { additionalProperties: false });

/** What the cart sends the act's specialist in RtcUp `convo`: its page's signals, and the gateway's uplink level. */
export const ConvoToSpecialist = Type.Union([...ConvoFromCart.anyOf, ConvoUplink], {
  description: 'conversation signaling from the cart (its page, and its uplink level from the gateway)',
});
export type ConvoToSpecialist = Static<typeof ConvoToSpecialist>;

/**
 * The specialist's page → the cart's page. `ready`: (re)start the conversation (a join, a rejoin). The home
 * patient's page says `ready` to the specialist's page the same way, with `pc` when it still holds that peer
 * connection (its socket to the cloud came back, the media never stopped): the specialist's page keeps it if it
 * holds it too, and offers a new one otherwise (docs/teleconsultation.md, « The patient coming back »).
 */
export const ConvoFromSpecialist = Type.Union(
  [
    Type.Object({ kind: Type.Literal('ready'), pc: Type.Optional(ConvoPc) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('answer'), pc: ConvoPc, sdp: Sdp }, { additionalProperties: false }),
    ConvoIce,
    ConvoMedia,
    /**
     * The specialist's camera toward the cart paused for the cart's downlink (`videoPaused: true`), or sent again
     * (docs/conversation.md, « The cart's downlink »): the specialist's page decides from the cart's receiver reports.
     */
    Type.Object({ kind: Type.Literal('downlink'), videoPaused: Type.Boolean() }, { additionalProperties: false }),
  ],
  { description: 'conversation signaling from the specialist’s page' },
);
export type ConvoFromSpecialist = Static<typeof ConvoFromSpecialist>;

// ── The act's room on the cloud's forwarding unit (docs/conversation.md, « The cart and the home patient in the room ») ──

/** A slot of the cart's peer connection with the unit: its m-lines, who it carries (null: empty), their mic and camera, their video held back, whether they speak, whether the cart pinned them. */
const UnitSlotLabel = Type.Object(
  {
    audioMid: Type.Union([Type.String({ maxLength: 32 }), Type.Null()]),
    videoMid: Type.Union([Type.String({ maxLength: 32 }), Type.Null()]),
    participantId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    name: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
    mic: Type.Optional(Type.Boolean()),
    camera: Type.Optional(Type.Boolean()),
    /** The unit holds their video back from the cart: its downlink has no room for it. */
    videoPaused: Type.Optional(Type.Literal(true)),
    /** They are the room's dominant speaker (the unit reads the parties' audio levels). */
    speaking: Type.Optional(Type.Literal(true)),
    /** The cart's page pinned them (`pin`): their video is the last the unit holds back from the cart. */
    pinned: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);

/**
 * The cloud → the cart's page, for the act's room: `ready` (a guest is in: offer, with these ICE
 * servers), the unit's `answer` and `ice`, `slots` (who each receive slot carries), `closed` (the
 * room closed: the page leaves it). The cart's direct conversation peer with the specialist goes on.
 */
export const UnitToCart = Type.Union(
  [
    Type.Object({ kind: Type.Literal('ready'), iceServers: Type.Array(IceServer, { maxItems: 8 }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('answer'), sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('ice'), candidate: IceCandidate }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('slots'), slots: Type.Array(UnitSlotLabel, { maxItems: 8 }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('closed'), reason: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    /**
     * Whether the specialist's peer with the room is up (the room carries the cart to them): the cart's page
     * holds its direct conversation's senders only while it is, and sends on them again at once when not.
     */
    Type.Object({ kind: Type.Literal('specialist'), inRoom: Type.Boolean() }, { additionalProperties: false }),
  ],
  { description: 'the act’s room on the forwarding unit, to the cart’s page' },
);
export type UnitToCart = Static<typeof UnitToCart>;

/**
 * The cart's page → the act's room: its offer (microphone and camera out, receive slots), its
 * candidates, its microphone and camera on or off (shown to the others), the slot it pins (by one of
 * the slot's m-lines; null: none). No participant in it: the
 * cloud knows the cart by its MQTT identity, and the act must be that cart's.
 */
export const UnitFromCart = Type.Union(
  [
    Type.Object({ kind: Type.Literal('offer'), sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('ice'), candidate: IceCandidate }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('media'), mic: Type.Boolean(), camera: Type.Boolean() }, { additionalProperties: false }),
    Type.Object(
      { kind: Type.Literal('pin'), mid: Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()]) },
      { additionalProperties: false },
    ),
  ],
  { description: 'the cart’s page to the act’s room on the forwarding unit' },
);
export type UnitFromCart = Static<typeof UnitFromCart>;

/** Cloud → gateway. */
export const RtcDown = Type.Union(
  [
    Type.Object(
      {
        v,
        type: Type.Literal('start'),
        sessionId: Uuid,
        specialist: Person,
        patientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        iceServers: Type.Optional(Type.Array(IceServer, { maxItems: 8 })),
        /** What the specialist's page wants; the gateway sends what it has. */
        media: Type.Object({ video: Type.Boolean(), audio: Type.Boolean(), ecg: Type.Boolean() }, { additionalProperties: false }),
        maxBitrateKbps: Type.Optional(Type.Integer({ minimum: 32, maximum: 20_000 })),
      },
      { additionalProperties: false },
    ),
    Type.Object({ v, type: Type.Literal('answer'), sessionId: Uuid, sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ v, type: Type.Literal('ice'), sessionId: Uuid, candidate: IceCandidate }, { additionalProperties: false }),
    Type.Object(
      { v, type: Type.Literal('hangup'), sessionId: Uuid, reason: Type.Optional(Type.String({ maxLength: 200 })) },
      { additionalProperties: false },
    ),
    /** The act's status changed (the nurse's screen shows it). */
    Type.Object(
      {
        v,
        type: Type.Literal('session'),
        sessionId: Uuid,
        status: TeleconsultStatus,
        specialist: Type.Optional(Person),
        /** The act's patient, fixed when the nurse called (absent from older clouds). */
        patientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        /** In progress only: absent means present (older clouds). */
        specialistLink: Type.Optional(SpecialistLink),
      },
      { additionalProperties: false },
    ),
    /** The joined specialist's page to the cart's page: conversation signaling, relayed as is. */
    Type.Object({ v, type: Type.Literal('convo'), sessionId: Uuid, signal: ConvoFromSpecialist }, { additionalProperties: false }),
    /** The act's room on the forwarding unit (a guest is in), to the cart's page. */
    Type.Object({ v, type: Type.Literal('unit'), sessionId: Uuid, signal: UnitToCart }, { additionalProperties: false }),
  ],
  { $id: 'RtcDown' },
);
export type RtcDown = Static<typeof RtcDown>;

/** Gateway → cloud. */
export const RtcUp = Type.Union(
  [
    /** The nurse at the cart calls a specialist: the act enters the waiting room. */
    Type.Object(
      {
        v,
        type: Type.Literal('call'),
        sessionId: Uuid,
        patient: Type.Object(
          { id: Type.String({ minLength: 1, maxLength: 64 }), ins: Type.Optional(Type.String({ maxLength: 15 })) },
          { additionalProperties: false },
        ),
        specialistId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        reason: Type.Optional(Type.String({ maxLength: 200 })),
        /** Optional in the schema (older gateways omit it), required by the cloud: a call without it is refused ('no-consent'). */
        consent: Type.Optional(TeleconsultConsent),
        /** The nurse signed in on the cart who calls (docs/nurse-sign-in.md): one allowed on this cart, else refused ('unknown-nurse'). */
        nurse: Type.Optional(
          Type.Object(
            {
              id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$' }),
              name: Type.String({ minLength: 1, maxLength: 128 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object({ v, type: Type.Literal('call-cancel'), sessionId: Uuid }, { additionalProperties: false }),
    Type.Object({ v, type: Type.Literal('offer'), sessionId: Uuid, sdp: Sdp }, { additionalProperties: false }),
    Type.Object({ v, type: Type.Literal('ice'), sessionId: Uuid, candidate: IceCandidate }, { additionalProperties: false }),
    Type.Object(
      {
        v,
        type: Type.Literal('state'),
        sessionId: Uuid,
        state: Type.Union(['connecting', 'connected', 'disconnected', 'failed', 'closed'].map((s) => Type.Literal(s))),
        detail: Type.Optional(Type.String({ maxLength: 200 })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { v, type: Type.Literal('error'), sessionId: Uuid, message: Type.String({ maxLength: 300 }) },
      { additionalProperties: false },
    ),
    /** The cart's page to the act's joined specialist: conversation signaling, relayed as is (with the gateway's uplink level). */
    Type.Object({ v, type: Type.Literal('convo'), sessionId: Uuid, signal: ConvoToSpecialist }, { additionalProperties: false }),
    /** The cart's page to its act's room on the forwarding unit (its own act only). */
    Type.Object({ v, type: Type.Literal('unit'), sessionId: Uuid, signal: UnitFromCart }, { additionalProperties: false }),
  ],
  { $id: 'RtcUp' },
);
export type RtcUp = Static<typeof RtcUp>;

// ── Data channels between the specialist's browser and the gateway ──

/** Data channel labels. */
export const PTZ_CHANNEL = 'ptz';
export const ECG_CHANNEL = 'ecg';

const Velocity = Type.Number({ minimum: -1, maximum: 1 });
const Seq = Type.Integer({ minimum: 0 });

/** Browser → gateway on the 'ptz' channel. `move` is a continuous velocity, kept alive by repeating it (dead-man rule). */
export const PtzCommand = Type.Union(
  [
    Type.Object({ op: Type.Literal('move'), seq: Seq, pan: Velocity, tilt: Velocity, zoom: Velocity }, { additionalProperties: false }),
    Type.Object({ op: Type.Literal('stop'), seq: Seq }, { additionalProperties: false }),
    Type.Object({ op: Type.Literal('relative'), seq: Seq, pan: Velocity, tilt: Velocity, zoom: Velocity }, { additionalProperties: false }),
    Type.Object(
      { op: Type.Literal('absolute'), seq: Seq, pan: Velocity, tilt: Velocity, zoom: Type.Number({ minimum: 0, maximum: 1 }) },
      { additionalProperties: false },
    ),
    Type.Object({ op: Type.Literal('status'), seq: Seq }, { additionalProperties: false }),
    Type.Object({ op: Type.Literal('presets'), seq: Seq }, { additionalProperties: false }),
    Type.Object(
      { op: Type.Literal('preset-goto'), seq: Seq, token: Type.String({ minLength: 1, maxLength: 64 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { op: Type.Literal('preset-set'), seq: Seq, name: Type.String({ minLength: 1, maxLength: 64 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { op: Type.Literal('preset-remove'), seq: Seq, token: Type.String({ minLength: 1, maxLength: 64 }) },
      { additionalProperties: false },
    ),
  ],
  { $id: 'PtzCommand' },
);
export type PtzCommand = Static<typeof PtzCommand>;

/** Gateway → browser on the 'ptz' channel: one reply per command, same seq (the browser measures the round trip). */
export const PtzReply = Type.Object(
  {
    seq: Seq,
    ok: Type.Boolean(),
    error: Type.Optional(Type.String({ maxLength: 300 })),
    status: Type.Optional(
      Type.Object(
        { pan: Type.Number(), tilt: Type.Number(), zoom: Type.Number(), moving: Type.Boolean() },
        { additionalProperties: false },
      ),
    ),
    presets: Type.Optional(
      Type.Array(Type.Object({ token: Type.String(), name: Type.String() }, { additionalProperties: false }), { maxItems: 256 }),
    ),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false, $id: 'PtzReply' },
);
export type PtzReply = Static<typeof PtzReply>;

/**
 * Gateway → browser on the 'ecg' channel, in binary (ecg-wire.ts; unordered-tolerant: seq and t0 let the page put
 * chunks in order). This schema is the chunk's shape, not its bytes.
 */
export const EcgChunk = Type.Object(
  {
    seq: Seq,
    /** ms since epoch of the first sample. */
    t0: Type.Number(),
    periodMs: Type.Number({ exclusiveMinimum: 0 }),
    lead: Type.String({ maxLength: 16 }),
    /** mV per digital unit. */
    factor: Type.Number(),
    samples: Type.Array(Type.Integer(), { maxItems: 4096 }),
  },
  { additionalProperties: false, $id: 'EcgChunk' },
);
export type EcgChunk = Static<typeof EcgChunk>;
