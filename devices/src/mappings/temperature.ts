/**
 * Temperature measurement → body temperature draft in Cel or [degF] as sent. The measurement site
 * (Temperature Type) is kept as a flag 'body-site:<site>' (e.g. 'body-site:finger'; unknown codes
 * 'body-site:reserved-<n>'), because ObservationDraft has no body-site field; FHIR export may map it
 * to Observation.bodySite later.
 */
import { TEMPERATURE_SITES, type TemperatureMeasurement } from '../codecs/temperature.js';
import { UCUM, VITALS } from '../model/codes.js';
import type { ObservationDraft } from '../model/draft.js';
import { deviceTimeOf, makeDraft, numberOrFlag } from './common.js';
import { checkDraft } from './status-meaning.js';

export function bodySiteFlag(temperatureType: number): string {
  return `body-site:${TEMPERATURE_SITES[temperatureType] ?? `reserved-${temperatureType}`}`;
}

export function temperatureToDrafts(m: TemperatureMeasurement): ObservationDraft[] {
  const { deviceTime, flags } = deviceTimeOf(m.timestamp);
  if (m.temperatureType !== undefined) flags.push(bodySiteFlag(m.temperatureType));
  const v = numberOrFlag(m.temperature, 'temperature', flags);
  if (v === undefined) return [];
  const unit = m.unit === 'celsius' ? UCUM.celsius : UCUM.fahrenheit;
  return [makeDraft({ code: VITALS.bodyTemperature, value: { value: v, unit }, status: 'final', flags, deviceTime })].map(checkDraft);
}
