/** Polar-like chest strap: Heart Rate profile only, notifications, no memory, no clock. */
import { deviceInformation, heartRate } from '../capabilities.js';
import { defineDevice } from '../define.js';

export const polarH10 = defineDevice({
  id: 'polar-h10',
  vendor: 'Polar',
  model: 'H10',
  description: 'heart rate chest strap',
  transport: 'ble',
  match: { ble: { services: ['180D'], namePattern: /^Polar H\d/ } },
  capabilities: [heartRate(), deviceInformation()],
  // Strap firmware drops a request that follows another too closely.
  quirks: [{ kind: 'gatt-op-gap', ms: 20 }],
});
