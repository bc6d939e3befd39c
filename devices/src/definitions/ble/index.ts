import type { DeviceDefinition } from '../types.js';
import { andUa651ble, andUc352ble, andUt201ble } from './and-medical.js';
import { genericSigBle } from './generic.js';
import { nonin3230 } from './nonin.js';
import { polarH10 } from './polar.js';
import { accuChekGuide } from './roche.js';

export { accuChekGuide, andUa651ble, andUc352ble, andUt201ble, genericSigBle, nonin3230, polarH10 };

/** BLE model definitions, most specific first; the generic one comes last. */
export const BLE_DEFINITIONS: readonly DeviceDefinition[] = [
  andUa651ble,
  andUc352ble,
  andUt201ble,
  nonin3230,
  accuChekGuide,
  polarH10,
  genericSigBle,
];
