/**
 * Pulse oximetry → SpO2 (%) and pulse rate (/min) drafts. Set status bits become flags on both, and change the
 * status where they change the meaning (invalid / unavailable → entered-in-error, demonstration / testing → not
 * patient data, ongoing → preliminary: status-meaning.ts);
 * ('questionable-measurement', 'low-perfusion', 'data-from-storage', …, names from codecs/plx.ts).
 * Spot-check: 'final'; flag bit 4 "device clock is not set" → flag 'device-clock-not-set' and no device time
 * (the gateway uses its receive time). Continuous: 'preliminary' live values, SpO2PR-Normal only
 * (Fast/Slow are alternative averagings of the same signal; PAI has no vital-signs code and is not mapped).
 */
import type { Code } from '@telecart/protocol';
import {
  type PlxContinuous,
  type PlxSpotCheck,
  plxDeviceSensorStatusNames,
  plxMeasurementStatusNames,
  type Spo2PulseRate,
} from '../codecs/plx.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { DeviceDateTime, ObservationDraft } from '../model/draft.js';
import { deviceTimeOf, makeDraft, numberOrFlag } from './common.js';
import { checkDraft } from './status-meaning.js';

export function plxStatusFlags(measurementStatus: number | undefined, deviceSensorStatus: number | undefined): string[] {
  return [
    ...(measurementStatus === undefined ? [] : plxMeasurementStatusNames(measurementStatus)),
    ...(deviceSensorStatus === undefined ? [] : plxDeviceSensorStatusNames(deviceSensorStatus)),
  ];
}

function pairToDrafts(
  pair: Spo2PulseRate,
  status: ObservationDraft['status'],
  flags: string[],
  deviceTime: DeviceDateTime | undefined,
): ObservationDraft[] {
  const unavailable: string[] = [];
  const spo2 = numberOrFlag(pair.spo2, 'spo2', unavailable);
  const pulse = numberOrFlag(pair.pulseRate, 'pulseRate', unavailable);
  const all = [...flags, ...unavailable];
  const one = (code: Code, value: number, unit: string) => makeDraft({ code, value: { value, unit }, status, flags: all, deviceTime });
  const drafts: ObservationDraft[] = [];
  if (spo2 !== undefined) drafts.push(one(VITALS.spo2, spo2, UCUM.percent));
  if (pulse !== undefined) drafts.push(one(VITALS.oximetryPulseRate, pulse, UCUM.perMin));
  return drafts.map(checkDraft);
}

export function plxSpotCheckToDrafts(m: PlxSpotCheck): ObservationDraft[] {
  const flags = plxStatusFlags(m.measurementStatus, m.deviceSensorStatus);
  if (m.deviceClockNotSet) return pairToDrafts(m, 'final', [...flags, 'device-clock-not-set'], undefined);
  const { deviceTime, flags: timeFlags } = deviceTimeOf(m.timestamp);
  return pairToDrafts(m, 'final', [...flags, ...timeFlags], deviceTime);
}

export function plxContinuousToDrafts(m: PlxContinuous): ObservationDraft[] {
  return pairToDrafts(m.normal, 'preliminary', plxStatusFlags(m.measurementStatus, m.deviceSensorStatus), undefined);
}
