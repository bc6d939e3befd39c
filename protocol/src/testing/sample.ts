import type { Observation } from '../schemas/observation.js';

/** A valid observation for tests of any workspace (not used at run time). */
export function sampleObservation(seq: number, overrides: Partial<Observation> = {}): Observation {
  const hex = seq.toString(16).padStart(12, '0');
  return {
    id: `0190a0b0-0000-7000-8000-${hex}`,
    seq,
    gatewayId: 'cart-1',
    code: { loinc: '29463-7', display: 'Body weight', mdc: 188736 },
    value: { value: 70.5, unit: 'kg' },
    status: 'final',
    flags: [],
    patient: { id: 'p-001', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10', assignment: 'nurse-selected' },
    device: { id: 'ble:C0:FF:EE:00:00:02', transport: 'ble', manufacturer: 'telecart-sim', model: 'SIM-SCALE' },
    time: {
      effective: '2026-11-23T09:59:58.000Z',
      device: '2026-11-23T10:59:58',
      received: '2026-11-23T09:59:59.000Z',
      correctionMs: 0,
      source: 'device',
    },
    lane: 'spot',
    ...overrides,
  };
}
