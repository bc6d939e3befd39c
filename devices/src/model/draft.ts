/**
 * What a codec mapping yields for one reading, before the gateway gives it an identity
 * (id, seq), a patient and a corrected time. Pure data, no I/O.
 */
import type { Code, Component, Lane, ObservationStatus, Quantity } from '@telecart/protocol';

/** A device timestamp as the device sent it: local wall-clock fields, no time zone. */
export interface DeviceDateTime {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export type NotPatientDataReason = 'control-solution' | 'demonstration-data' | 'testing-data';

export interface ObservationDraft {
  code: Code;
  value?: Quantity;
  components?: Component[];
  /**
   * 'preliminary' for live values that must not be stored as final readings (e.g. cuff pressure);
   * 'entered-in-error' when the device said the value is not a valid measurement of the patient
   * (mappings/status-meaning.ts decides from the status bits).
   */
  status: ObservationStatus;
  /**
   * Set when the reading is not about the patient at all (glucose control solution, PLX demonstration or
   * testing data): it must never become the patient's observation. The gateway drops it with a log and a
   * counter; `telecart decode` shows it with this reason.
   */
  notPatientData?: NotPatientDataReason;
  /** Device-reported conditions and gateway checks, e.g. 'irregular-pulse', 'implausible:spo2>100'. */
  flags: string[];
  /** The device's own timestamp, if it sent a usable one. */
  deviceTime?: DeviceDateTime;
  /** The device's user index (multi-user scales, cuffs); 0xFF 'unknown' is left undefined. */
  userIndex?: number;
  /** The device's own record number (e.g. glucose sequence number), for the content key. */
  recordNumber?: number;
  lane: Lane;
}

/** The UTC fields of a Date as device wall-clock fields (callers shift the instant by the zone first). */
export function utcDateFields(d: Date): DeviceDateTime {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
  };
}

/** Formats a device time as sent, e.g. '2024-05-01T08:15:30' (no offset: devices have none). */
export function formatDeviceDateTime(t: DeviceDateTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)}T${p(t.hours)}:${p(t.minutes)}:${p(t.seconds)}`;
}
