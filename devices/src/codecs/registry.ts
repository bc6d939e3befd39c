/**
 * The supported GATT characteristics, in one table keyed by 16-bit short UUID, and one entry point
 * from (characteristic, bytes) to ObservationDraft[] for the gateway's device manager and the CLI.
 * Feature and time characteristics decode but yield no drafts (they are not readings).
 */
import { bloodPressureToDrafts, intermediateCuffPressureToDrafts } from '../mappings/blood-pressure.js';
import { withRecordNumber } from '../mappings/common.js';
import { glucoseToDrafts } from '../mappings/glucose.js';
import { heartRateToDrafts } from '../mappings/heart-rate.js';
import { plxContinuousToDrafts, plxSpotCheckToDrafts } from '../mappings/plx.js';
import { temperatureToDrafts } from '../mappings/temperature.js';
import { bodyCompositionToDrafts, weightToDrafts } from '../mappings/weight.js';
import type { ObservationDraft } from '../model/draft.js';
import { shortUuid } from '../model/frame.js';
import { decodeBloodPressureFeature, decodeBloodPressureMeasurement, decodeIntermediateCuffPressure } from './blood-pressure.js';
import { decodeCurrentTime, decodeDateTime } from './date-time.js';
import {
  decodeGlucoseFeature,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  type GlucoseMeasurementContext,
} from './glucose.js';
import { decodeBodySensorLocation, decodeHeartRateMeasurement } from './heart-rate.js';
import { decodePlxContinuous, decodePlxFeatures, decodePlxSpotCheck } from './plx.js';
import { decodeRacp } from './racp.js';
import { type CodecResult, fail, ok } from './result.js';
import { decodeTemperatureMeasurement } from './temperature.js';
import { decodeBodyCompositionMeasurement, decodeWeightMeasurement, decodeWeightScaleFeature, type WeightScaleFeature } from './weight.js';

/**
 * What the caller knows beyond the PDU, read once per connection or carried by a procedure. All optional:
 * without it the mapping uses the SIG defaults.
 */
export interface DecodeContext {
  /** Record number for devices whose PDUs carry none (e.g. the RACP record being replayed); glucose carries its own. */
  recordNumber?: number;
  /** Weight Scale Feature (0x2A9E): weight/height rounded to its declared resolution. */
  weightScaleFeature?: WeightScaleFeature;
  /** Body Sensor Location (0x2A38) code of a heart-rate sensor. */
  bodySensorLocation?: number;
  /** The Glucose Measurement Context joined to this measurement (see GlucoseContextJoiner). */
  glucoseContext?: GlucoseMeasurementContext;
}

export interface CharacteristicCodec {
  /** 16-bit short UUID, upper-case ('2A35'). */
  uuid: string;
  name: string;
  /** Short UUID of the service it lives in. */
  service: string;
  /** True when it carries readings (toDrafts can yield drafts); false for feature/time characteristics. */
  measurement: boolean;
  /** Bytes → typed structure (type erased in the table; import the specific decoder for the static type). */
  decode(bytes: Uint8Array): CodecResult<unknown>;
  /** Bytes → drafts, in one step (decode then map). */
  toDrafts(bytes: Uint8Array, context?: DecodeContext): CodecResult<ObservationDraft[]>;
}

/** Binds a typed decoder to its mapping; the type parameter lives only inside the closures. */
function codec<T>(
  uuid: string,
  name: string,
  service: string,
  decode: (bytes: Uint8Array) => CodecResult<T>,
  map?: (value: T, context: DecodeContext) => ObservationDraft[],
): CharacteristicCodec {
  return {
    uuid,
    name,
    service,
    measurement: map !== undefined,
    decode,
    toDrafts(bytes, context = {}) {
      const r = decode(bytes);
      if (!r.ok) return r;
      return ok(map ? withRecordNumber(map(r.value, context), context.recordNumber) : []);
    },
  };
}

const TABLE: readonly CharacteristicCodec[] = [
  codec('2A35', 'Blood Pressure Measurement', '1810', decodeBloodPressureMeasurement, bloodPressureToDrafts),
  codec('2A36', 'Intermediate Cuff Pressure', '1810', decodeIntermediateCuffPressure, intermediateCuffPressureToDrafts),
  codec('2A49', 'Blood Pressure Feature', '1810', decodeBloodPressureFeature),
  codec('2A9D', 'Weight Measurement', '181D', decodeWeightMeasurement, (m, c) =>
    weightToDrafts(m, c.weightScaleFeature ? { feature: c.weightScaleFeature } : {}),
  ),
  codec('2A9E', 'Weight Scale Feature', '181D', decodeWeightScaleFeature),
  codec('2A9C', 'Body Composition Measurement', '181B', decodeBodyCompositionMeasurement, bodyCompositionToDrafts),
  codec('2A5E', 'PLX Spot-Check Measurement', '1822', decodePlxSpotCheck, plxSpotCheckToDrafts),
  codec('2A5F', 'PLX Continuous Measurement', '1822', decodePlxContinuous, plxContinuousToDrafts),
  codec('2A60', 'PLX Features', '1822', decodePlxFeatures),
  codec('2A1C', 'Temperature Measurement', '1809', decodeTemperatureMeasurement, temperatureToDrafts),
  // Same layout as 0x2A1C, sent while measuring: live values, never final readings.
  codec('2A1E', 'Intermediate Temperature', '1809', decodeTemperatureMeasurement, (m) =>
    temperatureToDrafts(m).map((d) => ({ ...d, status: 'preliminary' as const })),
  ),
  codec('2A37', 'Heart Rate Measurement', '180D', decodeHeartRateMeasurement, (m, c) =>
    heartRateToDrafts(m, c.bodySensorLocation !== undefined ? { sensorLocation: c.bodySensorLocation } : {}),
  ),
  codec('2A38', 'Body Sensor Location', '180D', decodeBodySensorLocation),
  // Context-announcing measurements should go through GlucoseContextJoiner first; alone they map with 'glucose-context-missing'.
  codec('2A18', 'Glucose Measurement', '1808', decodeGlucoseMeasurement, (m, c) => glucoseToDrafts(m, { context: c.glucoseContext })),
  codec('2A34', 'Glucose Measurement Context', '1808', decodeGlucoseMeasurementContext),
  codec('2A51', 'Glucose Feature', '1808', decodeGlucoseFeature),
  // Requests (op codes 1..4) and indications (5, 6), told apart by the op code.
  codec('2A52', 'Record Access Control Point', '1808', decodeRacp),
  codec('2A08', 'Date Time', '1810', (b) => decodeDateTime(b)),
  codec('2A2B', 'Current Time', '1805', decodeCurrentTime),
];

export const CHARACTERISTIC_CODECS: Readonly<Record<string, CharacteristicCodec>> = Object.freeze(
  Object.fromEntries(TABLE.map((c) => [c.uuid, c])),
);

/** '2A35', '2a35', '0x2A35' or the full 128-bit SIG UUID → '2A35'; anything else → undefined. */
export function normalizeCharacteristic(characteristic: string): string | undefined {
  const s = shortUuid(characteristic.trim().replace(/^0x/i, ''));
  return /^[0-9A-F]{4}$/.test(s) ? s : undefined;
}

export function findCodec(characteristic: string): CharacteristicCodec | undefined {
  const key = normalizeCharacteristic(characteristic);
  return key === undefined ? undefined : CHARACTERISTIC_CODECS[key];
}

/** Decodes bytes from a characteristic into drafts; an unknown characteristic is an error on field 'characteristic'. */
export function decodeCharacteristic(characteristic: string, bytes: Uint8Array, context?: DecodeContext): CodecResult<ObservationDraft[]> {
  const c = findCodec(characteristic);
  if (!c)
    return fail(
      'characteristic',
      `unsupported characteristic "${characteristic.slice(0, 64)}" (supported: ${Object.keys(CHARACTERISTIC_CODECS).join(', ')})`,
    );
  return c.toDrafts(bytes, context);
}
