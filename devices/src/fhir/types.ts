/**
 * A small hand-written subset of FHIR R4 (4.0.1) resources: what telecart exports. Element names and
 * cardinalities follow the R4 specification; only the elements used here are declared.
 */

export interface Coding {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Extension {
  url: string;
  valueString?: string;
  valueCode?: string;
  valueQuantity?: Quantity;
  valueDateTime?: string;
  valueInteger?: number;
}

export interface Quantity {
  value?: number;
  comparator?: '<' | '<=' | '>=' | '>';
  unit?: string;
  system?: string;
  code?: string;
  extension?: Extension[];
}

export interface Identifier {
  use?: 'usual' | 'official' | 'temp' | 'secondary' | 'old';
  type?: CodeableConcept;
  system?: string;
  value?: string;
}

export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  profile?: string[];
  tag?: Coding[];
}

export interface Annotation {
  text: string;
  time?: string;
}

export type ObservationStatus =
  | 'registered'
  | 'preliminary'
  | 'final'
  | 'amended'
  | 'corrected'
  | 'cancelled'
  | 'entered-in-error'
  | 'unknown';

export interface ObservationComponent {
  code: CodeableConcept;
  valueQuantity?: Quantity;
  dataAbsentReason?: CodeableConcept;
  interpretation?: CodeableConcept[];
}

/** R4 SampledData: physical value = origin + factor × data value; period in milliseconds. */
export interface SampledData {
  origin: Quantity;
  period: number;
  factor?: number;
  lowerLimit?: number;
  upperLimit?: number;
  dimensions: number;
  data?: string;
}

/** R4 Attachment; `hash` is the base64 SHA-1 of the data, `size` its byte count before base64. */
export interface Attachment {
  contentType?: string;
  language?: string;
  data?: string;
  url?: string;
  size?: number;
  hash?: string;
  title?: string;
  creation?: string;
}

export type MediaStatus = 'preparation' | 'in-progress' | 'not-done' | 'on-hold' | 'stopped' | 'completed' | 'entered-in-error' | 'unknown';

/** R4 Media (replaced by DocumentReference in R5): a photo, video or audio recording. */
export interface FhirMedia {
  resourceType: 'Media';
  id?: string;
  meta?: Meta;
  /** The recording device, carried inside the resource (referenced as '#device'). */
  contained?: FhirDevice[];
  extension?: Extension[];
  identifier?: Identifier[];
  partOf?: Reference[];
  status: MediaStatus;
  type?: CodeableConcept;
  modality?: CodeableConcept;
  subject?: Reference;
  createdDateTime?: string;
  issued?: string;
  reasonCode?: CodeableConcept[];
  bodySite?: CodeableConcept;
  deviceName?: string;
  device?: Reference;
  /** Seconds. */
  duration?: number;
  content: Attachment;
  note?: Annotation[];
}

export interface FhirObservation {
  resourceType: 'Observation';
  id?: string;
  meta?: Meta;
  /** The measuring device, carried inside the resource (referenced as '#device'). */
  contained?: FhirDevice[];
  extension?: Extension[];
  identifier?: Identifier[];
  status: ObservationStatus;
  category?: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  effectiveDateTime?: string;
  issued?: string;
  valueQuantity?: Quantity;
  valueSampledData?: SampledData;
  dataAbsentReason?: CodeableConcept;
  interpretation?: CodeableConcept[];
  note?: Annotation[];
  bodySite?: CodeableConcept;
  method?: CodeableConcept;
  device?: Reference;
  derivedFrom?: Reference[];
  component?: ObservationComponent[];
}

export interface HumanName {
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  family?: string;
  given?: string[];
  text?: string;
}

export interface FhirPatient {
  resourceType: 'Patient';
  id?: string;
  meta?: Meta;
  identifier?: Identifier[];
  active?: boolean;
  name?: HumanName[];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: string;
  /** A merged duplicate points to the patient that replaced it. */
  link?: { other: Reference; type: 'replaced-by' | 'replaces' | 'refer' | 'seealso' }[];
  /** The referring GP (the directory's): named, with the national RPPS identifier when known. */
  generalPractitioner?: Reference[];
  /** The patient's own contact (the directory's): an e-mail, a mobile number. */
  telecom?: ContactPoint[];
}

/** FHIR R4 ContactPoint, as far as the directory fills it. */
export interface ContactPoint {
  system: 'phone' | 'fax' | 'email' | 'pager' | 'url' | 'sms' | 'other';
  value: string;
  use?: 'home' | 'work' | 'temp' | 'old' | 'mobile';
}

export type DeviceNameType =
  | 'udi-label-name'
  | 'user-friendly-name'
  | 'patient-reported-name'
  | 'manufacturer-name'
  | 'model-name'
  | 'other';

export interface FhirDevice {
  resourceType: 'Device';
  id?: string;
  meta?: Meta;
  identifier?: Identifier[];
  status?: 'active' | 'inactive' | 'entered-in-error' | 'unknown';
  manufacturer?: string;
  deviceName?: { name: string; type: DeviceNameType }[];
  modelNumber?: string;
  serialNumber?: string;
  version?: { type?: CodeableConcept; value: string }[];
  patient?: Reference;
  parent?: Reference;
}

export type FhirResource = FhirObservation | FhirPatient | FhirDevice | FhirMedia;

export interface BundleLink {
  relation: string;
  url: string;
}

export interface BundleEntry<R extends FhirResource = FhirResource> {
  fullUrl?: string;
  resource?: R;
  search?: { mode?: 'match' | 'include' | 'outcome'; score?: number };
}

export interface FhirBundle<R extends FhirResource = FhirResource> {
  resourceType: 'Bundle';
  id?: string;
  meta?: Meta;
  type:
    | 'searchset'
    | 'collection'
    | 'batch'
    | 'transaction'
    | 'history'
    | 'document'
    | 'message'
    | 'batch-response'
    | 'transaction-response';
  timestamp?: string;
  total?: number;
  link?: BundleLink[];
  entry?: BundleEntry<R>[];
}
