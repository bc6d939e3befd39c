/**
 * Builders of valid protocol payloads for the cloud's tests (not used at run time).
 * Every value they produce passes the protocol validators; tests break them on purpose.
 */
import { randomUUID } from 'node:crypto';
import { UCUM, VITALS } from '@telecart/devices';
import type { GatewayStatus, Lane, Observation, ObservationBatch, ObservationStatus } from '@telecart/protocol';

export type VitalKind = 'bp' | 'pulse' | 'spo2' | 'weight' | 'temperature';

export interface ReadingOptions {
  seq: number;
  gatewayId?: string;
  patientId?: string;
  /** Effective time, ISO. */
  at?: string;
  contentKey?: string;
  id?: string;
  lane?: Lane;
  /** For bp: [systolic, diastolic]; otherwise the single value. */
  value?: number | [number, number];
  status?: ObservationStatus;
}

const DEFAULTS: Record<VitalKind, number | [number, number]> = {
  bp: [128, 82],
  pulse: 72,
  spo2: 97,
  weight: 70.5,
  temperature: 36.8,
};

export function reading(kind: VitalKind, o: ReadingOptions): Observation {
  const at = o.at ?? '2026-11-23T09:00:00.000Z';
  const raw = o.value ?? DEFAULTS[kind];
  const single = typeof raw === 'number' ? raw : raw[0];
  const base = {
    id: o.id ?? randomUUID(),
    seq: o.seq,
    gatewayId: o.gatewayId ?? 'cart-1',
    ...(o.contentKey !== undefined ? { contentKey: o.contentKey } : {}),
    status: o.status ?? ('final' as const),
    flags: [],
    patient: { id: o.patientId ?? 'p-001', assignment: 'nurse-selected' as const },
    device: { id: 'ble:C0:FF:EE:00:00:01', transport: 'ble' as const, model: 'SIM' },
    time: { effective: at, device: null, received: at, correctionMs: 0, source: 'gateway' as const },
    lane: o.lane ?? ('spot' as const),
  };
  switch (kind) {
    case 'bp': {
      const [sys, dia] = typeof raw === 'number' ? [raw, 80] : raw;
      return {
        ...base,
        code: VITALS.bloodPressurePanel,
        components: [
          { code: VITALS.systolic, value: { value: sys, unit: UCUM.mmHg } },
          { code: VITALS.diastolic, value: { value: dia, unit: UCUM.mmHg } },
        ],
      };
    }
    case 'pulse':
      return { ...base, code: VITALS.pulseRateNonInvasive, value: { value: single, unit: UCUM.perMin } };
    case 'spo2':
      return { ...base, code: VITALS.spo2, value: { value: single, unit: UCUM.percent } };
    case 'weight':
      return { ...base, code: VITALS.bodyWeight, value: { value: single, unit: UCUM.kg } };
    case 'temperature':
      return { ...base, code: VITALS.bodyTemperature, value: { value: single, unit: UCUM.celsius } };
  }
}

export function batchOf(observations: Observation[], o: { gatewayId?: string; lane?: Lane; batchId?: string } = {}): ObservationBatch {
  return {
    v: 1,
    batchId: o.batchId ?? randomUUID(),
    gatewayId: o.gatewayId ?? observations[0]?.gatewayId ?? 'cart-1',
    lane: o.lane ?? observations[0]?.lane ?? 'spot',
    sentAt: new Date().toISOString(),
    observations,
  };
}

export function statusOf(gatewayId: string, online: boolean, backlogReadings = 0): GatewayStatus {
  return {
    v: 1,
    gatewayId,
    online,
    at: new Date().toISOString(),
    version: '0.1.0',
    backlog: { readings: backlogReadings, bytes: backlogReadings * 300, oldestUnsyncedAt: null, held: 0 },
  };
}
