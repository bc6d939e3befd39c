// A test helper, not part of @telecart/protocol's exports.

import { describe, expect, it } from 'vitest';
import { sampleObservation } from '../../../protocol/src/testing/sample.js';
import { toFhirObservation } from '../fhir/observation.js';
import {
  ECG_LEAD_MDC,
  ecgCode,
  HEART_SOUNDS_CODE,
  isLoincPlaceholder,
  MDC_ECG_ELEC_POTL,
  MDC_PULS_OXIM_PLETH,
  PLETH_CODE,
  VITALS,
} from './codes.js';

/** Context-free MDC code = partition × 65536 + term code (SCADA partition 2). */
const mdc = (partition: number, term: number) => partition * 65536 + term;

describe('waveform codes', () => {
  it('are the MDC codes of the HL7 examples (pleth 19380, ECG potential 256, lead I 257, lead II 258)', () => {
    expect(MDC_PULS_OXIM_PLETH).toBe(mdc(2, 19380));
    expect(MDC_ECG_ELEC_POTL).toBe(mdc(2, 256));
    expect(ECG_LEAD_MDC.I).toBe(mdc(2, 257));
    expect(ECG_LEAD_MDC.II).toBe(mdc(2, 258));
    expect(ecgCode(['II'])).toEqual({ loinc: '11524-6', display: 'ECG waveform, lead II', mdc: 131330 });
    expect(ecgCode(['I', 'II']).mdc).toBe(MDC_ECG_ELEC_POTL);
  });

  it('never share a LOINC code with a vital sign', () => {
    const vitals = new Set<string>(Object.values(VITALS).map((c) => c.loinc));
    for (const c of [PLETH_CODE, HEART_SOUNDS_CODE, ecgCode(['II'])]) expect(vitals.has(c.loinc), c.display).toBe(false);
  });

  it('the pleth is exported to FHIR by its MDC code only: its LOINC field (heart rate by pulse oximetry) is a placeholder', () => {
    expect(isLoincPlaceholder(PLETH_CODE)).toBe(true);
    expect(isLoincPlaceholder({ loinc: '8889-8', display: 'Heart rate by Pulse oximetry' })).toBe(false);
    const { value: _v, ...base } = sampleObservation(3);
    const f = toFhirObservation({
      ...base,
      code: PLETH_CODE,
      lane: 'waveform',
      sampledData: { origin: { value: 0, unit: '1' }, periodMs: 13.33, factor: 1, dimensions: 1, channels: ['pleth'], data: '1 2 3' },
    });
    expect(f.code.coding).toEqual([{ system: 'urn:iso:std:iso:11073:10101', code: '150452', display: 'Plethysmogram (pulse oximetry)' }]);
    expect(f.code.text).toBe('Plethysmogram (pulse oximetry)');
  });
});
