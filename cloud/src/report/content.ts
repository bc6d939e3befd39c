/**
 * What a report holds, checked where it comes in (the specialist's page), and the hash that seals a
 * signed version: SHA-256 of a canonical JSON of everything the PDF and the FHIR documents show.
 */
import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { AllFit, Fits } from '../http/schema-fit.js';
import type { ReportContent, ReportVersion } from '../store/report-records.js';

/** A section's text: a page or two at most (the PDF lays out any length, the limit bounds abuse). */
const Section = Type.String({ maxLength: 20_000 });

export const ReportContentSchema = Type.Object(
  {
    reason: Section,
    history: Section,
    examination: Section,
    conclusion: Section,
    prescription: Section,
    recommendations: Section,
  },
  { additionalProperties: false },
);
export type ReportContentFits = AllFit<[Fits<Static<typeof ReportContentSchema>, ReportContent>]>;

/** The sections in reading order, with their LOINC section codes where LOINC has one (FHIR Composition). */
export const REPORT_SECTIONS = [
  { key: 'reason', loinc: '29299-5', display: 'Reason for visit Narrative' },
  { key: 'history', loinc: '10164-2', display: 'History of Present illness Narrative' },
  { key: 'examination', loinc: '29545-1', display: 'Physical findings Narrative' },
  { key: 'conclusion', loinc: '51848-0', display: 'Evaluation note' },
  { key: 'prescription', loinc: '57828-6', display: 'Prescription list' },
  { key: 'recommendations', loinc: '18776-5', display: 'Plan of care note' },
] as const satisfies readonly { key: keyof ReportContent; loinc: string; display: string }[];

export const EMPTY_CONTENT: ReportContent = {
  reason: '',
  history: '',
  examination: '',
  conclusion: '',
  prescription: '',
  recommendations: '',
};

/** A signed report says something: at least a conclusion. */
export function unsignableBecause(c: ReportContent): string | null {
  return c.conclusion.trim() === '' ? 'a report cannot be signed without a conclusion' : null;
}

/** SHA-256 (hex) of the version's canonical text: keys in a fixed order, the signature's hash left out. */
export function reportSha256(v: ReportVersion): string {
  const canonical = JSON.stringify([
    v.id,
    v.sessionId,
    v.version,
    v.patientId,
    v.authorId,
    REPORT_SECTIONS.map((s) => v.content[s.key]),
    v.vitals.map((r) => [r.key, r.values, r.unit, r.effective, r.observationId]),
    v.signature === null ? null : [v.signature.by, v.signature.name, v.signature.at],
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
