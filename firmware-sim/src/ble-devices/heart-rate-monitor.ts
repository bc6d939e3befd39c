/**
 * A heart-rate chest strap (Heart Rate Service 0x180D): one 0x2A37 notification per measureNow (call it
 * every second), with the RR intervals of the beats since the last one. The rate wanders around
 * `restingBpm`; RR intervals are 60/HR s with a little beat-to-beat variability, in 1/1024 s.
 * Notifications are live values: nothing is kept while no central listens.
 */
import { encodeBodySensorLocation } from '@telecart/devices';
import { encodeHeartRate } from './encoders.js';
import type { Pdu, VirtualDeviceOptions } from './virtual-device.js';
import { VirtualBleDevice } from './virtual-device.js';

export interface HeartRateMonitorOptions extends VirtualDeviceOptions {
  /** Centre of the random walk. Default 72 /min. */
  restingBpm?: number;
}

/** Body Sensor Location 1 = chest. */
const CHEST = 1;

export function heartRateMonitor(opts: HeartRateMonitorOptions = {}): VirtualBleDevice {
  const centre = opts.restingBpm ?? 72;
  let bpm = centre;
  // Time owed to the next beat, s: each notification covers one second of beats.
  let carry = 0;
  return new VirtualBleDevice(
    {
      kind: 'heart-rate-monitor',
      address: opts.address ?? 'C4:7C:8D:6A:00:05',
      name: opts.name ?? 'TC-HR500',
      model: 'TC-HR500',
      firmware: '1.2.0',
      service: '180D',
      characteristics: [
        { uuid: '2A37', flags: ['notify'] },
        { uuid: '2A38', flags: ['read'], value: encodeBodySensorLocation(CHEST) },
      ],
      measure: (rng, _time, _sequenceNumber, condition): Pdu[] => {
        // Mean-reverting walk: ±2 /min steps pulled back toward the centre, kept within 40..180.
        bpm = Math.min(180, Math.max(40, Math.round(bpm + rng.int(-2, 2) + (centre - bpm) * 0.2)));
        const rrIntervals: number[] = [];
        carry += 1;
        for (;;) {
          const rrSeconds = (60 / bpm) * (1 + rng.int(-30, 30) / 1000); // ±3 % variability
          if (rrSeconds > carry) break;
          carry -= rrSeconds;
          rrIntervals.push(Math.round(rrSeconds * 1024));
        }
        // Without skin contact a strap has no beats to count: it sends the condition's value (often 0).
        const reading =
          condition?.contact === 'no-contact'
            ? { type: 'heart-rate' as const, bpm: condition.bpm ?? 0, rrIntervals: [], contact: 'no-contact' as const }
            : { type: 'heart-rate' as const, bpm: condition?.bpm ?? bpm, rrIntervals };
        return [{ characteristic: '2A37', bytes: encodeHeartRate(reading), reading, final: false }];
      },
    },
    opts,
  );
}
