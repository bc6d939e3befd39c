/**
 * Temperature Measurement (0x2A1C): flags, FLOAT temperature (°C or °F), optional time stamp and
 * temperature type (measurement site). Trailing bytes are ignored; reserved flag bits kept.
 */
import type { DeviceDateTime } from '../model/draft.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { Medfloat } from './ieee11073.js';
import { type CodecResult, decodeWith } from './result.js';

export type TemperatureUnit = 'celsius' | 'fahrenheit';

/** Temperature Type (0x2A1D) values; 0 and 10..255 are reserved. */
export const TEMPERATURE_SITES: Readonly<Record<number, string>> = {
  1: 'armpit',
  2: 'body',
  3: 'ear',
  4: 'finger',
  5: 'gastro-intestinal-tract',
  6: 'mouth',
  7: 'rectum',
  8: 'toe',
  9: 'tympanum',
};

export interface TemperatureMeasurement {
  unit: TemperatureUnit;
  temperature: Medfloat;
  timestamp?: DeviceDateTime;
  /** Temperature Type as sent (see TEMPERATURE_SITES). */
  temperatureType?: number;
  /** Flag bits 3..7 as received (reserved). */
  reservedFlags?: number;
}

const FLAGS_RESERVED = 0xf8;

export function decodeTemperatureMeasurement(bytes: Uint8Array): CodecResult<TemperatureMeasurement> {
  return decodeWith(() => {
    const r = new ByteReader(bytes);
    const flags = r.uint8('flags');
    const m: TemperatureMeasurement = { unit: flags & 0x01 ? 'fahrenheit' : 'celsius', temperature: r.float('temperature') };
    if (flags & 0x02) m.timestamp = r.dateTime('timestamp');
    if (flags & 0x04) m.temperatureType = r.uint8('temperatureType');
    if (flags & FLAGS_RESERVED) m.reservedFlags = flags & FLAGS_RESERVED;
    return m;
  });
}

export function encodeTemperatureMeasurement(m: TemperatureMeasurement): Uint8Array {
  const flags =
    (m.unit === 'fahrenheit' ? 0x01 : 0) |
    (m.timestamp ? 0x02 : 0) |
    (m.temperatureType !== undefined ? 0x04 : 0) |
    ((m.reservedFlags ?? 0) & FLAGS_RESERVED);
  const w = new ByteWriter().uint8(flags).float(m.temperature);
  if (m.timestamp) w.dateTime(m.timestamp);
  if (m.temperatureType !== undefined) w.uint8(m.temperatureType, 'temperatureType');
  return w.bytes();
}
