import { describe, expect, it } from 'vitest';
import {
  decodeRacp,
  decodeRacpIndication,
  decodeRacpRequest,
  encodeRacpIndication,
  encodeRacpRequest,
  type RacpIndication,
  type RacpRequest,
  racpResponseCodeForError,
  selectRacpRecords,
} from './racp.js';
import { hex, toHex } from './test-bytes.js';

describe('Record Access Control Point 0x2A52', () => {
  // Vectors built to the SIG / Nordic / Spezi RACP layout.
  const requests: [string, RacpRequest][] = [
    ['01 01', { opCode: 'report-stored-records', filter: { operator: 'all' } }],
    ['04 01', { opCode: 'report-number-of-stored-records', filter: { operator: 'all' } }],
    ['01 03 01 05 00', { opCode: 'report-stored-records', filter: { operator: 'gte', sequenceNumber: 5 } }],
    ['01 04 01 05 00 0A 00', { opCode: 'report-stored-records', filter: { operator: 'range', from: 5, to: 10 } }],
    ['01 06', { opCode: 'report-stored-records', filter: { operator: 'last' } }],
    ['02 01', { opCode: 'delete-stored-records', filter: { operator: 'all' } }],
    ['03 00', { opCode: 'abort-operation', filter: { operator: 'null' } }],
  ];
  it.each(requests)('request %s', (bytes, request) => {
    expect(toHex(encodeRacpRequest(request))).toBe(bytes);
    expect(decodeRacpRequest(hex(bytes))).toEqual({ ok: true, value: request });
    expect(decodeRacp(hex(bytes))).toEqual({ ok: true, value: { direction: 'request', request } });
  });

  const indications: [string, RacpIndication][] = [
    ['05 00 0A 00', { kind: 'number-of-records', count: 10 }],
    ['06 00 01 01', { kind: 'response', requestOpCode: 'report-stored-records', code: 'success' }],
    ['06 00 01 06', { kind: 'response', requestOpCode: 'report-stored-records', code: 'no-records-found' }],
    ['06 00 07 02', { kind: 'response', requestOpCode: 7, code: 'op-code-not-supported' }],
    ['06 00 01 0A', { kind: 'response', requestOpCode: 'report-stored-records', code: 10 }],
  ];
  it.each(indications)('indication %s', (bytes, indication) => {
    expect(toHex(encodeRacpIndication(indication))).toBe(bytes);
    expect(decodeRacpIndication(hex(bytes))).toEqual({ ok: true, value: indication });
    expect(decodeRacp(hex(bytes))).toEqual({ ok: true, value: { direction: 'indication', indication } });
  });

  it('maps request errors to the response code a server sends', () => {
    const code = (bytes: string) => {
      const r = decodeRacpRequest(hex(bytes));
      if (r.ok) throw new Error(`${bytes} decoded`);
      return racpResponseCodeForError(r.error);
    };
    expect(code('07 01')).toBe('op-code-not-supported');
    expect(code('01 00')).toBe('invalid-operator');
    expect(code('03 01')).toBe('invalid-operator');
    expect(code('01 09')).toBe('operator-not-supported');
    expect(code('01 03 02 E8 07 01 01 00 00 00')).toBe('operand-not-supported');
    expect(code('01 03 01 05')).toBe('invalid-operand');
    expect(code('01 04 01 0A 00 05 00')).toBe('invalid-operand');
    expect(code('01')).toBe('invalid-operator');
  });

  it('rejects non-indication op codes on the indication side', () => {
    const r = decodeRacpIndication(hex('01 01'));
    expect(!r.ok && r.error.field).toBe('opCode');
    expect(decodeRacpIndication(hex('05 00 0A')).ok).toBe(false);
  });

  it('selects records by filter, oldest first', () => {
    const recs = [7, 3, 5, 9].map((sequenceNumber) => ({ sequenceNumber }));
    const seqs = (f: RacpRequest['filter']) => selectRacpRecords(recs, f).map((r) => r.sequenceNumber);
    expect(seqs({ operator: 'all' })).toEqual([3, 5, 7, 9]);
    expect(seqs({ operator: 'first' })).toEqual([3]);
    expect(seqs({ operator: 'last' })).toEqual([9]);
    expect(seqs({ operator: 'gte', sequenceNumber: 6 })).toEqual([7, 9]);
    expect(seqs({ operator: 'lte', sequenceNumber: 5 })).toEqual([3, 5]);
    expect(seqs({ operator: 'range', from: 4, to: 7 })).toEqual([5, 7]);
    expect(seqs({ operator: 'null' })).toEqual([]);
  });
});
