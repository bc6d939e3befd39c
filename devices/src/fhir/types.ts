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

export interface FhirObservation {
  resourceType: 'Observation';
  id?: string;
  meta?: Meta;
  extension?: Extension[];
  identifier?: Identifier[];
  status: ObservationStatus;
  category?: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  effectiveDateTime?: string;
  issued?: string;
  valueQuantity?: Quantity;
  dataAbsentReason?: CodeableConcept;
  interpretation?: CodeableConcept[];
  note?: Annotation[];
  bodySite?: CodeableConcept;
  device?: Reference;
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

export type FhirResource = FhirObservation | FhirPatient | FhirDevice;

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
