export * from './ble-devices/index.js';
export * from './bluez/index.js';
