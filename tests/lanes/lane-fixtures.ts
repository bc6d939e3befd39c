/** Readings for the lane tests and benches: ECG waveform segments and a critical SpO2. */
import type { RecordInput } from '@telecart/gateway';

const PATIENT = { id: 'p1', assignment: 'home-kit' as const };

function time(ms: number) {
  const iso = new Date(ms).toISOString();
  return { effective: iso, device: null, received: iso, correctionMs: 0, source: 'gateway' as const };
}

/** One 4 s ECG lead II segment at 250 Hz (~3.4 KB of JSON, ~1.5 KB deflated), deterministic per `i`. */
export function ecgSegment(i: number, base = Date.UTC(2026, 10, 23, 8)): RecordInput {
  let s = (i + 1) * 2654435761;
  const noise = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s / 2 ** 32 - 0.5) * 12;
  };
  const hz = 250;
  const data: number[] = [];
  for (let k = 0; k < 4 * hz; k++) {
    const ph = ((k / hz) % 0.8) / 0.8;
    data.push(Math.round(Math.exp(-(((ph - 0.3) / 0.012) ** 2)) * 220 + Math.exp(-(((ph - 0.6) / 0.05) ** 2)) * 50 + noise()));
  }
  return {
    code: { loinc: '11524-6', display: 'EKG study', mdc: 131329 },
    status: 'final',
    flags: [],
    patient: PATIENT,
    device: { id: 'serial:/dev/ttyUSB0', transport: 'serial' },
    time: time(base + i * 4000),
    sampledData: { origin: { value: 0, unit: 'uV' }, periodMs: 4, factor: 5, dimensions: 1, channels: ['II'], data: data.join(' ') },
    lane: 'waveform',
  };
}

/** SpO2 85 %: below the 88 % threshold, so the gateway's alarm rule moves it to the alarm lane. */
export function criticalSpo2(at = Date.now()): RecordInput {
  return {
    code: { loinc: '2708-6', display: 'Oxygen saturation in Arterial blood', mdc: 150456 },
    value: { value: 85, unit: '%' },
    status: 'final',
    flags: [],
    patient: PATIENT,
    device: { id: 'ble:C0:FF:EE:00:00:03', transport: 'ble' },
    time: time(at),
    lane: 'spot',
  };
}

export const HOME_CONFIG = {
  gatewayId: 'lanes-gw',
  mode: 'home',
  homePatientId: 'p1',
  timeZone: 'UTC',
  patients: [{ id: 'p1', family: 'LANE', given: 'Test' }],
  http: { port: 0 },
} as const;
