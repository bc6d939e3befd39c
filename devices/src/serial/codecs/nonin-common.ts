/**
 * What Nonin data formats 2, 7, 8 and 13 share: the missing-data sentinels (HR 511, SpO2 127)
 * and the status bits. Source: Nonin 9560 Bluetooth Specification, cross-checked against
 * mattjlewis/NoninPulseOx (DataFormat*Serialiser.java) and Pufferfish PacketReceiver.cpp.
 */

/** "No pulse rate" sentinel of every format (9-bit field all ones). */
export const NONIN_HR_MISSING = 511;
/** "No SpO2" sentinel of every format (7-bit field all ones). */
export const NONIN_SPO2_MISSING = 127;

/** 9-bit pulse rate from the MSB (bits 1..0 = HR8, HR7) and LSB (bits 6..0) bytes; null for the sentinel. */
export function noninHr(msb: number, lsb: number): number | null {
  const hr = ((msb & 0x03) << 7) | (lsb & 0x7f);
  return hr === NONIN_HR_MISSING ? null : hr;
}

/** The two bytes (MSB, LSB) of a 9-bit pulse rate; null → the sentinel. */
export function noninHrBytes(hr: number | null): [number, number] {
  const v = hr ?? NONIN_HR_MISSING;
  if (!Number.isInteger(v) || v < 0 || v > NONIN_HR_MISSING) throw new RangeError(`hr: ${v} is not an integer in 0..511`);
  return [(v >> 7) & 0x03, v & 0x7f];
}

export function noninSpo2(byte: number): number | null {
  const v = byte & 0x7f;
  return v === NONIN_SPO2_MISSING ? null : v;
}

export function noninSpo2Byte(spo2: number | null): number {
  const v = spo2 ?? NONIN_SPO2_MISSING;
  if (!Number.isInteger(v) || v < 0 || v > NONIN_SPO2_MISSING) throw new RangeError(`spo2: ${v} is not an integer in 0..127`);
  return v;
}

export type NoninPerfusion = 'none' | 'green' | 'yellow' | 'red';

/** (RPRF, GPRF) → perfusion colour: green (0,1), yellow (1,1), red (1,0). */
export function perfusionOf(rprf: boolean, gprf: boolean): NoninPerfusion {
  if (rprf && gprf) return 'yellow';
  if (rprf) return 'red';
  return gprf ? 'green' : 'none';
}

/** DF2/DF7 frame status byte (bit 7 always 1). */
export const NONIN_STATUS = {
  /** Sensor disconnect on OEM III modules; reserved on the 9560. */
  SNSD: 0x40,
  /** Artifact on this pulse. */
  ARTF: 0x20,
  /** Out of track: sustained artifact, values not to be trusted. */
  OOT: 0x10,
  /** Sensor alarm: finger out / sensor off. */
  SNSA: 0x08,
  RPRF: 0x04,
  GPRF: 0x02,
  /** Set only in frame 1 of each 25-frame packet. */
  SYNC: 0x01,
} as const;

/** STAT2 (DF2/DF7 frame 8, DF8 byte 4). */
export const NONIN_STAT2 = { SPA: 0x20, SNSA: 0x08, LOW_BAT: 0x01 } as const;

/**
 * Condition flags (the gateway's flag vocabulary) from a DF2/DF7 status byte. Perfusion is not a
 * condition except red (low) perfusion.
 */
export function noninStatusFlags(status: number): string[] {
  const f: string[] = [];
  if (status & NONIN_STATUS.SNSD) f.push('sensor-disconnected');
  if (status & NONIN_STATUS.ARTF) f.push('artifact');
  if (status & NONIN_STATUS.OOT) f.push('out-of-track');
  if (status & NONIN_STATUS.SNSA) f.push('sensor-alarm');
  if (perfusionOf((status & NONIN_STATUS.RPRF) !== 0, (status & NONIN_STATUS.GPRF) !== 0) === 'red') f.push('low-perfusion');
  return f;
}

export function noninStat2Flags(stat2: number): string[] {
  const f: string[] = [];
  if (stat2 & NONIN_STAT2.SNSA) f.push('sensor-alarm');
  if (stat2 & NONIN_STAT2.LOW_BAT) f.push('low-battery');
  return f;
}

/**
 * Flags that make a value unusable as a reading: the device itself says the measurement is not
 * tracking a pulse. 'artifact' alone (one pulse) or low perfusion only qualify a value.
 */
export const NONIN_DISQUALIFYING_FLAGS: readonly string[] = ['sensor-disconnected', 'out-of-track', 'sensor-alarm'];
