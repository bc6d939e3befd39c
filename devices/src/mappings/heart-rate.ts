/**
 * Heart Rate Measurement → one heart-rate draft (8867-4, MDC_ECG_HEART_RATE: chest straps measure the ECG).
 * Sensor contact "supported, not detected" → flag 'sensor-no-contact' and status 'entered-in-error' (no skin, no
 * heart to count: the value is kept as sent, never a vital sign; status-meaning.ts).
 * RR intervals are not mapped to drafts (no vital-signs code); any outside 0.2–3 s (300–20 /min) flags
 * 'implausible:rr-interval'. Energy expended is not a vital sign and is not mapped.
 */
import { bodySensorLocationName, type HeartRateMeasurement, RR_UNITS_PER_SECOND } from '../codecs/heart-rate.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { makeDraft } from './common.js';
import { checkDraft } from './status-meaning.js';

/** RR interval bounds in seconds: 300 /min and 20 /min, the pulse plausibility limits. */
export const RR_PLAUSIBLE_SECONDS = { min: 0.2, max: 3 } as const;

export function rrIntervalsImplausible(rr: readonly number[]): boolean {
  return rr.some((x) => x / RR_UNITS_PER_SECOND < RR_PLAUSIBLE_SECONDS.min || x / RR_UNITS_PER_SECOND > RR_PLAUSIBLE_SECONDS.max);
}

export interface HeartRateMappingOptions {
  /** Body Sensor Location (0x2A38) code read once per connection: flag 'body-site:<name>'. */
  sensorLocation?: number;
}

export function heartRateToDrafts(m: HeartRateMeasurement, opts: HeartRateMappingOptions = {}): ObservationDraft[] {
  const flags: string[] = [];
  if (m.sensorContact === 'no-contact') flags.push('sensor-no-contact');
  if (m.rrIntervals && rrIntervalsImplausible(m.rrIntervals)) flags.push('implausible:rr-interval');
  if (opts.sensorLocation !== undefined) flags.push(`body-site:${bodySensorLocationName(opts.sensorLocation)}`);
  return [makeDraft({ code: VITALS.heartRate, value: { value: m.heartRate, unit: UCUM.perMin }, status: 'final', flags })].map(checkDraft);
}
