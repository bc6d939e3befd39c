/**
 * A signed report version as FHIR R4: a Composition (the structured sections, LOINC section codes,
 * the act's vitals as entries pointing to their Observations, the signer as legal attester) and a
 * DocumentReference whose attachment is the PDF (served by GET /fhir/Binary/:id). Version n+1
 * "replaces" version n; the newest signed version is `current`, older ones `superseded`.
 * The act is referenced logically (Encounter by identifier): the cloud serves no Encounter.
 */
import { FHIR_SYSTEM as SYSTEM, toFhirId } from '@telecart/devices';
import type { ReportVersion } from '../store/report-records.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { REPORT_SECTIONS } from './content.js';
import { narrativeDiv } from './narrative.js';

/** The act's session id (a teleconsultation of the cloud). */
export const TELECONSULTATION_SYSTEM = 'urn:telecart:teleconsultation';
/** A specialist's account id. */
export const SPECIALIST_SYSTEM = 'urn:telecart:specialist';

const CONSULT_NOTE = { system: SYSTEM.loinc, code: '11488-4', display: 'Consult note' };
const VITAL_SIGNS_SECTION = { system: SYSTEM.loinc, code: '8716-3', display: 'Vital signs' };
const EMPTY_REASON = { system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable', display: 'Unavailable' };

export interface ReportFhirContext {
  act: TeleconsultationRecord;
  /** Every version of the act (for relatesTo and current/superseded). */
  versions: readonly ReportVersion[];
  /** Server base, e.g. 'https://host/fhir'. */
  baseUrl: string;
  title: string;
}

type Json = Record<string, unknown>;

function signed(v: ReportVersion): NonNullable<ReportVersion['signature']> {
  if (v.status !== 'signed' || v.signature === null) throw new Error(`report version ${v.version} of act ${v.sessionId} is not signed`);
  return v.signature;
}

const person = (id: string, name: string) => ({
  type: 'Practitioner',
  identifier: { system: SPECIALIST_SYSTEM, value: id },
  display: name,
});
const encounter = (sessionId: string) => ({ type: 'Encounter', identifier: { system: TELECONSULTATION_SYSTEM, value: sessionId } });

function previousSigned(v: ReportVersion, versions: readonly ReportVersion[]): ReportVersion | undefined {
  return versions.filter((x) => x.status === 'signed' && x.version < v.version).at(-1);
}

export function toFhirComposition(v: ReportVersion, c: ReportFhirContext): Json {
  const sig = signed(v);
  const previous = previousSigned(v, c.versions);
  const sections: Json[] = [];
  for (const s of REPORT_SECTIONS) {
    if (s.key === 'conclusion') {
      sections.push({
        title: 'Vital signs',
        code: { coding: [VITAL_SIGNS_SECTION] },
        ...(v.vitals.length > 0
          ? { entry: v.vitals.map((r) => ({ reference: `Observation/${toFhirId(r.observationId)}` })) }
          : { emptyReason: { coding: [EMPTY_REASON] } }),
      });
    }
    const text = v.content[s.key];
    sections.push({
      title: s.display,
      code: { coding: [{ system: SYSTEM.loinc, code: s.loinc, display: s.display }] },
      ...(text.trim() === '' ? { emptyReason: { coding: [EMPTY_REASON] } } : { text: { status: 'generated', div: narrativeDiv(text) } }),
    });
  }
  return {
    resourceType: 'Composition',
    id: v.id,
    identifier: { system: SYSTEM.uri, value: `urn:uuid:${v.id}` },
    status: v.version > 1 ? 'amended' : 'final',
    type: { coding: [CONSULT_NOTE] },
    subject: { reference: `Patient/${toFhirId(v.patientId)}` },
    encounter: encounter(v.sessionId),
    date: sig.at,
    author: [person(v.authorId, sig.name)],
    title: c.title,
    attester: [{ mode: 'legal', time: sig.at, party: person(sig.by, sig.name) }],
    ...(previous ? { relatesTo: [{ code: 'replaces', targetReference: { reference: `Composition/${previous.id}` } }] } : {}),
    section: sections,
  };
}

export function toFhirDocumentReference(v: ReportVersion, c: ReportFhirContext, patientDisplay?: string): Json {
  const sig = signed(v);
  const previous = previousSigned(v, c.versions);
  const newest = c.versions.filter((x) => x.status === 'signed').at(-1);
  const { act } = c;
  return {
    resourceType: 'DocumentReference',
    id: v.id,
    masterIdentifier: { system: SYSTEM.uri, value: `urn:uuid:${v.id}` },
    identifier: [{ system: 'urn:telecart:report-sha256', value: sig.contentSha256 }],
    status: newest?.id === v.id ? 'current' : 'superseded',
    docStatus: v.version > 1 ? 'amended' : 'final',
    type: { coding: [CONSULT_NOTE] },
    subject: { reference: `Patient/${toFhirId(v.patientId)}`, ...(patientDisplay ? { display: patientDisplay } : {}) },
    date: sig.at,
    author: [person(v.authorId, sig.name)],
    authenticator: person(sig.by, sig.name),
    ...(previous ? { relatesTo: [{ code: 'replaces', target: { reference: `DocumentReference/${previous.id}` } }] } : {}),
    description: `${c.title} — version ${v.version}`,
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          language: 'fr',
          url: `${c.baseUrl}/Binary/${v.id}`,
          title: `${c.title} — version ${v.version}`,
          creation: sig.at,
        },
      },
    ],
    context: {
      encounter: [encounter(v.sessionId)],
      period: { start: act.joinedAt ?? act.createdAt, ...(act.endedAt ? { end: act.endedAt } : {}) },
      related: [{ reference: `Composition/${v.id}` }],
    },
  };
}
