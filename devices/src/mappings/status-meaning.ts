/**
 * What each device status / annunciation bit means for the record, in one table keyed by the flag the
 * mappings write for it. FHIR readers may ignore extensions, so a bit that changes what a value means
 * must change the Observation itself, not only add a flag:
 *
 * - 'not-patient-data': the reading is not about the patient (glucose control solution, PLX
 *   demonstration / testing data). The draft gets `notPatientData`; the gateway never stores it.
 * - 'invalid': the device says the value is not a valid measurement of the patient (PLX invalid
 *   measurement, sensor not on the patient, heart-rate sensor without skin contact, glucose strip
 *   errors). A final draft becomes 'entered-in-error': kept for the record, never a vital sign,
 *   trend point or alert.
 * - 'preliminary': an interim value (measurement / calibration / signal analysis ongoing, early
 *   estimate). A final draft becomes 'preliminary': shown live, not stored as a reading.
 * - 'above-range' / 'below-range': the true value is beyond the number sent (glucose HI / LO):
 *   Quantity.comparator '>' / '<'.
 * - 'interpretation-high' / 'interpretation-low': the device found the value above / below its limit
 *   (BP pulse rate range): FHIR interpretation H / L on the pulse (fhir/observation.ts).
 * - 'questionable': the device doubts the value (motion, loose cuff, poor signal): stays final,
 *   flagged (FHIR extension + note); the clinician weighs it.
 * - 'informational': context that does not change the value (battery low, data from storage).
 *
 * Sources: Bluetooth SIG GATT Specification Supplement and the BLS / PLXS / HRS / GLS / HTS / WSS
 * service specifications; the full table with reasons is in docs/devices.md.
 */
import type { Comparator } from '@telecart/protocol';
import type { NotPatientDataReason, ObservationDraft } from '../model/draft.js';
import { applyPlausibility } from './plausibility.js';

export type BitMeaning =
  | 'not-patient-data'
  | 'invalid'
  | 'preliminary'
  | 'above-range'
  | 'below-range'
  | 'interpretation-high'
  | 'interpretation-low'
  | 'questionable'
  | 'informational';

/** Every status / annunciation flag the mappings write, by profile, with its meaning. */
export const STATUS_FLAG_MEANING = {
  // Blood Pressure Measurement Status (0x2A35 / 0x2A36)
  'body-movement': 'questionable',
  'cuff-too-loose': 'questionable',
  'irregular-pulse': 'informational',
  'pulse-rate-above-range': 'interpretation-high',
  'pulse-rate-below-range': 'interpretation-low',
  'improper-position': 'questionable',
  // PLX Measurement Status (0x2A5E / 0x2A5F)
  'measurement-ongoing': 'preliminary',
  'early-estimated-data': 'preliminary',
  'validated-data': 'informational',
  'fully-qualified-data': 'informational',
  'data-from-storage': 'informational',
  'demonstration-data': 'not-patient-data',
  'testing-data': 'not-patient-data',
  'calibration-ongoing': 'preliminary',
  'measurement-unavailable': 'invalid',
  'questionable-measurement': 'questionable',
  'invalid-measurement': 'invalid',
  // PLX Device and Sensor Status
  'extended-display-update-ongoing': 'informational',
  'equipment-malfunction': 'invalid',
  'signal-processing-irregularity': 'questionable',
  'inadequate-signal': 'questionable',
  'poor-signal': 'questionable',
  'low-perfusion': 'questionable',
  'erratic-signal': 'questionable',
  'non-pulsatile-signal': 'questionable',
  'questionable-pulse': 'questionable',
  'signal-analysis-ongoing': 'preliminary',
  'sensor-interference': 'questionable',
  'sensor-unconnected-to-user': 'invalid',
  'unknown-sensor-connected': 'questionable',
  'sensor-displaced': 'questionable',
  'sensor-malfunctioning': 'invalid',
  'sensor-disconnected': 'invalid',
  // PLX spot-check flag bit 4
  'device-clock-not-set': 'informational',
  // Heart Rate Measurement sensor contact (flag bits 1–2 = 2)
  'sensor-no-contact': 'invalid',
  // Glucose Sensor Status Annunciation (0x2A18)
  'battery-low': 'informational',
  'sensor-malfunction': 'invalid',
  'sample-size-insufficient': 'invalid',
  'strip-insertion-error': 'invalid',
  'strip-type-incorrect': 'invalid',
  'result-above-range': 'above-range',
  'result-below-range': 'below-range',
  'sensor-temperature-too-high': 'questionable',
  'sensor-temperature-too-low': 'questionable',
  'read-interrupted': 'invalid',
  'general-device-fault': 'invalid',
  'time-fault': 'informational',
  // Glucose type 10 / sample location 4
  'control-solution': 'not-patient-data',
} as const satisfies Record<string, BitMeaning>;

export type StatusFlag = keyof typeof STATUS_FLAG_MEANING;

export function meaningOf(flag: string): BitMeaning | undefined {
  return Object.hasOwn(STATUS_FLAG_MEANING, flag) ? STATUS_FLAG_MEANING[flag as StatusFlag] : undefined;
}

const NOT_PATIENT_REASON: Partial<Record<StatusFlag, NotPatientDataReason>> = {
  'control-solution': 'control-solution',
  'demonstration-data': 'demonstration-data',
  'testing-data': 'testing-data',
};

/**
 * The draft as its status bits say it must be recorded (a new object when anything changes):
 * not patient data > invalid (entered-in-error) > preliminary > final. A live (preliminary) draft stays
 * preliminary: it is never stored, and its flags tell the screen. Above / below range sets the
 * comparator of the value; both at once contradict each other and make the value invalid.
 */
export function applyStatusMeaning(d: ObservationDraft): ObservationDraft {
  const meanings = new Set<BitMeaning>();
  let notPatient: NotPatientDataReason | undefined;
  for (const f of d.flags) {
    const m = meaningOf(f);
    if (!m) continue;
    meanings.add(m);
    notPatient ??= NOT_PATIENT_REASON[f as StatusFlag];
  }
  const out: ObservationDraft = { ...d };
  let changed = false;
  if (notPatient) {
    out.notPatientData = notPatient;
    changed = true;
  }
  const above = meanings.has('above-range');
  const below = meanings.has('below-range');
  const invalid = meanings.has('invalid') || (above && below);
  if (d.status === 'final' && invalid) {
    out.status = 'entered-in-error';
    changed = true;
  } else if (d.status === 'final' && meanings.has('preliminary')) {
    out.status = 'preliminary';
    changed = true;
  }
  if (out.value && above !== below) {
    const comparator: Comparator = above ? '>' : '<';
    out.value = { ...out.value, comparator };
    changed = true;
  }
  return changed ? out : d;
}

/** The last step of every mapping: plausibility flags, then what the status bits mean for the record. */
export function checkDraft(d: ObservationDraft): ObservationDraft {
  return applyStatusMeaning(applyPlausibility(d));
}
