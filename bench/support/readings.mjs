// Realistic gateway readings for the benchmarks: a mix of spot vitals (BP panel with components,
// pulse, SpO2, weight, temperature), ECG/pleth waveform segments (FHIR SampledData) and
// stethoscope attachments. Deterministic (seeded) so runs compare.
import { createHash } from 'node:crypto';

export function rng(seed = 1) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const PATIENTS = [
  { id: 'p-001', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10', assignment: 'nurse-selected' },
  { id: 'p-002', assignment: 'nurse-selected' },
  { id: 'p-003', assignment: 'device-user', userIndex: 1 },
];

function time(ms) {
  const effective = new Date(ms).toISOString();
  return { effective, device: effective.slice(0, 19), received: new Date(ms + 350).toISOString(), correctionMs: 0, source: 'device' };
}

const DEVICES = {
  bp: { id: 'ble:C0:FF:EE:00:00:01', transport: 'ble', manufacturer: 'telecart-sim', model: 'SIM-BPM' },
  ox: { id: 'ble:C0:FF:EE:00:00:03', transport: 'ble', manufacturer: 'telecart-sim', model: 'SIM-OXI' },
  sc: { id: 'ble:C0:FF:EE:00:00:02', transport: 'ble', manufacturer: 'telecart-sim', model: 'SIM-SCALE' },
  th: { id: 'ble:C0:FF:EE:00:00:04', transport: 'ble', manufacturer: 'telecart-sim', model: 'SIM-THERMO' },
  ecg: { id: 'serial:/dev/ttyUSB0', transport: 'serial', manufacturer: 'telecart-sim', model: 'SIM-ECG' },
  steth: { id: 'audio:steth-1', transport: 'audio', manufacturer: 'telecart-sim', model: 'SIM-STETH' },
};

const mmHg = (value) => ({ value, unit: 'mm[Hg]' });

/** A spot reading input (no id/seq/gatewayId: the store gives them). */
export function spotInput(i, r = rng(i + 1), base = Date.UTC(2026, 10, 23, 8)) {
  const t = base + i * 1000;
  const patient = PATIENTS[i % PATIENTS.length];
  const common = { status: 'final', flags: [], patient, time: time(t), lane: 'spot' };
  switch (i % 5) {
    case 0:
      return {
        ...common,
        contentKey: `${DEVICES.bp.id}|${new Date(t).toISOString()}|85354-9`,
        code: { loinc: '85354-9', display: 'Blood pressure panel', mdc: 18948 },
        components: [
          { code: { loinc: '8480-6', display: 'Systolic blood pressure', mdc: 18949 }, value: mmHg(110 + Math.round(r() * 40)) },
          { code: { loinc: '8462-4', display: 'Diastolic blood pressure', mdc: 18950 }, value: mmHg(65 + Math.round(r() * 20)) },
          { code: { loinc: '8478-0', display: 'Mean blood pressure', mdc: 18951 }, value: mmHg(80 + Math.round(r() * 20)) },
        ],
        device: DEVICES.bp,
      };
    case 1:
      return {
        ...common,
        code: { loinc: '8867-4', display: 'Heart rate', mdc: 149546 },
        value: { value: 60 + Math.round(r() * 30), unit: '/min' },
        device: DEVICES.bp,
      };
    case 2:
      return {
        ...common,
        code: { loinc: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', mdc: 150456 },
        value: { value: 93 + Math.round(r() * 6), unit: '%' },
        device: DEVICES.ox,
      };
    case 3:
      return {
        ...common,
        code: { loinc: '29463-7', display: 'Body weight', mdc: 188736 },
        value: { value: Math.round((55 + r() * 30) * 10) / 10, unit: 'kg' },
        device: DEVICES.sc,
      };
    default:
      return {
        ...common,
        code: { loinc: '8310-5', display: 'Body temperature', mdc: 150364 },
        value: { value: Math.round((36.2 + r() * 1.5) * 10) / 10, unit: 'Cel' },
        device: DEVICES.th,
      };
  }
}

/** An ECG lead II segment: `seconds` at 250 Hz, digital units of 5 µV (a synthetic beat every 0.8 s + noise). */
export function ecgSegmentInput(i, { seconds = 4, hz = 250, base = Date.UTC(2026, 10, 23, 8) } = {}) {
  const r = rng(1000 + i);
  const n = seconds * hz;
  const samples = new Array(n);
  for (let k = 0; k < n; k++) {
    const ph = ((k / hz) % 0.8) / 0.8;
    const qrs = Math.exp(-(((ph - 0.3) / 0.012) ** 2)) * 220;
    const t = Math.exp(-(((ph - 0.6) / 0.05) ** 2)) * 50;
    samples[k] = Math.round(qrs + t + (r() - 0.5) * 12);
  }
  return {
    code: { loinc: '11524-6', display: 'EKG study', mdc: 131329 },
    status: 'final',
    flags: [],
    patient: PATIENTS[0],
    device: DEVICES.ecg,
    time: time(base + i * seconds * 1000),
    sampledData: {
      origin: { value: 0, unit: 'uV' },
      periodMs: 1000 / hz,
      factor: 5,
      dimensions: 1,
      channels: ['II'],
      data: samples.join(' '),
    },
    segment: { recordingId: '0190a0b0-0000-7000-8000-000000000ec1', index: i },
    lane: 'waveform',
  };
}

/** A stethoscope recording segment carried as an attachment (FLAC is close to incompressible: random bytes). */
export function attachmentInput(i, bytes = 48 * 1024) {
  const r = rng(5000 + i);
  const raw = Buffer.alloc(bytes);
  for (let k = 0; k < bytes; k++) raw[k] = Math.floor(r() * 256);
  return {
    code: { loinc: '11524-6', display: 'Auscultation (bench fixture)' },
    status: 'final',
    flags: [],
    patient: PATIENTS[0],
    device: DEVICES.steth,
    time: time(Date.UTC(2026, 10, 23, 8) + i * 1000),
    attachment: {
      contentType: 'audio/flac',
      data: raw.toString('base64'),
      size: bytes,
      sha256: createHash('sha256').update(raw).digest('hex'),
      durationMs: 3000,
      sampleRateHz: 4000,
    },
    segment: { recordingId: '0190a0b0-0000-7000-8000-000000000a7c', index: i },
    lane: 'waveform',
  };
}

/** Input → a full wire Observation (id/seq/gatewayId as the store would give them). */
export function asObservation(input, seq, gatewayId = 'bench-gw') {
  // UUIDv7 shape with its 74 random bits random, as the store makes them (they do not compress).
  const r = rng(seq * 7919 + 17);
  const h = (n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const ms = (Date.UTC(2026, 10, 23, 8) + seq).toString(16).padStart(12, '0');
  const id = `${ms.slice(0, 8)}-${ms.slice(8)}-7${h(3)}-${'89ab'[Math.floor(r() * 4)]}${h(3)}-${h(12)}`;
  return { id, seq, gatewayId, ...input };
}
