export * from './audio-devices/index.js';
export * from './ble-devices/index.js';
export * from './bluez/index.js';
export * from './camera/index.js';
export * from './serial-devices/index.js';
export * from './signals/index.js';
