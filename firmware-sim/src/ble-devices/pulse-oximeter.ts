/** A pulse oximeter (Pulse Oximeter Service 0x1822): a few continuous values, then a spot-check. */
import { encodePlxContinuousReading, encodePlxSpot, PLX_FEATURES } from './encoders.js';
import type { Pdu, VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

export function pulseOximeter(opts: VirtualDeviceOptions = {}): VirtualBleDevice {
  return new VirtualBleDevice(
    {
      kind: 'pulse-oximeter',
      address: opts.address ?? 'C4:7C:8D:6A:00:03',
      name: opts.name ?? 'TC-OX300',
      model: 'TC-OX300',
      firmware: '3.1.0',
      service: '1822',
      characteristics: [
        { uuid: '2A5E', flags: ['indicate'] },
        { uuid: '2A5F', flags: ['notify'] },
        { uuid: '2A60', flags: ['read'], value: PLX_FEATURES },
      ],
      measure: (rng, time, _sequenceNumber, condition): Pdu[] => {
        const drawn = { spo2: rng.int(93, 99), pulse: rng.int(55, 95) };
        const spo2 = condition?.spo2 ?? drawn.spo2;
        const pulse = condition?.pulse ?? drawn.pulse;
        // The display settles over a few seconds before the spot-check is stored.
        const live = [0, 1, 2].map((): Pdu => {
          const reading = {
            type: 'spo2-continuous' as const,
            spo2: Math.min(100, spo2 + rng.int(-1, 1)),
            pulse: pulse + rng.int(-2, 2),
          };
          return { characteristic: '2A5F', bytes: encodePlxContinuousReading(reading), reading, final: false };
        });
        const reading = {
          type: 'spo2-spot-check' as const,
          spo2,
          pulse,
          time,
          ...(condition?.plxMeasurementStatus !== undefined ? { measurementStatus: condition.plxMeasurementStatus } : {}),
          ...(condition?.plxDeviceSensorStatus !== undefined ? { deviceSensorStatus: condition.plxDeviceSensorStatus } : {}),
        };
        return [...live, { characteristic: '2A5E', bytes: encodePlxSpot(reading), reading, final: true }];
      },
    },
    opts,
  );
}
