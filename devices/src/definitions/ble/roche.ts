/** Accu-Chek-like glucose meter: Glucose profile with context, RACP by sequence number, bonding required. */
import { bonding, currentTime, deviceInformation, glucose, recordAccess } from '../capabilities.js';
import { defineDevice } from '../define.js';

export const accuChekGuide = defineDevice({
  id: 'roche-accu-chek-guide',
  vendor: 'Roche',
  model: 'Accu-Chek Guide',
  description: 'blood glucose meter with memory and meal context',
  transport: 'ble',
  // Accu-Chek meters advertise 'meter+' followed by digits of the serial number.
  match: { ble: { services: ['1808'], namePattern: /^meter\+/ } },
  capabilities: [
    glucose({ context: true }),
    recordAccess({ filter: 'sequence' }),
    currentTime({ writable: true }),
    deviceInformation(),
    bonding('required'),
  ],
});
