/**
 * Reusable capability pieces: each returns one thing a device can do, with the code that does it
 * where the gateway must not know the profile (the glucose record join, a stream's readings).
 * Definitions compose them; drivers and the gateway act on them.
 */
import { glucoseRecordJoiner } from './glucose-join.js';
import type {
  BondingCapability,
  CurrentTimeCapability,
  DeviceInformationCapability,
  DriftPolicy,
  MeasurementCapability,
  RecordAccessCapability,
  StreamDecoderCapability,
} from './types.js';

/** Blood Pressure Service 0x1810: measurement 0x2A35 (indicate), feature 0x2A49. ICP is a separate piece. */
export function bloodPressure(opts: { multiUser?: boolean } = {}): MeasurementCapability {
  return {
    kind: 'measurement',
    profile: 'blood-pressure',
    service: '1810',
    characteristics: [
      { uuid: '2A35', role: 'reading' },
      { uuid: '2A49', role: 'feature' },
    ],
    ...(opts.multiUser ? { multiUser: true } : {}),
  };
}

/** Intermediate Cuff Pressure 0x2A36: the cuff pressure while inflating, shown live, never stored. */
export function intermediateCuffPressure(): MeasurementCapability {
  return { kind: 'measurement', profile: 'blood-pressure', service: '1810', characteristics: [{ uuid: '2A36', role: 'live' }] };
}

/** Weight Scale Service 0x181D: 0x2A9D (indicate), feature 0x2A9E. multiUser: user index → patient. */
export function weight(opts: { multiUser?: boolean } = {}): MeasurementCapability {
  return {
    kind: 'measurement',
    profile: 'weight',
    service: '181D',
    characteristics: [
      { uuid: '2A9D', role: 'reading' },
      { uuid: '2A9E', role: 'feature' },
    ],
    ...(opts.multiUser ? { multiUser: true } : {}),
  };
}

/** Body Composition Service 0x181B, the weight family's companion: 0x2A9C (indicate). multiUser as for weight. */
export function bodyComposition(opts: { multiUser?: boolean } = {}): MeasurementCapability {
  return {
    kind: 'measurement',
    profile: 'body-composition',
    service: '181B',
    characteristics: [{ uuid: '2A9C', role: 'reading' }],
    ...(opts.multiUser ? { multiUser: true } : {}),
  };
}

/** Pulse Oximeter Service 0x1822, spot-check 0x2A5E (indicate): stored readings. */
export function plxSpot(): MeasurementCapability {
  return {
    kind: 'measurement',
    profile: 'pulse-oximeter',
    service: '1822',
    characteristics: [
      { uuid: '2A5E', role: 'reading' },
      { uuid: '2A60', role: 'feature' },
    ],
  };
}

/** PLX continuous 0x2A5F (notify): live values only. */
export function plxContinuous(): MeasurementCapability {
  return { kind: 'measurement', profile: 'pulse-oximeter', service: '1822', characteristics: [{ uuid: '2A5F', role: 'live' }] };
}

/** Health Thermometer 0x1809: 0x2A1C (indicate) stored, intermediate 0x2A1E live. */
export function temperature(): MeasurementCapability {
  return {
    kind: 'measurement',
    profile: 'thermometer',
    service: '1809',
    characteristics: [
      { uuid: '2A1C', role: 'reading' },
      { uuid: '2A1E', role: 'live' },
    ],
  };
}

/** Heart Rate Service 0x180D: 0x2A37 (notify). */
export function heartRate(): MeasurementCapability {
  return { kind: 'measurement', profile: 'heart-rate', service: '180D', characteristics: [{ uuid: '2A37', role: 'reading' }] };
}

/**
 * Glucose Service 0x1808: measurement 0x2A18, context 0x2A34 (subscribed when `context`). Both go
 * through the record joiner, which joins a context to the measurement of the same sequence number.
 */
export function glucose(opts: { context?: boolean } = {}): MeasurementCapability {
  return {
    kind: 'measurement',
    profile: 'glucose',
    service: '1808',
    characteristics: [
      { uuid: '2A18', role: 'reading' },
      ...(opts.context ? [{ uuid: '2A34', role: 'context' as const }] : []),
      { uuid: '2A51', role: 'feature' },
    ],
    ...(opts.context ? { context: true } : {}),
    join: { characteristics: ['2A18', '2A34'], create: glucoseRecordJoiner },
  };
}

/** Record Access Control Point 0x2A52 (write + indicate): stored-record download on connect. */
export function recordAccess(
  opts: { filter?: 'sequence' | 'all'; countFirst?: boolean; responseTimeoutMs?: number } = {},
): RecordAccessCapability {
  return {
    kind: 'record-access',
    uuid: '2A52',
    filter: opts.filter ?? 'sequence',
    countFirst: opts.countFirst ?? true,
    responseTimeoutMs: opts.responseTimeoutMs ?? 30_000,
  };
}

/** The default tolerance: two minutes, as the gateway's clockDriftToleranceMs default. */
export const DEFAULT_DRIFT_POLICY: DriftPolicy = { toleranceMs: 120_000, action: 'write-then-correct' };

/**
 * Device clock: Current Time 0x2A2B in CTS 0x1805 by default, or e.g. `{uuid:'2A08', service:'1810'}`
 * for devices that take a Date Time in their profile service.
 */
export function currentTime(
  opts: { writable?: boolean; driftPolicy?: Partial<DriftPolicy>; uuid?: string; service?: string } = {},
): CurrentTimeCapability {
  const writable = opts.writable ?? true;
  return {
    kind: 'current-time',
    uuid: opts.uuid ?? '2A2B',
    service: opts.service ?? '1805',
    writable,
    driftPolicy: {
      ...DEFAULT_DRIFT_POLICY,
      ...(writable ? {} : { action: 'correct-only' as const }),
      ...opts.driftPolicy,
    },
  };
}

export function deviceInformation(): DeviceInformationCapability {
  return { kind: 'device-information' };
}

export function bonding(mode: 'required' | 'optional' = 'optional'): BondingCapability {
  return { kind: 'bonding', mode };
}

/** For serial/audio definitions: names the stream format and its decoder factory. */
export function streamDecoder<Out>(c: Omit<StreamDecoderCapability<Out>, 'kind'>): StreamDecoderCapability<Out> {
  return { kind: 'stream-decoder', ...c };
}
