/**
 * The signed report as a PDF (pdfkit): patient with INS and birth date, date of the act, specialist,
 * the sections, the vitals frozen at signing, the signature and the content's SHA-256. The text is
 * set in an embedded TrueType font (DejaVu Sans, Debian fonts-dejavu-core): PDF's built-in fonts
 * only know WinAnsi, which has the French accents but turns "SpO₂ ≤ 92 %" into "SpO ‚ "e 92 %".
 */
import { type SummaryVitalId, VITAL_CATALOGUE } from '@telecart/devices';
import { format, type Lang, report as reportTexts, textsIn } from '@telecart/ui';
import type { PatientRecord } from '../store/cloud-store.js';
import type { ReportVersion } from '../store/report-records.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import type { VitalReading } from '../vitals/summary.js';
import { REPORT_SECTIONS } from './content.js';

export interface ReportFonts {
  regular: string;
  bold: string;
}

/** Where Debian's fonts-dejavu-core puts them. */
export const DEBIAN_DEJAVU: ReportFonts = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
};

export interface ReportPdfInput {
  version: ReportVersion;
  act: TeleconsultationRecord;
  patient: PatientRecord | null;
  lang: Lang;
  timeZone: string;
  fonts: ReportFonts;
}

const LOCALE: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };
/** French typography puts a space before the colon. */
const COLON: Record<Lang, string> = { fr: ' : ', en: ': ' };

export function patientName(patient: PatientRecord | null, fallbackId: string): string {
  const name = [patient?.family?.toUpperCase(), patient?.given].filter((s) => s !== undefined && s !== null && s !== '').join(' ');
  return name === '' ? fallbackId : name;
}

export function vitalLine(v: VitalReading, lang: Lang, when: Intl.DateTimeFormat): string {
  const entry = VITAL_CATALOGUE[v.key as SummaryVitalId];
  const n = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: entry?.digits ?? 1 });
  const label = entry?.labels[lang] ?? v.key;
  return `${label}${COLON[lang]}${v.values.map((x) => n.format(x)).join('/')} ${v.unitDisplay} (${when.format(new Date(v.effective))})`;
}

/** The PDF bytes; refuses a draft (only a signed version is a document). */
export async function renderReportPdf(input: ReportPdfInput): Promise<Buffer> {
  const { version: v, act, patient, lang, timeZone, fonts } = input;
  const sig = v.signature;
  if (v.status !== 'signed' || sig === null) throw new Error(`report version ${v.version} of act ${v.sessionId} is not signed`);
  // Loaded on the first report (170 ms of a cloud's start otherwise: docs/region.md, « A cloud instance's start »).
  const { default: PDFDocument } = await import('pdfkit');
  const t = textsIn(reportTexts, lang);
  const dateTime = new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'long', timeStyle: 'short', timeZone });
  const time = new Intl.DateTimeFormat(LOCALE[lang], { hour: '2-digit', minute: '2-digit', timeZone });
  const name = patientName(patient, act.patientId);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    // Fixed dates: the same signed version always gives the same bytes.
    info: {
      Title: `${t.title} — ${name}`,
      Author: sig.name,
      CreationDate: new Date(sig.at),
      ModDate: new Date(sig.at),
    },
  });
  doc.registerFont('body', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const heading = (text: string) => doc.moveDown(0.8).font('bold').fontSize(12).text(text).moveDown(0.2);
  const body = (text: string) =>
    doc
      .font('body')
      .fontSize(10.5)
      .text(text === '' ? t.empty : text);
  const field = (label: string, value: string) =>
    doc.font('bold').fontSize(10.5).text(`${label}${COLON[lang]}`, { continued: true }).font('body').text(value);

  doc.font('bold').fontSize(16).text(t.title);
  doc
    .font('body')
    .fontSize(9)
    .text(
      v.version > 1
        ? `${format(t.version, { n: v.version })} — ${format(t.supersedes, { n: v.version - 1 })}`
        : format(t.version, { n: v.version }),
    );
  doc.moveDown(0.6);
  field(t.patient, name);
  field(t.ins, patient?.ins ?? act.patientIns ?? '—');
  if (patient?.birthDate) field(t.birthDate, patient.birthDate);
  field(t.actDate, dateTime.format(new Date(act.joinedAt ?? act.createdAt)));
  field(t.specialist, sig.name);
  field(t.cart, act.gatewayId);

  for (const s of REPORT_SECTIONS) {
    if (s.key === 'conclusion') {
      // The vitals before the conclusion they support.
      heading(t.vitals);
      if (v.vitals.length === 0) body(t.vitalsNone);
      for (const r of v.vitals) body(`• ${vitalLine(r, lang, time)}`);
    }
    heading(t[s.key]);
    body(v.content[s.key]);
  }

  doc.moveDown(1.2);
  doc
    .font('bold')
    .fontSize(10.5)
    .text(format(t.signedBy, { name: sig.name, at: dateTime.format(new Date(sig.at)) }));
  doc
    .font('body')
    .fontSize(7.5)
    .text(format(t.sha, { sha: sig.contentSha256 }));
  doc.end();
  return done;
}
