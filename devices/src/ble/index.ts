export { type BackoffPolicy, backoffDelay, defaultBackoff, systemTimers, type Timers } from './backoff.js';
export { BleCentral, type BleCentralEvents, type BleCentralHooks, type BleCentralOptions, type BleDeviceStatus } from './ble-central.js';
export { decodeDisString } from './device-information.js';
export { type BleDeviceLink, type BleDeviceState, type BleLogger, type BleStateChange, isAuthenticationError } from './device-session.js';
export { GattQueue, type GattQueueOptions } from './gatt-queue.js';
export { AGENT_PATH, addressOfDevicePath, PairingAgent, type PairingAgentOptions } from './pairing-agent.js';
export { type AdvertisedDevice, type BleWatchRule, ruleMatches, subscriptionsFor } from './watch-rules.js';
