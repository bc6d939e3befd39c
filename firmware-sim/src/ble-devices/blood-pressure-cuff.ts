/** A blood-pressure cuff (Blood Pressure Service 0x1810): intermediate cuff pressures, then the reading. */
import { BP_FEATURE, encodeBp, encodeCuffPressure } from './encoders.js';
import type { Pdu, VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

export function bloodPressureCuff(opts: VirtualDeviceOptions = {}): VirtualBleDevice {
  return new VirtualBleDevice(
    {
      kind: 'blood-pressure-cuff',
      address: opts.address ?? 'C4:7C:8D:6A:00:01',
      name: opts.name ?? 'TC-BP100',
      model: 'TC-BP100',
      firmware: '1.4.2',
      service: '1810',
      characteristics: [
        { uuid: '2A35', flags: ['indicate'] },
        { uuid: '2A36', flags: ['notify'] },
        { uuid: '2A49', flags: ['read'], value: BP_FEATURE },
      ],
      measure: (rng, time): Pdu[] => {
        const systolic = rng.int(110, 150);
        const diastolic = Math.min(rng.int(65, 95), systolic - 25);
        const pulse = rng.int(55, 95);
        const meanArterial = Math.round(diastolic + (systolic - diastolic) / 3);
        // Inflate above systolic, then deflate: what the cuff shows while measuring.
        const cuff = [systolic + rng.int(20, 40), systolic + rng.int(0, 5), Math.round((systolic + diastolic) / 2)];
        const live = cuff.map(
          (pressure): Pdu => ({
            characteristic: '2A36',
            bytes: encodeCuffPressure(pressure),
            reading: { type: 'cuff-pressure', pressure, unit: 'mmHg' },
            final: false,
          }),
        );
        const reading = {
          type: 'blood-pressure' as const,
          systolic,
          diastolic,
          meanArterial,
          pulse,
          unit: 'mmHg' as const,
          time,
          userId: 1,
        };
        return [...live, { characteristic: '2A35', bytes: encodeBp(reading), reading, final: true }];
      },
    },
    opts,
  );
}
