/**
 * Record Access Control Point (0x2A52): `OpCode | Operator | Operand`. Requests (op codes 1..4) are
 * written by the central; indications (5 = number of stored records, 6 = response code) come back.
 * Filters use filter type 0x01 (sequence number, uint16). User-facing-time filters (type 0x02) decode
 * to an error on field 'filterType', which a server answers with 'operand-not-supported'.
 *
 * Request errors name the field a server maps to its response code (see racpResponseCodeForError):
 * 'opCode' → op-code-not-supported, 'operator' → invalid-operator or operator-not-supported,
 * 'filterType' → operand-not-supported, 'operand' → invalid-operand.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { type CodecError, type CodecResult, decodeWith, FieldError } from './result.js';

export type RacpOpCode = 'report-stored-records' | 'delete-stored-records' | 'abort-operation' | 'report-number-of-stored-records';

export type RacpFilter =
  | { operator: 'null' }
  | { operator: 'all' }
  | { operator: 'first' }
  | { operator: 'last' }
  | { operator: 'gte'; sequenceNumber: number }
  | { operator: 'lte'; sequenceNumber: number }
  | { operator: 'range'; from: number; to: number };

export interface RacpRequest {
  opCode: RacpOpCode;
  filter: RacpFilter;
}

export type RacpResponseCode =
  | 'success'
  | 'op-code-not-supported'
  | 'invalid-operator'
  | 'operator-not-supported'
  | 'invalid-operand'
  | 'no-records-found'
  | 'abort-unsuccessful'
  | 'procedure-not-completed'
  | 'operand-not-supported';

export type RacpIndication =
  | { kind: 'number-of-records'; count: number }
  | { kind: 'response'; requestOpCode: RacpOpCode | number; code: RacpResponseCode | number };

export const RACP_OP_CODES: Readonly<Record<RacpOpCode, number>> = {
  'report-stored-records': 0x01,
  'delete-stored-records': 0x02,
  'abort-operation': 0x03,
  'report-number-of-stored-records': 0x04,
};
const OP_NUMBER_OF_RECORDS = 0x05;
const OP_RESPONSE = 0x06;

export const RACP_OPERATORS: Readonly<Record<RacpFilter['operator'], number>> = {
  null: 0x00,
  all: 0x01,
  lte: 0x02,
  gte: 0x03,
  range: 0x04,
  first: 0x05,
  last: 0x06,
};

export const RACP_RESPONSE_CODES: Readonly<Record<RacpResponseCode, number>> = {
  success: 0x01,
  'op-code-not-supported': 0x02,
  'invalid-operator': 0x03,
  'operator-not-supported': 0x04,
  'invalid-operand': 0x05,
  'no-records-found': 0x06,
  'abort-unsuccessful': 0x07,
  'procedure-not-completed': 0x08,
  'operand-not-supported': 0x09,
};

/** Filter type 0x01: sequence number (uint16). */
export const RACP_FILTER_SEQUENCE_NUMBER = 0x01;

function keyOf<K extends string>(table: Readonly<Record<K, number>>, code: number): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === code);
}

export function encodeRacpRequest(r: RacpRequest): Uint8Array {
  const f = r.filter;
  const w = new ByteWriter().uint8(RACP_OP_CODES[r.opCode]).uint8(RACP_OPERATORS[f.operator]);
  if (f.operator === 'gte' || f.operator === 'lte') w.uint8(RACP_FILTER_SEQUENCE_NUMBER).uint16(f.sequenceNumber, 'sequenceNumber');
  if (f.operator === 'range') {
    if (f.from > f.to) throw new RangeError(`range: from ${f.from} > to ${f.to}`);
    w.uint8(RACP_FILTER_SEQUENCE_NUMBER).uint16(f.from, 'from').uint16(f.to, 'to');
  }
  return w.bytes();
}

function readSequenceFilterType(r: ByteReader): void {
  const type = r.uint8('filterType');
  if (type === 0x02) throw new FieldError('filterType', 'user facing time (0x02) is not supported; use sequence numbers (0x01)');
  if (type !== RACP_FILTER_SEQUENCE_NUMBER)
    throw new FieldError('filterType', `unknown filter type 0x${type.toString(16).padStart(2, '0')}`);
}

/** Operand bytes the request needs, as an 'operand' error when missing. */
function readOperandUint16(r: ByteReader, field: string): number {
  if (r.remaining < 2) throw new FieldError('operand', `${field}: need 2 bytes, have ${r.remaining}`);
  return r.uint16(field);
}

/**
 * A request as a server validates it: unknown op code, an operator that is null where one is needed
 * (or not null for abort), an unknown operator, a missing or reversed operand all fail, each on its field.
 * Bytes after the operand are ignored.
 */
export function decodeRacpRequest(b: Uint8Array): CodecResult<RacpRequest> {
  return decodeWith(() => {
    const r = new ByteReader(b);
    const op = r.uint8('opCode');
    const opCode = keyOf(RACP_OP_CODES, op);
    if (!opCode) throw new FieldError('opCode', `op code 0x${op.toString(16).padStart(2, '0')} is not a request`);
    const operatorByte = r.uint8('operator');
    const operator = keyOf(RACP_OPERATORS, operatorByte);
    if (!operator) throw new FieldError('operator', `unknown operator 0x${operatorByte.toString(16).padStart(2, '0')}`);
    if (opCode === 'abort-operation' && operator !== 'null') throw new FieldError('operator', 'abort takes the null operator');
    if (opCode !== 'abort-operation' && operator === 'null') throw new FieldError('operator', `${opCode} needs an operator`);
    let filter: RacpFilter;
    switch (operator) {
      case 'gte':
      case 'lte':
        readSequenceFilterType(r);
        filter = { operator, sequenceNumber: readOperandUint16(r, 'sequenceNumber') };
        break;
      case 'range': {
        readSequenceFilterType(r);
        const from = readOperandUint16(r, 'from');
        const to = readOperandUint16(r, 'to');
        if (from > to) throw new FieldError('operand', `range from ${from} > to ${to}`);
        filter = { operator, from, to };
        break;
      }
      default:
        filter = { operator };
    }
    return { opCode, filter };
  });
}

/**
 * The response code a server answers a request decode error with. Needs the error from decodeRacpRequest;
 * 'operator' errors for a known operator used where it is not allowed are 'invalid-operator'.
 */
export function racpResponseCodeForError(error: CodecError): RacpResponseCode {
  switch (error.field) {
    case 'opCode':
      return error.reason.startsWith('truncated') ? 'invalid-operand' : 'op-code-not-supported';
    case 'operator':
      if (error.reason.startsWith('truncated')) return 'invalid-operator';
      return error.reason.startsWith('unknown operator') ? 'operator-not-supported' : 'invalid-operator';
    case 'filterType':
      return 'operand-not-supported';
    default:
      return 'invalid-operand';
  }
}

export function encodeRacpIndication(i: RacpIndication): Uint8Array {
  if (i.kind === 'number-of-records') return new ByteWriter().uint8(OP_NUMBER_OF_RECORDS).uint8(0).uint16(i.count, 'count').bytes();
  const op = typeof i.requestOpCode === 'number' ? i.requestOpCode : RACP_OP_CODES[i.requestOpCode];
  const code = typeof i.code === 'number' ? i.code : RACP_RESPONSE_CODES[i.code];
  return new ByteWriter().uint8(OP_RESPONSE).uint8(0).uint8(op, 'requestOpCode').uint8(code, 'responseCode').bytes();
}

/**
 * Indications a server sends. The operator byte (always Null in the spec) is not checked: its meaning is
 * clear either way. Unknown request op codes and response codes stay numbers.
 */
export function decodeRacpIndication(b: Uint8Array): CodecResult<RacpIndication> {
  return decodeWith((): RacpIndication => {
    const r = new ByteReader(b);
    const op = r.uint8('opCode');
    if (op === OP_NUMBER_OF_RECORDS) {
      r.uint8('operator');
      return { kind: 'number-of-records', count: r.uint16('count') };
    }
    if (op === OP_RESPONSE) {
      r.uint8('operator');
      const req = r.uint8('requestOpCode');
      const code = r.uint8('responseCode');
      return { kind: 'response', requestOpCode: keyOf(RACP_OP_CODES, req) ?? req, code: keyOf(RACP_RESPONSE_CODES, code) ?? code };
    }
    throw new FieldError('opCode', `op code 0x${op.toString(16).padStart(2, '0')} is not an indication (0x05, 0x06)`);
  });
}

/** Either direction on 0x2A52, told apart by the op code (1..4 requests, 5..6 indications). */
export type RacpPdu = { direction: 'request'; request: RacpRequest } | { direction: 'indication'; indication: RacpIndication };

export function decodeRacp(b: Uint8Array): CodecResult<RacpPdu> {
  const op = b[0];
  if (op === OP_NUMBER_OF_RECORDS || op === OP_RESPONSE) {
    const i = decodeRacpIndication(b);
    return i.ok ? { ok: true, value: { direction: 'indication', indication: i.value } } : i;
  }
  const r = decodeRacpRequest(b);
  return r.ok ? { ok: true, value: { direction: 'request', request: r.value } } : r;
}

/** The records a filter selects, oldest (lowest sequence number) first: what a server reports, counts or deletes. */
export function selectRacpRecords<T extends { sequenceNumber: number }>(records: readonly T[], filter: RacpFilter): T[] {
  const sorted = [...records].sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  switch (filter.operator) {
    case 'null':
      return [];
    case 'all':
      return sorted;
    case 'first':
      return sorted.slice(0, 1);
    case 'last':
      return sorted.slice(-1);
    case 'gte':
      return sorted.filter((x) => x.sequenceNumber >= filter.sequenceNumber);
    case 'lte':
      return sorted.filter((x) => x.sequenceNumber <= filter.sequenceNumber);
    case 'range':
      return sorted.filter((x) => x.sequenceNumber >= filter.from && x.sequenceNumber <= filter.to);
  }
}
