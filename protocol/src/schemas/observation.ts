import { type Static, Type } from '@sinclair/typebox';
import { GatewayId, IsoDateTime, Lane, Uuid } from './common.js';

/** A coded concept: LOINC always, IEEE 11073-10101 (MDC) where the device speaks it. */
export const Code = Type.Object(
  {
    loinc: Type.String({ pattern: '^\\d{1,7}-\\d$' }),
    display: Type.String({ minLength: 1, maxLength: 200 }),
    mdc: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Code = Static<typeof Code>;

/**
 * FHIR Quantity.comparator: the true value is beyond `value`, e.g. a glucose meter's "HI" reading
 * ('>' its upper limit). Absent: the value is what it says.
 */
export const COMPARATORS = ['<', '<=', '>=', '>'] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A value in UCUM; `original` keeps what the device sent when it was converted (e.g. kPa → mm[Hg]). */
export const Quantity = Type.Object(
  {
    value: Type.Number(),
    comparator: Type.Optional(Type.Union(COMPARATORS.map((c) => Type.Literal(c)))),
    unit: Type.String({ minLength: 1, maxLength: 32, description: 'UCUM code' }),
    original: Type.Optional(
      Type.Object({ value: Type.Number(), unit: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type Quantity = Static<typeof Quantity>;

export const Component = Type.Object({ code: Code, value: Quantity }, { additionalProperties: false });
export type Component = Static<typeof Component>;

/** How the patient was decided (contract 5, docs/architecture.md): never a silent guess. */
export const PATIENT_ASSIGNMENTS = ['nurse-selected', 'home-kit', 'device-user'] as const;
export const PatientRef = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'local patient id' }),
    ins: Type.Optional(
      Type.String({
        pattern: '^[12378]\\d{2}(0[1-9]|1[0-2]|[2-9]\\d)(\\d{2}|2A|2B)\\d{6}\\d{2}$',
        description: 'INS matricule (NIR, 15 characters)',
      }),
    ),
    insOid: Type.Optional(Type.String({ pattern: '^1\\.2\\.250\\.1\\.213\\.1\\.4\\.(8|9|10|11)$' })),
    assignment: Type.Union(PATIENT_ASSIGNMENTS.map((a) => Type.Literal(a))),
    userIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  },
  { additionalProperties: false },
);
export type PatientRef = Static<typeof PatientRef>;

export const DeviceRef = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128, description: 'stable device id, e.g. ble:AA:BB:CC:DD:EE:FF' }),
    transport: Type.Union([Type.Literal('ble'), Type.Literal('serial'), Type.Literal('audio'), Type.Literal('manual')]),
    definition: Type.Optional(Type.String({ maxLength: 64, description: 'device definition that decoded it' })),
    manufacturer: Type.Optional(Type.String({ maxLength: 128 })),
    model: Type.Optional(Type.String({ maxLength: 128 })),
    serial: Type.Optional(Type.String({ maxLength: 128 })),
    firmware: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type DeviceRef = Static<typeof DeviceRef>;

/** Contract 4 (docs/architecture.md): the device's own time when it has one, the gateway's receive time, and the correction applied. */
export const TIME_SOURCES = ['device', 'device-corrected', 'gateway'] as const;
export const ObservationTime = Type.Object(
  {
    effective: IsoDateTime,
    device: Type.Union([Type.String({ maxLength: 40, description: 'device timestamp as sent (local, no offset)' }), Type.Null()]),
    received: IsoDateTime,
    correctionMs: Type.Integer({ description: 'added to the device time to get `effective`' }),
    source: Type.Union(TIME_SOURCES.map((s) => Type.Literal(s))),
  },
  { additionalProperties: false },
);
export type ObservationTime = Static<typeof ObservationTime>;

/**
 * A waveform segment (ECG lead, pleth) in the shape of FHIR R4 SampledData: `data` holds digital
 * sample values, physical = origin.value + factor × digital; `dimensions` channels are interleaved.
 */
export const SampledData = Type.Object(
  {
    origin: Type.Object(
      { value: Type.Number(), unit: Type.String({ minLength: 1, maxLength: 32, description: 'UCUM code' }) },
      { additionalProperties: false },
    ),
    periodMs: Type.Number({ exclusiveMinimum: 0, description: 'time between samples, ms (FHIR period)' }),
    factor: Type.Optional(Type.Number({ description: 'physical units per digital unit' })),
    lowerLimit: Type.Optional(Type.Number()),
    upperLimit: Type.Optional(Type.Number()),
    dimensions: Type.Integer({ minimum: 1, maximum: 16 }),
    /** Names of the interleaved channels, e.g. ['II'] or ['pleth']. */
    channels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 16 })),
    data: Type.String({ maxLength: 2_000_000, description: 'space-separated integers; FHIR tokens E, L, U allowed' }),
  },
  { additionalProperties: false },
);
export type SampledData = Static<typeof SampledData>;

/** A recorded file carried with the reading (stethoscope auscultation as FLAC), like FHIR Attachment. */
export const Attachment = Type.Object(
  {
    contentType: Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 64 }),
    data: Type.String({ contentEncoding: 'base64', maxLength: 3_000_000 }),
    size: Type.Integer({ minimum: 0, description: 'bytes before base64' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    sampleRateHz: Type.Optional(Type.Integer({ minimum: 1 })),
    title: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type Attachment = Static<typeof Attachment>;

/** Consecutive segments of one recording (an ECG strip, an auscultation) share `recordingId`. */
export const Segment = Type.Object(
  { recordingId: Uuid, index: Type.Integer({ minimum: 0 }), last: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type Segment = Static<typeof Segment>;

/**
 * FHIR Observation.status subset. 'entered-in-error': the device itself said the value is not a valid
 * measurement of the patient (PLX invalid measurement, heart-rate sensor without skin contact, glucose
 * strip error, …): kept for the record, never a vital sign, trend point or alert (docs/devices.md).
 */
export const OBSERVATION_STATUSES = ['final', 'preliminary', 'entered-in-error'] as const;
export type ObservationStatus = (typeof OBSERVATION_STATUSES)[number];

/** One reading on the wire. Born at decode time with its id and sequence number (contract 1, docs/architecture.md). */
export const Observation = Type.Object(
  {
    id: Uuid,
    seq: Type.Integer({ minimum: 1 }),
    gatewayId: GatewayId,
    contentKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'deterministic key of a re-sendable reading' })),
    code: Code,
    value: Type.Optional(Quantity),
    components: Type.Optional(Type.Array(Component, { maxItems: 16 })),
    sampledData: Type.Optional(SampledData),
    attachment: Type.Optional(Attachment),
    segment: Type.Optional(Segment),
    status: Type.Union(OBSERVATION_STATUSES.map((s) => Type.Literal(s))),
    flags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }),
    patient: PatientRef,
    device: DeviceRef,
    time: ObservationTime,
    lane: Lane,
  },
  { additionalProperties: false, $id: 'Observation' },
);
export type Observation = Static<typeof Observation>;
