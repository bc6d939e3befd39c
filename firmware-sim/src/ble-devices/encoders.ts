/**
 * The simulated devices' readings as GATT PDUs, through the project's codecs (the same ones the
 * gateway decodes with), so the simulators and the decoders are checked against each other.
 */
import {
  type DeviceDateTime,
  encodeBloodPressureFeature,
  encodeBloodPressureMeasurement,
  encodeBodyCompositionMeasurement,
  encodeGlucoseFeature,
  encodeGlucoseMeasurement,
  encodeGlucoseMeasurementContext,
  encodeHeartRateMeasurement,
  encodeIntermediateCuffPressure,
  encodePlxContinuous,
  encodePlxFeatures,
  encodePlxSpotCheck,
  encodeTemperatureMeasurement,
  encodeWeightMeasurement,
  encodeWeightScaleFeature,
  medfloat,
} from '@telecart/devices';
import type { VirtualReading } from './virtual-device.js';

type Reading<T extends VirtualReading['type']> = Extract<VirtualReading, { type: T }>;

export function encodeBp(r: Reading<'blood-pressure'>): Uint8Array {
  return encodeBloodPressureMeasurement({
    unit: r.unit,
    systolic: medfloat(r.systolic),
    diastolic: medfloat(r.diastolic),
    meanArterialPressure: medfloat(r.meanArterial),
    timestamp: r.time,
    pulseRate: medfloat(r.pulse),
    userId: r.userId,
  });
}

export function encodeCuffPressure(pressure: number): Uint8Array {
  return encodeIntermediateCuffPressure({ unit: 'mmHg', cuffPressure: medfloat(pressure) });
}

export function encodeWeight(r: Reading<'weight'>): Uint8Array {
  return encodeWeightMeasurement({
    unitSystem: 'SI',
    weight: r.kg,
    timestamp: r.time,
    ...(r.userId !== undefined ? { userId: r.userId } : {}),
  });
}

/** Body Composition Measurement (0x2A9C): body fat with the scale's time stamp and user, SI units. */
export function encodeBodyComposition(r: { bodyFatPercent: number; time: DeviceDateTime; userId?: number }): Uint8Array {
  return encodeBodyCompositionMeasurement({
    unitSystem: 'SI',
    bodyFatPercent: r.bodyFatPercent,
    timestamp: r.time,
    ...(r.userId !== undefined ? { userId: r.userId } : {}),
  });
}

export function encodePlxSpot(r: Reading<'spo2-spot-check'>): Uint8Array {
  return encodePlxSpotCheck({
    spo2: medfloat(r.spo2),
    pulseRate: medfloat(r.pulse),
    timestamp: r.time,
    ...(r.measurementStatus !== undefined ? { measurementStatus: r.measurementStatus } : {}),
    ...(r.deviceSensorStatus !== undefined ? { deviceSensorStatus: r.deviceSensorStatus } : {}),
    deviceClockNotSet: false,
  });
}

export function encodePlxContinuousReading(r: Reading<'spo2-continuous'>): Uint8Array {
  return encodePlxContinuous({ normal: { spo2: medfloat(r.spo2), pulseRate: medfloat(r.pulse) } });
}

export function encodeTemperature(r: Reading<'temperature'>): Uint8Array {
  // The site is in Temperature Type (0x2A1D); the spec allows it in one place only.
  return encodeTemperatureMeasurement({ unit: 'celsius', temperature: medfloat(r.celsius), timestamp: r.time });
}

/** Blood Pressure Feature: body movement and irregular pulse detection. */
export const BP_FEATURE = encodeBloodPressureFeature({
  bodyMovementDetection: true,
  cuffFitDetection: false,
  irregularPulseDetection: true,
  pulseRateRangeDetection: false,
  measurementPositionDetection: false,
  multipleBonds: false,
  e2eCrc: false,
  userDataService: false,
  userFacingTime: false,
  raw: 0,
});

/** Weight Scale Feature: time stamps, 0.05 kg resolution (code 4); multiple users when asked. */
export function weightScaleFeature(multipleUsers: boolean): Uint8Array {
  return encodeWeightScaleFeature({
    timestampSupported: true,
    multipleUsersSupported: multipleUsers,
    bmiSupported: false,
    weightResolutionCode: 4,
    heightResolutionCode: 0,
  });
}
export const WEIGHT_SCALE_FEATURE = weightScaleFeature(false);

export function encodeHeartRate(r: Reading<'heart-rate'>): Uint8Array {
  return encodeHeartRateMeasurement({
    heartRate: r.bpm,
    format: 'uint8',
    sensorContact: r.contact ?? 'contact',
    ...(r.rrIntervals.length > 0 ? { rrIntervals: r.rrIntervals } : {}),
  });
}

/**
 * Glucose in mg/dL as kg/L (× 10⁻⁵), capillary whole blood from a finger (or the reading's sample type),
 * with its sensor status word when it has one; context follows when a meal is noted.
 */
export function encodeGlucose(r: Reading<'glucose'>): Uint8Array {
  return encodeGlucoseMeasurement({
    sequenceNumber: r.sequenceNumber,
    baseTime: r.time,
    unit: 'kg/L',
    concentration: { value: medfloat(Number(`${r.mgdl}e-5`)), type: r.sampleType ?? 1, sampleLocation: 1 },
    ...(r.sensorStatus !== undefined ? { sensorStatus: r.sensorStatus } : {}),
    contextFollows: r.meal !== undefined,
  });
}

/** The context of a glucose reading: meal, tester self, no health issues. */
export function encodeGlucoseContext(r: Reading<'glucose'>): Uint8Array {
  return encodeGlucoseMeasurementContext({ sequenceNumber: r.sequenceNumber, meal: r.meal ?? 0, tester: 1, health: 5 });
}

/** Glucose Feature: low battery, sample size, strip insertion and time fault detection. */
export const GLUCOSE_FEATURE = encodeGlucoseFeature({
  lowBatteryDetection: true,
  sensorMalfunctionDetection: false,
  sensorSampleSize: true,
  stripInsertionErrorDetection: true,
  stripTypeErrorDetection: false,
  resultHighLowDetection: true,
  temperatureHighLowDetection: false,
  readInterruptDetection: false,
  generalDeviceFault: false,
  timeFault: true,
  multipleBond: false,
  raw: 0,
});

/** PLX Features: spot-check time stamps. */
export const PLX_FEATURES = encodePlxFeatures({
  spotCheckStorage: false,
  spotCheckTimestamp: true,
  spo2prFast: false,
  spo2prSlow: false,
  pulseAmplitudeIndex: false,
  multipleBonds: false,
  raw: 0,
});
