/**
 * A&D Medical BLE devices. The advertised names follow the vendor's pattern seen in public drivers
 * (obniz UA651BLE matches local names starting 'A&D_UA-651'); the clock is set through Date Time
 * 0x2A08 inside the profile service, as obniz's UA651BLE driver does. Bonding is required by these devices.
 */
import {
  bloodPressure,
  bonding,
  currentTime,
  deviceInformation,
  intermediateCuffPressure,
  recordAccess,
  temperature,
  weight,
} from '../capabilities.js';
import { defineDevice } from '../define.js';

export const andUa651ble = defineDevice({
  id: 'and-ua-651ble',
  vendor: 'A&D Medical',
  model: 'UA-651BLE',
  description: 'upper-arm blood pressure monitor',
  transport: 'ble',
  match: { ble: { services: ['1810'], namePattern: /^(A&D_)?UA-651/ } },
  capabilities: [
    bloodPressure(),
    intermediateCuffPressure(),
    recordAccess({ filter: 'all' }),
    currentTime({ uuid: '2A08', service: '1810', writable: true }),
    deviceInformation(),
    bonding('optional'),
  ],
  quirks: [{ kind: 'clock-resets', year: 2000 }],
});

export const andUc352ble = defineDevice({
  id: 'and-uc-352ble',
  vendor: 'A&D Medical',
  model: 'UC-352BLE',
  description: 'precision weight scale, several users',
  transport: 'ble',
  match: { ble: { services: ['181D'], namePattern: /^(A&D_)?UC-352/ } },
  capabilities: [
    weight({ multiUser: true }),
    recordAccess({ filter: 'all' }),
    currentTime({ uuid: '2A08', service: '181D', writable: true }),
    deviceInformation(),
    bonding('optional'),
  ],
  quirks: [{ kind: 'clock-resets', year: 2000 }],
});

export const andUt201ble = defineDevice({
  id: 'and-ut-201ble',
  vendor: 'A&D Medical',
  model: 'UT-201BLE',
  description: 'ear/forehead thermometer',
  transport: 'ble',
  match: { ble: { services: ['1809'], namePattern: /^(A&D_)?UT-201/ } },
  capabilities: [temperature(), currentTime({ uuid: '2A08', service: '1809', writable: true }), deviceInformation()],
});
