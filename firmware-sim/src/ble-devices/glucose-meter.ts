/**
 * A blood glucose meter (Glucose Service 0x1808): every reading is stored with a sequence number;
 * readings with a meal noted are followed by a Glucose Measurement Context (same sequence number).
 * A reading goes out live only if a central listens at that moment; the stored ones are fetched with
 * the Record Access Control Point (always served), as real meters do.
 */
import { encodeGlucose, encodeGlucoseContext, GLUCOSE_FEATURE } from './encoders.js';
import type { Pdu, VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

export interface GlucoseMeterOptions extends VirtualDeviceOptions {
  /** Every n-th reading carries a context (meal). Default 2; 0 = never. */
  contextEvery?: number;
}

export function glucoseMeter(opts: GlucoseMeterOptions = {}): VirtualBleDevice {
  const every = opts.contextEvery ?? 2;
  return new VirtualBleDevice(
    {
      kind: 'glucose-meter',
      address: opts.address ?? 'C4:7C:8D:6A:00:06',
      name: opts.name ?? 'TC-GL600',
      model: 'TC-GL600',
      firmware: '2.3.1',
      service: '1808',
      alwaysKeepsRecords: true,
      queueUntilSubscribed: false,
      characteristics: [
        { uuid: '2A18', flags: ['notify'] },
        { uuid: '2A34', flags: ['notify'] },
        { uuid: '2A51', flags: ['read'], value: GLUCOSE_FEATURE },
      ],
      measure: (rng, time, sequenceNumber, condition): Pdu[] => {
        const withContext = every > 0 && sequenceNumber % every === 0;
        // Fasting 80–130, after a meal up to 180 mg/dL.
        const meal = withContext ? rng.int(1, 3) : undefined; // preprandial, postprandial, fasting
        const drawn = meal === 2 ? rng.int(110, 180) : rng.int(80, 130);
        const mgdl = condition?.mgdl ?? drawn;
        const reading = {
          type: 'glucose' as const,
          mgdl,
          time,
          sequenceNumber,
          ...(meal !== undefined ? { meal } : {}),
          ...(condition?.glucoseSensorStatus !== undefined ? { sensorStatus: condition.glucoseSensorStatus } : {}),
          ...(condition?.controlSolution ? { sampleType: 10 } : {}),
        };
        const pdus: Pdu[] = [{ characteristic: '2A18', bytes: encodeGlucose(reading), reading, final: true }];
        if (meal !== undefined)
          pdus.push({ characteristic: '2A34', bytes: encodeGlucoseContext(reading), reading, final: false, stored: true });
        return pdus;
      },
    },
    opts,
  );
}
