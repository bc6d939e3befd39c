export { type BackoffPolicy, backoffDelay, defaultBackoff, systemTimers, type Timers } from './backoff.js';
export { BleCentral, type BleCentralEvents, type BleCentralOptions, type BleDeviceStatus } from './ble-central.js';
export { decodeDisString } from './device-information.js';
export type { BleDeviceState, BleLogger, BleStateChange } from './device-session.js';
export { GattQueue } from './gatt-queue.js';
export { type AdvertisedDevice, type BleWatchRule, ruleMatches, subscriptionsFor } from './watch-rules.js';
