/**
 * The JSON columns of an alert row (text in SQLite, parsed in PostgreSQL): the trigger reading ids
 * and the values its text is drawn from. Apart from row-decoder.ts, which compiles the protocol's
 * schemas when loaded: the intake worker reads back the alerts it upserts with this alone.
 */

export interface AlertJsonFields {
  firstObservationIds: string[];
  lastObservationIds: string[];
  values: Record<string, number | string>;
}

/** Reads an alert row's JSON columns; null when they cannot serve (the reader says what it does with such a row). */
export interface AlertFieldReader {
  alertFields(id: string, raw: { first: unknown; last: unknown; values: unknown }): AlertJsonFields | null;
}

function parsed(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function isIdList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isAlertValues(v: unknown): v is Record<string, number | string> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'number' || typeof x === 'string')
  );
}

/** The fields, or an Error saying why they are not what an alert needs (not JSON, not lists of ids…). */
export function alertJsonFields(raw: { first: unknown; last: unknown; values: unknown }): AlertJsonFields {
  const first = parsed(raw.first);
  const last = parsed(raw.last);
  const values = parsed(raw.values);
  if (!isIdList(first) || !isIdList(last)) throw new Error('trigger observation ids are not a list of strings');
  if (!isAlertValues(values)) throw new Error('values are not an object of numbers and strings');
  return { firstObservationIds: first, lastObservationIds: last, values };
}
