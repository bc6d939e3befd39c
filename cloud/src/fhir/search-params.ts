/**
 * FHIR R4 search parameter values for Observation: `date` (prefix + partial date-time) and
 * `code` (token lists). Pure parsing, so the HTTP route only maps errors to OperationOutcome.
 *
 * Dates without a time are taken in UTC (the server's zone is not a clinical fact). A value
 * with a time must carry a zone, as FHIR requires.
 */
import { EXTRA_LOINC, FHIR_SYSTEM } from '@telecart/devices';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Inclusive millisecond bounds; undefined means open. */
export interface TimeBounds {
  from?: Date;
  to?: Date;
}

const DATE_VALUE =
  /^(?<prefix>eq|ne|gt|lt|ge|le|sa|eb|ap)?(?<year>\d{4})(?:-(?<month>\d{2})(?:-(?<day>\d{2})(?:T(?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?<fraction>\.\d+)?)?(?<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const SUPPORTED_PREFIXES = new Set(['eq', 'gt', 'lt', 'ge', 'le']);

/** The instant range [start, end] a partial date or date-time covers. */
function rangeOf(g: Record<string, string | undefined>): ParseResult<{ start: number; end: number }> {
  const year = Number(g.year);
  const month = g.month === undefined ? undefined : Number(g.month);
  const day = g.day === undefined ? undefined : Number(g.day);
  if (month !== undefined && (month < 1 || month > 12)) return { ok: false, error: `month ${g.month} out of range` };
  if (day !== undefined && month !== undefined) {
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > daysInMonth) return { ok: false, error: `day ${g.day} out of range` };
  }
  if (g.hour === undefined) {
    const start = Date.UTC(year, (month ?? 1) - 1, day ?? 1);
    const end =
      day !== undefined
        ? Date.UTC(year, (month ?? 1) - 1, day + 1)
        : month !== undefined
          ? Date.UTC(year, month, 1)
          : Date.UTC(year + 1, 0, 1);
    return { ok: true, value: { start, end: end - 1 } };
  }
  if (g.zone === undefined) return { ok: false, error: 'a time needs a time zone (Z or ±hh:mm)' };
  const hour = Number(g.hour);
  const minute = Number(g.minute);
  const second = g.second === undefined ? 0 : Number(g.second);
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, error: 'time out of range' };
  const iso = `${g.year}-${g.month}-${g.day}T${g.hour}:${g.minute}:${g.second ?? '00'}${g.fraction ?? ''}${g.zone}`;
  const start = Date.parse(iso);
  if (Number.isNaN(start)) return { ok: false, error: 'not a valid date-time' };
  const span = g.fraction !== undefined ? 0 : g.second !== undefined ? 999 : 59_999;
  return { ok: true, value: { start, end: start + span } };
}

/** One `date` value, e.g. 'ge2026-11-01', '2026-11-23', 'lt2026-11-23T10:00:00Z'. */
export function parseDateParam(value: string): ParseResult<TimeBounds> {
  const m = DATE_VALUE.exec(value);
  if (!m?.groups) return { ok: false, error: `'${value}' is not [prefix]YYYY[-MM[-DD[Thh:mm[:ss[.sss]]zone]]]` };
  const prefix = m.groups.prefix ?? 'eq';
  if (!SUPPORTED_PREFIXES.has(prefix)) return { ok: false, error: `prefix '${prefix}' is not supported (eq, gt, lt, ge, le)` };
  const r = rangeOf(m.groups);
  if (!r.ok) return { ok: false, error: `'${value}': ${r.error}` };
  const { start, end } = r.value;
  // An observation's effective time is an instant: compare it with the range the value covers.
  switch (prefix) {
    case 'gt':
      return { ok: true, value: { from: new Date(end + 1) } };
    case 'ge':
      return { ok: true, value: { from: new Date(start) } };
    case 'lt':
      return { ok: true, value: { to: new Date(start - 1) } };
    case 'le':
      return { ok: true, value: { to: new Date(end) } };
    default:
      return { ok: true, value: { from: new Date(start), to: new Date(end) } };
  }
}

/** All `date` values AND-ed together: the tightest bounds. */
export function parseDateParams(values: readonly string[]): ParseResult<TimeBounds> {
  const out: TimeBounds = {};
  for (const v of values) {
    const r = parseDateParam(v);
    if (!r.ok) return r;
    if (r.value.from && (!out.from || r.value.from > out.from)) out.from = r.value.from;
    if (r.value.to && (!out.to || r.value.to < out.to)) out.to = r.value.to;
  }
  return { ok: true, value: out };
}

export type CodeFilter = { loinc: string[] } | { mdc: number[] };

/** LOINC codes a search code also stands for (59408-5 is the extra SpO2 coding of 2708-6). */
const LOINC_ALIASES: Record<string, string[]> = Object.fromEntries(
  Object.entries(EXTRA_LOINC).map(([primary, extra]) => [extra.code, [primary]]),
);

/** `code` = comma-separated tokens `code`, `system|code` or `|code`; LOINC and MDC systems. */
export function parseCodeParam(value: string): ParseResult<CodeFilter> {
  const loinc: string[] = [];
  const mdc: number[] = [];
  for (const token of value.split(',')) {
    if (token === '') return { ok: false, error: 'empty code in the list' };
    const bar = token.indexOf('|');
    const system = bar < 0 ? undefined : token.slice(0, bar);
    const code = bar < 0 ? token : token.slice(bar + 1);
    if (code === '') return { ok: false, error: `'${token}' has no code` };
    if (system === FHIR_SYSTEM.mdc) {
      if (!/^\d{1,10}$/.test(code)) return { ok: false, error: `'${code}' is not an IEEE 11073-10101 code` };
      mdc.push(Number(code));
    } else if (system === undefined || system === '' || system === FHIR_SYSTEM.loinc) {
      loinc.push(code, ...(LOINC_ALIASES[code] ?? []));
    } else {
      return { ok: false, error: `system '${system}' is not supported (${FHIR_SYSTEM.loinc} or ${FHIR_SYSTEM.mdc})` };
    }
  }
  if (loinc.length > 0 && mdc.length > 0) return { ok: false, error: 'LOINC and MDC codes cannot be mixed in one code parameter' };
  return { ok: true, value: mdc.length > 0 ? { mdc } : { loinc } };
}

/** `patient` / `subject` = 'p-001', 'Patient/p-001' or an absolute URL ending in Patient/p-001. */
export function parsePatientParam(value: string): ParseResult<string> {
  const m = /^(?:.*\/)?Patient\/([^/]+)$/.exec(value);
  const id = m?.[1] ?? value;
  if (id.includes('/') || id === '') return { ok: false, error: `'${value}' is not a patient id or Patient reference` };
  return { ok: true, value: id };
}
