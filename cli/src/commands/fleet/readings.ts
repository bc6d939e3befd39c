/**
 * The readings a simulated gateway sends: valid protocol Observations (the cloud validates and
 * stores them like any other), spot vitals in turn, and for carts an ECG lead II segment of 2 s.
 */
import { randomUUID } from 'node:crypto';
import { ecgCode, UCUM, VITALS } from '@telecart/devices';
import type { Lane, Observation } from '@telecart/protocol';

export interface ReadingContext {
  gatewayId: string;
  /** The cloud patient's local id on this gateway. */
  patientId: string;
  kind: 'home-kit' | 'cart';
}

const ECG_RATE_HZ = 250;
const ECG_SAMPLES = 2 * ECG_RATE_HZ;

function spot(seq: number): Pick<Observation, 'code' | 'value' | 'components'> {
  switch (seq % 4) {
    case 0:
      return {
        code: VITALS.bloodPressurePanel,
        components: [
          { code: VITALS.systolic, value: { value: 118 + (seq % 20), unit: UCUM.mmHg } },
          { code: VITALS.diastolic, value: { value: 72 + (seq % 10), unit: UCUM.mmHg } },
        ],
      };
    case 1:
      return { code: VITALS.pulseRateNonInvasive, value: { value: 60 + (seq % 30), unit: UCUM.perMin } };
    case 2:
      return { code: VITALS.spo2, value: { value: 94 + (seq % 5), unit: UCUM.percent } };
    default:
      return { code: VITALS.bodyWeight, value: { value: 60 + (seq % 40) / 2, unit: UCUM.kg } };
  }
}

/** A synthetic ECG: a sine-ish beat every 0.8 s in ADC units around 0 (text as FHIR SampledData.data). */
function ecgData(seq: number): string {
  const out: number[] = new Array(ECG_SAMPLES);
  for (let i = 0; i < ECG_SAMPLES; i++) {
    const t = ((i + seq * 7) % 200) / 200;
    out[i] = Math.round(t < 0.05 ? 400 * Math.sin(t * 20 * Math.PI) : 30 * Math.sin(t * 2 * Math.PI));
  }
  return out.join(' ');
}

/** Reading number `seq` of this gateway on `lane`, measured at `now` (ms since the epoch). */
export function makeReading(ctx: ReadingContext, seq: number, lane: Exclude<Lane, 'alarm'>, now: number): Observation {
  const at = new Date(now).toISOString();
  const base = {
    id: randomUUID(),
    seq,
    gatewayId: ctx.gatewayId,
    status: 'final' as const,
    flags: [],
    patient: { id: ctx.patientId, assignment: ctx.kind === 'cart' ? ('nurse-selected' as const) : ('home-kit' as const) },
    device: { id: `ble:FL:EE:T0:00:00:0${seq % 4}`, transport: 'ble' as const, manufacturer: 'telecart-sim', model: 'SIM-FLEET' },
    time: { effective: at, device: null, received: at, correctionMs: 0, source: 'gateway' as const },
    lane,
  };
  if (lane === 'spot') return { ...base, ...spot(seq) };
  return {
    ...base,
    device: { id: 'serial:ecg', transport: 'serial', model: 'SIM-ECG' },
    code: ecgCode(['II']),
    sampledData: {
      origin: { value: 0, unit: 'mV' },
      periodMs: 1000 / ECG_RATE_HZ,
      factor: 0.002,
      dimensions: 1,
      channels: ['II'],
      data: ecgData(seq),
    },
    segment: { recordingId: randomUUID(), index: 0, last: true },
  };
}
