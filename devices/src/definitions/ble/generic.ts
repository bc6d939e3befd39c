/**
 * The generic definition: any BLE device that advertises a standard SIG health service is served
 * from its profile alone. Procedures run only where the device has the characteristic (RACP,
 * Current Time), so this one definition fits a cuff with memory as well as a bare thermometer.
 */
import {
  bloodPressure,
  bodyComposition,
  bonding,
  currentTime,
  deviceInformation,
  glucose,
  heartRate,
  intermediateCuffPressure,
  plxContinuous,
  plxSpot,
  recordAccess,
  temperature,
  weight,
} from '../capabilities.js';
import { defineDevice } from '../define.js';

export const genericSigBle = defineDevice({
  id: 'generic-sig-ble',
  vendor: 'any',
  model: 'standard SIG health profile',
  description: 'any device speaking the Bluetooth SIG BP, weight, body composition, PLX, thermometer, heart-rate or glucose profile',
  transport: 'ble',
  generic: true,
  match: {},
  capabilities: [
    bloodPressure({ multiUser: true }),
    intermediateCuffPressure(),
    weight({ multiUser: true }),
    bodyComposition({ multiUser: true }),
    plxSpot(),
    plxContinuous(),
    temperature(),
    heartRate(),
    glucose({ context: true }),
    // '≥ sequence' first; a device answering "operator not supported" falls back to 'all'.
    recordAccess({ filter: 'sequence' }),
    currentTime({ writable: true }),
    deviceInformation(),
    bonding('optional'),
  ],
});
