/** The consent carried by the RtcUp call (CSP R.6316-2): what the contract accepts and refuses. */
import { describe, expect, it } from 'vitest';
import { compile } from '../validate.js';
import { RtcUp, TeleconsultConsent } from './rtc.js';

const checkUp = compile(RtcUp);
const checkConsent = compile(TeleconsultConsent);
const call = (consent?: unknown) => ({
  v: 1,
  type: 'call',
  sessionId: '0b7d3c1e-4a5f-4b6c-8d9e-0f1a2b3c4d5e',
  patient: { id: 'p-001' },
  ...(consent === undefined ? {} : { consent }),
});
const at = '2026-11-23T14:02:07.123Z';

describe('RtcUp call — consent', () => {
  it("accepts the patient's consent and a named representative's, oral or written", () => {
    expect(checkUp.validate(call({ by: 'patient', method: 'oral', collectedAt: at })).ok).toBe(true);
    expect(checkUp.validate(call({ by: 'patient', method: 'written', collectedAt: at, collectedBy: 'ide-dupont' })).ok).toBe(true);
    const rep = { by: 'representative', method: 'oral', representative: { name: 'Mme Claire Martin', relation: 'fille' }, collectedAt: at };
    expect(checkUp.validate(call(rep)).ok).toBe(true);
  });

  it('still parses a call without consent (older gateways): the cloud refuses it, the schema does not drop it', () => {
    expect(checkUp.validate(call()).ok).toBe(true);
  });

  it('refuses an invalid consent', () => {
    const bad: unknown[] = [
      {},
      { by: 'patient', method: 'oral' },
      { by: 'patient', method: 'implied', collectedAt: at },
      { by: 'nurse', method: 'oral', collectedAt: at },
      { by: 'patient', method: 'oral', collectedAt: 'yesterday' },
      { by: 'patient', method: 'oral', collectedAt: at, collectedBy: '' },
      { by: 'patient', method: 'oral', collectedAt: at, extra: 1 },
      // A representative's consent names them and their relation.
      { by: 'representative', method: 'oral', collectedAt: at },
      { by: 'representative', method: 'oral', collectedAt: at, representative: { relation: 'fille' } },
      { by: 'representative', method: 'oral', collectedAt: at, representative: { name: 'Mme Martin' } },
      { by: 'representative', method: 'oral', collectedAt: at, representative: { name: '  ', relation: 'fille' } },
      { by: 'representative', method: 'oral', collectedAt: at, representative: { name: 'x'.repeat(129), relation: 'fille' } },
      // The patient's own consent has no representative.
      { by: 'patient', method: 'oral', collectedAt: at, representative: { name: 'Mme Martin', relation: 'fille' } },
    ];
    for (const c of bad) {
      expect(checkConsent.validate(c).ok, JSON.stringify(c)).toBe(false);
      expect(checkUp.validate(call(c)).ok, JSON.stringify(c)).toBe(false);
    }
  });
});
