export * from './ble-devices/index.js';
export * from './bluez/index.js';
export * from './camera/index.js';
