/** A weight scale (Weight Scale Service 0x181D): one indication per weighing, near the patient's weight. */
import { encodeWeight, weightScaleFeature } from './encoders.js';
import type { VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

export interface WeightScaleOptions extends VirtualDeviceOptions {
  /** The patient's weight; readings fall within ±0.3 kg of it. Default 72.4 kg. */
  patientWeightKg?: number;
  /**
   * A multi-user scale: readings carry the User ID (0x2A9D flag bit 2) and go to each user in turn,
   * near that user's weight; the feature says "multiple users supported".
   */
  users?: readonly { userId: number; weightKg: number }[];
}

export function weightScale(opts: WeightScaleOptions = {}): VirtualBleDevice {
  const base = opts.patientWeightKg ?? 72.4;
  const users = opts.users ?? [];
  let turn = 0;
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
        { uuid: '2A9E', flags: ['read'], value: weightScaleFeature(users.length > 0) },
      ],
      measure: (rng, time) => {
        const user = users.length > 0 ? users[turn++ % users.length] : undefined;
        const centre = user?.weightKg ?? base;
        const kg = Math.round(rng.real(centre - 0.3, centre + 0.3, 0.05) * 100) / 100;
        const reading = { type: 'weight' as const, kg, time, ...(user ? { userId: user.userId } : {}) };
        return [{ characteristic: '2A9D', bytes: encodeWeight(reading), reading, final: true }];
      },
    },
    opts,
  );
}
