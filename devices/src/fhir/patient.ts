/**
 * FHIR R4 Patient for the cloud's FHIR API: what the Observations' `subject` points to. The local
 * id is an identifier under telecart's patient-id system; the INS, when the cart or the care team
 * gave one, is the official identifier with its OID as system (urn:oid:1.2.250.1.213.1.4.8 NIR,
 * .9 NIA, .10 test NIR, .11 demo NIA), as FR Core does. No FR Core INS profile is claimed: it
 * needs the identity's qualification status (VALI) and the five strict traits, which telecart does
 * not keep.
 */
import { toFhirId } from './observation.js';
import { TELECART } from './systems.js';
import type { FhirPatient, Identifier } from './types.js';

export interface PatientFacts {
  id: string;
  ins?: string | null;
  insOid?: string | null;
  family?: string | null;
  given?: string | null;
  /** YYYY-MM-DD */
  birthDate?: string | null;
}

/** INS kinds by OID: the HL7 France identifier type codes FR Core uses. */
export const INS_OIDS: Readonly<Record<string, string>> = {
  '1.2.250.1.213.1.4.8': 'INS-NIR',
  '1.2.250.1.213.1.4.9': 'INS-NIA',
  '1.2.250.1.213.1.4.10': 'INS-NIR-TEST',
  '1.2.250.1.213.1.4.11': 'INS-NIR-DEMO',
};

export function toFhirPatient(p: PatientFacts): FhirPatient {
  const identifier: Identifier[] = [{ use: 'usual', system: TELECART.patientIdSystem, value: p.id }];
  if (p.ins && p.insOid) identifier.push({ use: 'official', system: `urn:oid:${p.insOid}`, value: p.ins });
  const name =
    p.family || p.given
      ? [{ use: 'usual' as const, ...(p.family ? { family: p.family } : {}), ...(p.given ? { given: [p.given] } : {}) }]
      : undefined;
  return {
    resourceType: 'Patient',
    id: toFhirId(p.id),
    identifier,
    ...(name ? { name } : {}),
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
  };
}
