/** A weight scale (Weight Scale Service 0x181D): one indication per weighing, near the patient's weight. */
import { encodeWeight, WEIGHT_SCALE_FEATURE } from './encoders.js';
import type { VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

export interface WeightScaleOptions extends VirtualDeviceOptions {
  /** The patient's weight; readings fall within ±0.3 kg of it. Default 72.4 kg. */
  patientWeightKg?: number;
}

export function weightScale(opts: WeightScaleOptions = {}): VirtualBleDevice {
  const base = opts.patientWeightKg ?? 72.4;
  return new VirtualBleDevice(
    {
      kind: 'weight-scale',
      address: opts.address ?? 'C4:7C:8D:6A:00:02',
      name: opts.name ?? 'TC-WS200',
      model: 'TC-WS200',
      firmware: '2.0.1',
      service: '181D',
      characteristics: [
        { uuid: '2A9D', flags: ['indicate'] },
        { uuid: '2A9E', flags: ['read'], value: WEIGHT_SCALE_FEATURE },
      ],
      measure: (rng, time) => {
        const kg = Math.round(rng.real(base - 0.3, base + 0.3, 0.05) * 100) / 100;
        const reading = { type: 'weight' as const, kg, time };
        return [{ characteristic: '2A9D', bytes: encodeWeight(reading), reading, final: true }];
      },
    },
    opts,
  );
}
