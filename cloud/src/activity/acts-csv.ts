/**
 * The activity export (GET /api/acts.csv): one line per act, what a practitioner needs to bill and
 * a platform reports to its regional health agency. Written for French spreadsheets: UTF-8 with a
 * byte-order mark (else Excel reads it as Windows-1252), ';' between fields, CRLF, decimal comma in
 * French, dates as the locale writes them in the service's time zone. A field that a spreadsheet
 * would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe: a reason typed on a
 * cart is data, never a formula (CSV injection).
 */
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { STATUS_LABELS } from '../teleconsult/status-machine.js';

export type CsvLang = 'fr' | 'en';

export interface ActLine {
  act: TeleconsultationRecord;
  /** The cloud's patient for the act (resolved from the cart's local id); the INS comes from it only. */
  patient: { id: string; ins: string | null } | undefined;
  site: { id: string; name: string } | undefined;
  /** The act's billing code; empty when the act is not billable (not done, cancelled, still open). */
  actCode: string;
}

const HEADERS: Record<CsvLang, readonly string[]> = {
  fr: [
    'Date',
    'Heure',
    'Durée (min)',
    'Statut',
    'Issue',
    'Motif',
    'INS patient',
    'Patient',
    'Spécialiste',
    'Identifiant spécialiste',
    'Site',
    'Chariot',
    'Code acte',
    'Identifiant acte',
  ],
  en: [
    'Date',
    'Time',
    'Duration (min)',
    'Status',
    'Outcome',
    'Reason',
    'Patient INS',
    'Patient',
    'Specialist',
    'Specialist id',
    'Site',
    'Cart',
    'Act code',
    'Act id',
  ],
};

/** A field as a spreadsheet must read it: quoted when needed, never a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Local date and time fields in the service's time zone; one formatter for a whole export. */
function localPartsIn(timeZone: string): (iso: string) => Record<string, string> {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (iso) => Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
}

const lineInsOf = (l: ActLine) => l.patient?.ins ?? '';

export function actsCsv(lines: readonly ActLine[], o: { lang: CsvLang; timeZone: string }): string {
  const out = [HEADERS[o.lang].map(csvField).join(';')];
  const localParts = localPartsIn(o.timeZone);
  for (const l of lines) {
    const { act, site, actCode } = l;
    const d = localParts(act.createdAt);
    const date = o.lang === 'fr' ? `${d.day}/${d.month}/${d.year}` : `${d.year}-${d.month}-${d.day}`;
    const minutes = act.durationMs === null ? '' : (act.durationMs / 60_000).toFixed(1);
    out.push(
      [
        date,
        `${d.hour}:${d.minute}`,
        o.lang === 'fr' ? minutes.replace('.', ',') : minutes,
        STATUS_LABELS[act.status][o.lang],
        act.outcome ?? '',
        act.reason ?? '',
        // The INS of the cloud's record, never what a cart sent: a bill names the patient the cloud knows.
        lineInsOf(l),
        l.patient?.id ?? act.patientId,
        act.specialistName ?? '',
        act.specialistId ?? '',
        site?.name ?? '',
        act.gatewayId,
        actCode,
        act.sessionId,
      ]
        .map(csvField)
        .join(';'),
    );
  }
  return `\uFEFF${out.join('\r\n')}\r\n`;
}
