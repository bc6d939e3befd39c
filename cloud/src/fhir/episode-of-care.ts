/**
 * A telemonitoring enrolment (store/enrolment-records.ts) as a FHIR R4 EpisodeOfCare: the patient,
 * the programme as its type, the prescriber as care manager (a Practitioner named by the national
 * identifier of their RPPS number, as FR Core does), and the period. Pure.
 */
import { toFhirId } from '@telecart/devices';
import type { EnrolmentRecord } from '../store/enrolment-records.js';

/** FR Core: the national identifier of a health professional (IDNPS), "8" followed by the RPPS number. */
export const IDNPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';
export const PROGRAMME_SYSTEM = 'urn:telecart:telemonitoring-programme';

const PROGRAMME_DISPLAY: Record<EnrolmentRecord['programme'], string> = {
  'heart-failure': 'Télésurveillance insuffisance cardiaque',
  hypertension: 'Télésurveillance hypertension artérielle',
  copd: 'Télésurveillance BPCO',
  diabetes: 'Télésurveillance diabète',
};

export interface FhirEpisodeOfCare {
  resourceType: 'EpisodeOfCare';
  id: string;
  status: 'planned' | 'active' | 'finished';
  type: { coding: { system: string; code: string; display: string }[]; text: string }[];
  patient: { reference: string };
  careManager?: {
    type: 'Practitioner';
    identifier: { type: { coding: { system: string; code: string }[] }; system: string; value: string };
    display: string;
  };
  period: { start: string; end?: string };
}

/** The status a clinician reads from the period: not begun yet, running, or over (ended early or at its planned end). */
export function episodeStatus(e: Pick<EnrolmentRecord, 'start' | 'end'>, now: Date): FhirEpisodeOfCare['status'] {
  const t = now.getTime();
  if (Date.parse(e.start) > t) return 'planned';
  if (e.end !== null && Date.parse(e.end) <= t) return 'finished';
  return 'active';
}

export function toEpisodeOfCare(e: EnrolmentRecord, now: Date): FhirEpisodeOfCare {
  const display = PROGRAMME_DISPLAY[e.programme];
  return {
    resourceType: 'EpisodeOfCare',
    id: toFhirId(e.id),
    status: episodeStatus(e, now),
    type: [{ coding: [{ system: PROGRAMME_SYSTEM, code: e.programme, display }], text: display }],
    patient: { reference: `Patient/${toFhirId(e.patientId)}` },
    ...(e.prescriber
      ? {
          careManager: {
            type: 'Practitioner' as const,
            identifier: {
              type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'IDNPS' }] },
              system: IDNPS_SYSTEM,
              value: `8${e.prescriber.rpps}`,
            },
            display: e.prescriber.name,
          },
        }
      : {}),
    period: { start: e.start, ...(e.end !== null ? { end: e.end } : {}) },
  };
}

/** A searchset of EpisodeOfCare, shaped as searchsetBundle (devices) shapes the others. */
export interface EpisodeOfCareSearchset {
  resourceType: 'Bundle';
  type: 'searchset';
  total: number;
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: FhirEpisodeOfCare; search: { mode: 'match' } }[];
}

export function episodeOfCareSearchset(episodes: readonly FhirEpisodeOfCare[], selfUrl: string, baseUrl: string): EpisodeOfCareSearchset {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: episodes.length,
    link: [{ relation: 'self', url: selfUrl }],
    entry: episodes.map((resource) => ({ fullUrl: `${base}/EpisodeOfCare/${resource.id}`, resource, search: { mode: 'match' } })),
  };
}
