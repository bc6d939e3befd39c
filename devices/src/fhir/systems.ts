/** Code systems, identifier systems and profile URLs used by the FHIR export. */
import { LOINC_PULSE_OXIMETRY, VITALS } from '../model/codes.js';
import { VITAL_CATALOGUE, VITAL_IDS, type VitalEntry } from '../vitals/catalogue.js';

export const SYSTEM = {
  loinc: 'http://loinc.org',
  mdc: 'urn:iso:std:iso:11073:10101',
  ucum: 'http://unitsofmeasure.org',
  snomed: 'http://snomed.info/sct',
  mediaType: 'http://terminology.hl7.org/CodeSystem/media-type',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  /** RFC 3986 URIs as identifiers (urn:uuid:…), as the HL7 PHD guide does for Observation.identifier. */
  uri: 'urn:ietf:rfc:3986',
} as const;

/**
 * telecart's own identifier systems and extensions. They are URNs (names, never fetched): the content
 * key of a re-sendable reading, the gateway's device id, the flags, the device time as sent, and the
 * value a device sent before unit conversion (e.g. kPa before mm[Hg]).
 */
export const TELECART = {
  contentKeySystem: 'urn:telecart:content-key',
  deviceIdSystem: 'urn:telecart:device-id',
  patientIdSystem: 'urn:telecart:patient-id',
  flagExtension: 'urn:telecart:fhir:extension:flag',
  deviceTimeExtension: 'urn:telecart:fhir:extension:device-time',
  originalQuantityExtension: 'urn:telecart:fhir:extension:original-quantity',
  /** '<recordingId>/<index>' of a waveform or audio segment. */
  recordingSegmentSystem: 'urn:telecart:recording-segment',
  /** The attachment's SHA-256 (hex), as the gateway computed it; R4's Attachment.hash is SHA-1. */
  sha256Extension: 'urn:telecart:fhir:extension:sha256',
} as const;

const PROFILE_BASE = 'http://hl7.org/fhir/StructureDefinition/';

const FHIR_ENTRIES: readonly VitalEntry[] = VITAL_IDS.map((id) => VITAL_CATALOGUE[id]);

/** R4 vital-signs base profile per LOINC code, from the vitals catalogue (bp, heartrate, oxygensat, bodytemp, …). */
export const VITAL_PROFILES: Readonly<Record<string, string>> = Object.fromEntries(
  FHIR_ENTRIES.flatMap((e) => (e.fhir?.profile ? [[e.code.loinc, `${PROFILE_BASE}${e.fhir.profile}`]] : [])),
);

/** Generic vital-signs profile, for vital-sign codes without a specific profile (e.g. live cuff pressure). */
export const VITALSIGNS_PROFILE = `${PROFILE_BASE}vitalsigns`;

/** Observation category per LOINC code (the catalogue's, its panel components included); others (glucose) are 'laboratory'. */
export const CATEGORY_BY_LOINC: ReadonlyMap<string, 'vital-signs' | 'exam'> = new Map([
  ...FHIR_ENTRIES.flatMap((e) => {
    const category = e.fhir?.category;
    if (!category) return [];
    return [e.code.loinc, ...(e.components ?? []).map((c) => c.code.loinc)].map((l) => [l, category] as const);
  }),
  // The panel's mean arterial pressure: a component, though no series of its own.
  [VITALS.meanArterial.loinc, 'vital-signs'] as const,
]);

/** Extra codings FHIR profiles expect next to the primary LOINC code. */
export const EXTRA_LOINC: Readonly<Record<string, { code: string; display: string }>> = {
  [VITALS.spo2.loinc]: { code: LOINC_PULSE_OXIMETRY, display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
};
