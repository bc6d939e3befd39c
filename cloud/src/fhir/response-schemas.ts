/**
 * Response schemas (TypeBox) of the FHIR routes: the resources devices/src/fhir builds, element by
 * element. fastify serialises a response by its schema and drops what the schema does not name, so
 * every FHIR object here is open (`additionalProperties: true`): FHIR resources and datatypes take
 * more elements than telecart fills today, and an element a later mapping adds must still reach the
 * client rather than vanish. The compile-time checks at the end make each schema name every element
 * of its typed model, and http/fhir-responses.test.ts compares the served JSON with the mapping's own.
 */
import { type Static, type TLiteral, type TObject, type TProperties, type TUnion, Type } from '@sinclair/typebox';
import type {
  FhirAttachment,
  FhirBundle,
  FhirBundleEntry,
  FhirCodeableConcept,
  FhirCoding,
  FhirDevice,
  FhirExtension,
  FhirIdentifier,
  FhirMedia,
  FhirMeta,
  FhirObservation,
  FhirObservationComponent,
  FhirPatient,
  FhirQuantity,
  FhirReference,
  FhirSampledData,
} from '@telecart/devices';
import type { EpisodeOfCareSearchset, FhirEpisodeOfCare } from './episode-of-care.js';
import type { OperationOutcome as OperationOutcomeModel } from './operation-outcome.js';

const open = <T extends TProperties>(properties: T): TObject<T> => Type.Object(properties, { additionalProperties: true });
const opt = Type.Optional;
const str = () => Type.String();
// A code's allowed values as a union of literals; map() loses the tuple type, restored by the cast.
const oneOf = <const L extends readonly string[]>(values: L) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<{ -readonly [K in keyof L]: TLiteral<L[K]> }>;

const Coding = open({ system: opt(str()), version: opt(str()), code: opt(str()), display: opt(str()) });
const CodeableConcept = open({ coding: opt(Type.Array(Coding)), text: opt(str()) });
const QuantityCore = {
  value: opt(Type.Number()),
  comparator: opt(oneOf(['<', '<=', '>=', '>'] as const)),
  unit: opt(str()),
  system: opt(str()),
  code: opt(str()),
};
// Quantity and Extension refer to each other; one level is spelled out (an extension's own Quantity
// has no extension of its own here, and anything deeper still passes as an open property).
const Extension = open({
  url: str(),
  valueString: opt(str()),
  valueCode: opt(str()),
  valueQuantity: opt(open(QuantityCore)),
  valueDateTime: opt(str()),
  valueInteger: opt(Type.Integer()),
});
const Quantity = open({ ...QuantityCore, extension: opt(Type.Array(Extension)) });
const Identifier = open({
  use: opt(oneOf(['usual', 'official', 'temp', 'secondary', 'old'] as const)),
  type: opt(CodeableConcept),
  system: opt(str()),
  value: opt(str()),
});
const Reference = open({ reference: opt(str()), type: opt(str()), identifier: opt(Identifier), display: opt(str()) });
const Meta = open({ versionId: opt(str()), lastUpdated: opt(str()), profile: opt(Type.Array(str())), tag: opt(Type.Array(Coding)) });
const Annotation = open({ text: str(), time: opt(str()) });
const SampledData = open({
  origin: Quantity,
  period: Type.Number(),
  factor: opt(Type.Number()),
  lowerLimit: opt(Type.Number()),
  upperLimit: opt(Type.Number()),
  dimensions: Type.Integer({ minimum: 1 }),
  data: opt(str()),
});
const Attachment = open({
  contentType: opt(str()),
  language: opt(str()),
  data: opt(str()),
  url: opt(str()),
  size: opt(Type.Integer({ minimum: 0 })),
  hash: opt(str()),
  title: opt(str()),
  creation: opt(str()),
});
const Component = open({
  code: CodeableConcept,
  valueQuantity: opt(Quantity),
  dataAbsentReason: opt(CodeableConcept),
  interpretation: opt(Type.Array(CodeableConcept)),
});
const Device = open({
  resourceType: Type.Literal('Device'),
  id: opt(str()),
  meta: opt(Meta),
  identifier: opt(Type.Array(Identifier)),
  status: opt(oneOf(['active', 'inactive', 'entered-in-error', 'unknown'] as const)),
  manufacturer: opt(str()),
  deviceName: opt(
    Type.Array(
      open({
        name: str(),
        type: oneOf(['udi-label-name', 'user-friendly-name', 'patient-reported-name', 'manufacturer-name', 'model-name', 'other'] as const),
      }),
    ),
  ),
  modelNumber: opt(str()),
  serialNumber: opt(str()),
  version: opt(Type.Array(open({ type: opt(CodeableConcept), value: str() }))),
  patient: opt(Reference),
  parent: opt(Reference),
});

export const FhirObservationSchema = open({
  resourceType: Type.Literal('Observation'),
  id: opt(str()),
  meta: opt(Meta),
  contained: opt(Type.Array(Device)),
  extension: opt(Type.Array(Extension)),
  identifier: opt(Type.Array(Identifier)),
  status: oneOf(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'] as const),
  category: opt(Type.Array(CodeableConcept)),
  code: CodeableConcept,
  subject: opt(Reference),
  effectiveDateTime: opt(str()),
  issued: opt(str()),
  valueQuantity: opt(Quantity),
  valueSampledData: opt(SampledData),
  dataAbsentReason: opt(CodeableConcept),
  interpretation: opt(Type.Array(CodeableConcept)),
  note: opt(Type.Array(Annotation)),
  bodySite: opt(CodeableConcept),
  method: opt(CodeableConcept),
  device: opt(Reference),
  derivedFrom: opt(Type.Array(Reference)),
  component: opt(Type.Array(Component)),
});

export const FhirMediaSchema = open({
  resourceType: Type.Literal('Media'),
  id: opt(str()),
  meta: opt(Meta),
  contained: opt(Type.Array(Device)),
  extension: opt(Type.Array(Extension)),
  identifier: opt(Type.Array(Identifier)),
  partOf: opt(Type.Array(Reference)),
  status: oneOf(['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'] as const),
  type: opt(CodeableConcept),
  modality: opt(CodeableConcept),
  subject: opt(Reference),
  createdDateTime: opt(str()),
  issued: opt(str()),
  reasonCode: opt(Type.Array(CodeableConcept)),
  bodySite: opt(CodeableConcept),
  deviceName: opt(str()),
  device: opt(Reference),
  duration: opt(Type.Number({ minimum: 0 })),
  content: Attachment,
  note: opt(Type.Array(Annotation)),
});

export const FhirPatientSchema = open({
  resourceType: Type.Literal('Patient'),
  id: opt(str()),
  meta: opt(Meta),
  identifier: opt(Type.Array(Identifier)),
  active: opt(Type.Boolean()),
  name: opt(
    Type.Array(
      open({
        use: opt(oneOf(['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'] as const)),
        family: opt(str()),
        given: opt(Type.Array(str())),
        text: opt(str()),
      }),
    ),
  ),
  gender: opt(oneOf(['male', 'female', 'other', 'unknown'] as const)),
  birthDate: opt(str()),
  link: opt(Type.Array(open({ other: Reference, type: oneOf(['replaced-by', 'replaces', 'refer', 'seealso'] as const) }))),
  generalPractitioner: opt(Type.Array(Reference)),
  telecom: opt(
    Type.Array(
      open({
        system: oneOf(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'] as const),
        value: str(),
        use: opt(oneOf(['home', 'work', 'temp', 'old', 'mobile'] as const)),
      }),
    ),
  ),
});

/** A telemonitoring enrolment (fhir/episode-of-care.ts). */
export const FhirEpisodeOfCareSchema = open({
  resourceType: Type.Literal('EpisodeOfCare'),
  id: opt(str()),
  meta: opt(Meta),
  status: oneOf(['planned', 'waitlist', 'active', 'onhold', 'finished', 'cancelled', 'entered-in-error'] as const),
  type: opt(Type.Array(CodeableConcept)),
  patient: Reference,
  careManager: opt(Reference),
  period: opt(open({ start: opt(str()), end: opt(str()) })),
});

/** A searchset Bundle of one resource type, as searchsetBundle builds it. */
function searchset<R extends TObject>(resource: R) {
  return open({
    resourceType: Type.Literal('Bundle'),
    id: opt(str()),
    meta: opt(Meta),
    type: oneOf([
      'searchset',
      'collection',
      'batch',
      'transaction',
      'history',
      'document',
      'message',
      'batch-response',
      'transaction-response',
    ] as const),
    timestamp: opt(str()),
    total: opt(Type.Integer({ minimum: 0 })),
    link: opt(Type.Array(open({ relation: str(), url: str() }))),
    entry: opt(
      Type.Array(
        open({
          fullUrl: opt(str()),
          resource: opt(resource),
          search: opt(open({ mode: opt(oneOf(['match', 'include', 'outcome'] as const)), score: opt(Type.Number()) })),
        }),
      ),
    ),
  });
}

export const ObservationSearchsetSchema = searchset(FhirObservationSchema);
export const PatientSearchsetSchema = searchset(FhirPatientSchema);
export const EpisodeOfCareSearchsetSchema = searchset(FhirEpisodeOfCareSchema);

export const OperationOutcomeSchema = open({
  resourceType: Type.Literal('OperationOutcome'),
  issue: Type.Array(
    open({
      severity: oneOf(['fatal', 'error', 'warning', 'information'] as const),
      code: oneOf(['invalid', 'not-found', 'not-supported', 'exception', 'login', 'forbidden'] as const),
      diagnostics: str(),
      expression: opt(Type.Array(str())),
    }),
  ),
});

/** A FHIR route's responses: the resource on 200, an OperationOutcome on every error (http/app.ts sends one for /fhir/). */
export function fhirResponses<R extends TObject>(ok: R) {
  return { 200: ok, '4xx': OperationOutcomeSchema, '5xx': OperationOutcomeSchema };
}

// Compile-time: each schema names exactly the elements of its model, and accepts what the model emits.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Accepts<Schema, Model extends Schema> = Model;
const covered = <T extends true>(_: T[]): void => undefined;
covered<
  | SameKeys<FhirCoding, Static<typeof Coding>>
  | SameKeys<FhirCodeableConcept, Static<typeof CodeableConcept>>
  | SameKeys<FhirExtension, Static<typeof Extension>>
  | SameKeys<FhirQuantity, Static<typeof Quantity>>
  | SameKeys<FhirIdentifier, Static<typeof Identifier>>
  | SameKeys<FhirReference, Static<typeof Reference>>
  | SameKeys<FhirMeta, Static<typeof Meta>>
  | SameKeys<FhirSampledData, Static<typeof SampledData>>
  | SameKeys<FhirAttachment, Static<typeof Attachment>>
  | SameKeys<FhirObservationComponent, Static<typeof Component>>
  | SameKeys<FhirDevice, Static<typeof Device>>
  | SameKeys<FhirObservation, Static<typeof FhirObservationSchema>>
  | SameKeys<FhirMedia, Static<typeof FhirMediaSchema>>
  | SameKeys<FhirPatient, Static<typeof FhirPatientSchema>>
  | SameKeys<Omit<FhirEpisodeOfCare, never>, Omit<Static<typeof FhirEpisodeOfCareSchema>, 'meta'>>
  | SameKeys<FhirBundle, Static<typeof ObservationSearchsetSchema>>
  | SameKeys<FhirBundleEntry, NonNullable<Static<typeof ObservationSearchsetSchema>['entry']>[number]>
  | SameKeys<OperationOutcomeModel, Static<typeof OperationOutcomeSchema>>
>([]);
export type FhirModelsFitSchemas = [
  Accepts<Static<typeof FhirObservationSchema>, FhirObservation>,
  Accepts<Static<typeof FhirMediaSchema>, FhirMedia>,
  Accepts<Static<typeof FhirPatientSchema>, FhirPatient>,
  Accepts<Static<typeof ObservationSearchsetSchema>, FhirBundle<FhirObservation>>,
  Accepts<Static<typeof PatientSearchsetSchema>, FhirBundle<FhirPatient>>,
  Accepts<Static<typeof FhirEpisodeOfCareSchema>, FhirEpisodeOfCare>,
  Accepts<Static<typeof EpisodeOfCareSearchsetSchema>, EpisodeOfCareSearchset>,
  Accepts<Static<typeof OperationOutcomeSchema>, OperationOutcomeModel>,
];
