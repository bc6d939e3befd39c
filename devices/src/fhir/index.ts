export { type SearchsetOptions, searchsetBundle } from './bundle.js';
export { attachmentSha1, type FhirMediaOptions, toFhirMedia } from './media.js';
export {
  AUSCULTATION_METHOD,
  type DraftFhirContext,
  deviceReference,
  draftToFhirObservation,
  type FhirObservationOptions,
  patientReference,
  recordingSegmentIdentifier,
  toCodeableConcept,
  toFhirDevice,
  toFhirId,
  toFhirObservation,
  toFhirQuantity,
  toFhirSampledData,
} from './observation.js';
export { INS_OIDS, type PatientFacts, toFhirPatient } from './patient.js';
export { EXTRA_LOINC, SYSTEM as FHIR_SYSTEM, TELECART as TELECART_FHIR, VITAL_PROFILES, VITALSIGNS_PROFILE } from './systems.js';
export type {
  Annotation as FhirAnnotation,
  Attachment as FhirAttachment,
  BundleEntry as FhirBundleEntry,
  BundleLink as FhirBundleLink,
  CodeableConcept as FhirCodeableConcept,
  Coding as FhirCoding,
  DeviceNameType as FhirDeviceNameType,
  Extension as FhirExtension,
  FhirBundle,
  FhirDevice,
  FhirMedia,
  FhirObservation,
  FhirPatient,
  FhirResource,
  HumanName as FhirHumanName,
  Identifier as FhirIdentifier,
  MediaStatus as FhirMediaStatus,
  Meta as FhirMeta,
  ObservationComponent as FhirObservationComponent,
  ObservationStatus as FhirObservationStatus,
  Quantity as FhirQuantity,
  Reference as FhirReference,
  SampledData as FhirSampledData,
} from './types.js';
