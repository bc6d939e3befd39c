/** Nonin BLE oximeters: the 3230 speaks the SIG Pulse Oximeter profile (spot check + continuous). */
import { bonding, currentTime, deviceInformation, plxContinuous, plxSpot, recordAccess } from '../capabilities.js';
import { defineDevice } from '../define.js';

export const nonin3230 = defineDevice({
  id: 'nonin-3230',
  vendor: 'Nonin Medical',
  model: 'WristOx/Onyx 3230',
  description: 'finger pulse oximeter',
  transport: 'ble',
  match: { ble: { services: ['1822'], namePattern: /^Nonin3230/ } },
  capabilities: [
    plxSpot(),
    plxContinuous(),
    recordAccess({ filter: 'all' }),
    // The 3230 keeps its own time; a write is refused, so readings are corrected by the measured offset.
    currentTime({ writable: false }),
    deviceInformation(),
    bonding('optional'),
  ],
  quirks: [{ kind: 'refuses-time-write' }],
});
