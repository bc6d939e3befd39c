/** A thermometer (Health Thermometer Service 0x1809): one indication per measurement. */
import { encodeTemperature } from './encoders.js';
import type { VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

/** Temperature Type 0x2A1D: 3 = ear (a tympanic thermometer, common on carts). */
const EAR = 3;

export function thermometer(opts: VirtualDeviceOptions = {}): VirtualBleDevice {
  return new VirtualBleDevice(
    {
      kind: 'thermometer',
      address: opts.address ?? 'C4:7C:8D:6A:00:04',
      name: opts.name ?? 'TC-TH400',
      model: 'TC-TH400',
      firmware: '1.0.7',
      service: '1809',
      characteristics: [
        { uuid: '2A1C', flags: ['indicate'] },
        { uuid: '2A1D', flags: ['read'], value: Uint8Array.of(EAR) },
      ],
      measure: (rng, time) => {
        const celsius = Math.round(rng.real(36.2, 37.8, 0.1) * 10) / 10;
        const reading = { type: 'temperature' as const, celsius, time, site: EAR };
        return [{ characteristic: '2A1C', bytes: encodeTemperature(reading), reading, final: true }];
      },
    },
    opts,
  );
}
